package ledger

import (
	"context"
	"time"
)

// KeyStore records which keys the ledger's secrets depend on, so that the service can refuse to
// run with keys that cannot open them (a lost, replaced or corrupt keys file). It knows key ids
// only, never keys: Signing is the kid of the Ed25519 key that signs access and delegation tokens,
// Data is the id of the AES key that seals TOTP secrets (an id that reveals nothing about the
// key). Each sealed TOTP secret (enabled or pending) carries the id of the key that sealed it.
type KeyStore interface {
	// KeyUse says which keys the ledger records and what depends on them.
	KeyUse(ctx context.Context) (KeyUse, error)
	// AdoptKeys records ids as the ledger's keys, changing nothing else: for a ledger that holds
	// nothing sealed and no live session, or whose keys are ids already. Each of legacy (from
	// KeyUse.Legacy) is attributed to its KeyID.
	AdoptKeys(ctx context.Context, ids KeyIDs, legacy []LegacySecret) error
	// ReplaceKeys records ids as the ledger's new keys and ends what the old keys held: every live
	// session is revoked (a session.revoked event each, reason "keys replaced") and every pending,
	// unconfirmed enrollment sealed under another key is dropped. Enabled TOTP secrets stay as
	// they are, attributed to the key that sealed them, so that sign-in can tell them apart and
	// ask for a recovery code. It returns the ids of the sessions revoked.
	ReplaceKeys(ctx context.Context, ids KeyIDs) ([]string, error)
	// NoteTokensSigned records that delegation tokens signed with the key kid may be presented
	// until `until` (the latest such time is kept): they are stored nowhere else, yet the key
	// must not be replaced silently while one of them may still draw a payment.
	NoteTokensSigned(ctx context.Context, kid string, until time.Time) error
}

// KeyIDs name a keyset.
type KeyIDs struct {
	Signing string
	Data    string
}

// KeyUse is what a ledger holds that depends on its keys.
type KeyUse struct {
	Recorded     KeyIDs // zero when none is recorded yet (a new ledger, or one from before key ids)
	MFAAccounts  int    // accounts with two-factor on whose secret Recorded.Data sealed
	Pending      int    // enrollments not yet confirmed whose secret Recorded.Data sealed
	LiveSessions int    // sessions neither revoked nor past their last refresh token
	// TokensUntil is how long delegation tokens signed by Recorded.Signing may still be
	// presented (NoteTokensSigned); zero when none may any more.
	TokensUntil time.Time
	// Legacy are the sealed secrets stored before ledgers recorded key ids: the service finds
	// out by trying which key opens them.
	Legacy []LegacySecret
}

// Empty reports whether nothing in the ledger depends on its keys.
func (u KeyUse) Empty() bool {
	return u.MFAAccounts == 0 && u.Pending == 0 && u.LiveSessions == 0 && len(u.Legacy) == 0 && u.TokensUntil.IsZero()
}

// LegacySecret is a sealed TOTP secret without a key id.
type LegacySecret struct {
	AccountID string
	Pending   bool // the enrolled, not yet confirmed secret rather than the enabled one
	Sealed    []byte
	KeyID     string // for AdoptKeys: the data key id that opens it, or UnknownKey
}

// UnknownKey is the key id of a legacy secret that the current keys cannot open.
const UnknownKey = "unknown"
