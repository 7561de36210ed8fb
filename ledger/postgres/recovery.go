package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// Recovery codes beyond spending them (ledger.RecoveryCodeStore), as in ledger/sqlite. A spent
// code keeps its row (used_at set) until the set is replaced or two-factor is turned off.

// RecoveryCodeUsed implements ledger.RecoveryCodeStore. It reads committed state: a code spent by
// a call that has returned is seen as spent.
func (s *Store) RecoveryCodeUsed(ctx context.Context, accountID string, hash []byte) (bool, error) {
	var used bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM recovery_codes r JOIN accounts a ON a.n = r.account
		WHERE a.id = $1 AND r.hash = $2 AND r.used_at IS NOT NULL)`, accountID, hash).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("ledger: read recovery code: %w", err)
	}
	return used, nil
}

// ReplaceRecoveryCodes implements ledger.RecoveryCodeStore. The account's row is locked (acctByID)
// before its MFA flag is read, so a concurrent DisableMFA runs wholly before or after.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, accountID string, hashes [][]byte) error {
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		a, err := w.acctByID(accountID)
		if err != nil {
			return nil, err
		}
		var on bool
		if err := w.queryRow(`SELECT mfa_enabled FROM accounts WHERE n = $1`, a.n).Scan(&on); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil, ledger.ErrNotFound
			}
			return nil, fmt.Errorf("ledger: read MFA state: %w", err)
		}
		if !on {
			return nil, ledger.ErrNotFound
		}
		if _, err := w.do(`DELETE FROM recovery_codes WHERE account = $1`, a.n); err != nil {
			return nil, err
		}
		for _, h := range hashes {
			if _, err := w.do(`INSERT INTO recovery_codes (account, hash) VALUES ($1, $2)`, a.n, h); err != nil {
				return nil, fmt.Errorf("ledger: store recovery code: %w", err)
			}
		}
		return nil, w.post(a, 0, 0, evSpec{api.EventSecurityMFAChanged,
			ledger.RecoveryCodesChanged{Enabled: true, RecoveryCodesLeft: len(hashes)}})
	})
	return err
}
