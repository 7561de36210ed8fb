package ledger

import (
	"context"
	"errors"
	"time"
)

// AuthStore keeps what sign-in needs beside the ledger: sessions and their rotating refresh
// tokens, TOTP state, recovery codes and MFA challenges. Secrets arrive already hashed (refresh
// tokens, recovery codes) or sealed (TOTP secrets); the store never sees them in the clear.
// Calls that change a session or MFA append the matching security event to the account's outbox.
type AuthStore interface {
	CreateSession(ctx context.Context, s NewSession) (Session, error)
	Session(ctx context.Context, id string) (Session, error)
	// RotateRefresh spends the refresh token whose hash is old and issues newHash in the same
	// session. A spent token presented again revokes the whole session: ErrRefreshReused.
	RotateRefresh(ctx context.Context, old, newHash []byte, ttl time.Duration) (Session, error)
	RevokeSession(ctx context.Context, sessionID, reason string) (Session, error)
	// RevokeSessions revokes every live session of the account except `except` ("" for none)
	// and returns the ids revoked.
	RevokeSessions(ctx context.Context, accountID, except, reason string) ([]string, error)

	MFA(ctx context.Context, accountID string) (MFAState, error)
	// SetPendingMFA stores an enrolled secret, sealed by the data key named keyID.
	SetPendingMFA(ctx context.Context, accountID string, sealed []byte, keyID string) error
	EnableMFA(ctx context.Context, accountID string, step int64, recoveryHashes [][]byte) error
	DisableMFA(ctx context.Context, accountID string, step int64) error
	// UseTOTPStep records step as used if it is above the last used one; false when it is not
	// (the code was used already, even by a concurrent call).
	UseTOTPStep(ctx context.Context, accountID string, step int64) (bool, error)
	UseRecoveryCode(ctx context.Context, accountID string, hash []byte) (bool, error)
	RecoveryCodeStore

	// Challenge ids are bearer secrets until the challenge ends: a store keeps only a hash of
	// each (and looks it up by hash), so the id exists in the clear in CreateChallenge's answer
	// and in the requests that name it, never at rest.
	CreateChallenge(ctx context.Context, accountID string, ttl time.Duration) (Challenge, error)
	Challenge(ctx context.Context, id string) (Challenge, error)
	// TakeChallengeAttempt reserves one code attempt on the challenge BEFORE the code is checked,
	// so that codes sent at once can never exceed the policy (several instances of the service
	// may share the store): from now until it is settled the attempt counts as wrong, against the
	// challenge (MaxWrong) and against the account (LockAfter). ErrNotFound when the challenge is
	// unknown, expired, finished or dead, or all its MaxWrong attempts are taken;
	// ErrNoAttemptsLeft when the account's LockAfter attempts are all taken by attempts not yet
	// settled. Settle it with FailChallenge or PassChallenge, or give it back with
	// ReleaseChallengeAttempt when the code could not be checked.
	TakeChallengeAttempt(ctx context.Context, id string, p ChallengePolicy) (Challenge, error)
	// FailChallenge settles a taken attempt as a wrong code. The challenge dies once MaxWrong
	// attempts were taken on it; once the account's count reaches LockAfter (consecutive failures
	// across challenges) its MFA is locked for LockFor, every open challenge of it dies and a
	// security.mfa_changed event is appended.
	FailChallenge(ctx context.Context, id string, p ChallengePolicy) (Challenge, MFAState, error)
	// ReleaseChallengeAttempt gives back a taken attempt whose code was never checked.
	ReleaseChallengeAttempt(ctx context.Context, id string) error
	// PassChallenge spends the challenge and clears the account's failure count.
	PassChallenge(ctx context.Context, id string) error
}

// NewSession starts a session with its first refresh token.
type NewSession struct {
	AccountID   string
	RefreshHash []byte
	RefreshTTL  time.Duration
	UserAgent   string
	Method      string // "password", "totp", "recovery": recorded in the security.login event
}

// Session is one sign-in and every token descended from it.
type Session struct {
	ID        string
	AccountID string
	CreatedAt time.Time
	RevokedAt time.Time // zero while live
}

// Live reports whether the session may still be used.
func (s Session) Live() bool { return s.RevokedAt.IsZero() }

// MFAState is an account's second factor.
type MFAState struct {
	Enabled     bool
	Secret      []byte // sealed TOTP secret, when enabled
	SecretKey   string // id of the data key that sealed Secret (KeyStore; UnknownKey, or "" before key ids)
	Pending     []byte // sealed secret enrolled but not yet enabled
	PendingKey  string // id of the data key that sealed Pending
	LastStep    int64
	Failures    int
	LockedUntil time.Time
	Recovery    int // unused recovery codes left
}

// Challenge is a sign-in waiting for its second factor.
type Challenge struct {
	ID        string
	AccountID string
	ExpiresAt time.Time
	Wrong     int
	Done      bool // passed or dead
}

// ChallengePolicy is how many wrong codes a challenge and an account may take.
type ChallengePolicy struct {
	MaxWrong  int
	LockAfter int
	LockFor   time.Duration
}

// Sign-in errors.
var (
	ErrRefreshReused = errors.New("ledger: refresh token reused; session revoked")
	ErrRevoked       = errors.New("ledger: session revoked")
	ErrExpired       = errors.New("ledger: expired")
	// ErrNoAttemptsLeft: every attempt the policy allows is taken by attempts in flight.
	ErrNoAttemptsLeft = errors.New("ledger: no attempts left until those in flight are settled")
)
