package ledgersql

import (
	"context"
	"fmt"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// Recovery codes beyond spending them (ledger.RecoveryCodeStore), once for both engines. A spent
// code keeps its row (used_at set) until the set is replaced or two-factor is turned off, which is
// what lets a second use be told apart from a code that never was.

// RecoveryCodeUsed implements ledger.RecoveryCodeStore. It reads committed state: a code spent by
// a call that has returned is seen as spent.
func (r *Rules) RecoveryCodeUsed(ctx context.Context, accountID string, hash []byte) (bool, error) {
	var used bool
	err := r.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM recovery_codes r JOIN accounts a ON a.n = r.account
		WHERE a.id = ? AND r.hash = ? AND r.used_at IS NOT NULL)`, accountID, hash).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("ledger: read recovery code: %w", err)
	}
	return used, nil
}

// ReplaceRecoveryCodes implements ledger.RecoveryCodeStore. The account is found (and, on an
// engine with several writers, locked) before its MFA flag is read, so a concurrent DisableMFA
// runs wholly before or after.
func (r *Rules) ReplaceRecoveryCodes(ctx context.Context, accountID string, hashes [][]byte) error {
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		a, err := w.AccountByID(accountID)
		if err != nil {
			return nil, err
		}
		var on bool
		if err := readErr(w.QueryRow(`SELECT mfa_enabled FROM accounts WHERE n = ?`, a.N).Scan(&on), "MFA state"); err != nil {
			return nil, err
		}
		if !on {
			return nil, ledger.ErrNotFound
		}
		if err := do(w, `DELETE FROM recovery_codes WHERE account = ?`, a.N); err != nil {
			return nil, err
		}
		for _, h := range hashes {
			if err := do(w, `INSERT INTO recovery_codes (account, hash) VALUES (?, ?)`, a.N, h); err != nil {
				return nil, fmt.Errorf("ledger: store recovery code: %w", err)
			}
		}
		return nil, notify(w, a, api.EventSecurityMFAChanged,
			ledger.RecoveryCodesChanged{Enabled: true, RecoveryCodesLeft: len(hashes)})
	})
	return err
}
