package ledger

import "context"

// RecoveryCodeStore is the part of AuthStore that keeps an account's recovery codes beyond
// spending them (UseRecoveryCode): telling a spent code from one that never was, and replacing the
// whole set. Codes arrive hashed, as everywhere in AuthStore.
type RecoveryCodeStore interface {
	// RecoveryCodeUsed reports whether hash is one of the account's current recovery codes that
	// was already spent. A code of another account, of a set that was replaced, or never issued
	// is false: only someone who held the code can learn that it was spent.
	RecoveryCodeUsed(ctx context.Context, accountID string, hash []byte) (bool, error)
	// ReplaceRecoveryCodes makes hashes the account's recovery codes, all unused, and drops every
	// old one (spent or not), in one transaction that appends a security.mfa_changed event
	// (RecoveryCodesChanged). ErrNotFound when the account is unknown or its MFA is off.
	ReplaceRecoveryCodes(ctx context.Context, accountID string, hashes [][]byte) error
}

// RecoveryCodesChanged is the data of the security.mfa_changed event that ReplaceRecoveryCodes
// appends: two-factor stays on, with this many unused recovery codes.
type RecoveryCodesChanged struct {
	Enabled           bool `json:"enabled"`
	RecoveryCodesLeft int  `json:"recoveryCodesLeft"`
}
