// Package auth holds the security primitives behind the accounting service's
// sign-in: argon2id password hashing, the persistent Ed25519 signing keyset
// (and the data key that encrypts TOTP secrets at rest), EdDSA access and
// transaction tokens, opaque refresh tokens and recovery codes, TOTP with
// replay protection, a failed-attempt limiter and the Basic-auth credential
// cache.
//
// It is pure: it knows nothing of HTTP, SQL, sessions tables or Bubble Tea,
// and keeps no global mutable state. Everything hangs off values the caller
// constructs, and every exported type is safe for concurrent use. Storage
// (which step a TOTP code used, which refresh token is spent) belongs to the
// caller. No error returned by this package contains a password, token, TOTP
// secret or recovery code.
package auth
