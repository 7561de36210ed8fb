package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// NewRefreshToken returns a refresh token of 256 random bits (unpadded
// base64url, 43 characters) and its HashSecret, which is what to store.
func NewRefreshToken() (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashSecret(token)
}

// HashSecret returns SHA-256 of a high-entropy secret (refresh token,
// normalized recovery code). A plain hash suffices because these secrets are
// random, unlike passwords; it lets the caller look the secret up by hash.
func HashSecret(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Recovery codes are four groups of six lowercase base32 characters: 120 bits.
const (
	recoveryGroups    = 4
	recoveryGroupSize = 6
)

// NewRecoveryCodes returns n one-time recovery codes such as
// "k3v7q2-mzpx4r-b6nw5y-c2hjs7" (120 random bits each) to show the user once,
// and their hashes to store: hashes[i] is HashSecret(codes[i]), which equals
// HashSecret of NormalizeRecoveryCode of whatever the user types for it.
func NewRecoveryCodes(n int) (codes []string, hashes [][]byte) {
	codes = make([]string, n)
	hashes = make([][]byte, n)
	for i := range codes {
		codes[i] = randomGroups(recoveryGroups, recoveryGroupSize)
		hashes[i] = HashSecret(codes[i])
	}
	return codes, hashes
}

// NormalizeRecoveryCode turns what a person typed into the canonical form
// NewRecoveryCodes produced: case, spaces, dashes and underscores anywhere are
// tolerated. ok is false when the input cannot be a recovery code (then there
// is no need to look it up).
func NormalizeRecoveryCode(input string) (code string, ok bool) {
	var raw []byte
	for _, r := range input {
		switch {
		case r == ' ' || r == '-' || r == '_' || r == '\t':
			continue
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		}
		if !strings.ContainsRune(base32Alphabet, r) {
			return "", false
		}
		raw = append(raw, byte(r))
		if len(raw) > recoveryGroups*recoveryGroupSize {
			return "", false
		}
	}
	if len(raw) != recoveryGroups*recoveryGroupSize {
		return "", false
	}
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%recoveryGroupSize == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// NewID returns a 128-bit random id, unpadded base64url (22 characters).
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
