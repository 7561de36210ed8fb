package ledgersql

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syftbox/syftwallet/ledger"
)

// The ids of the keys the ledger's secrets depend on (ledger.KeyStore).

// KeyUse implements ledger.KeyStore.
func (r *Rules) KeyUse(ctx context.Context) (ledger.KeyUse, error) {
	var u ledger.KeyUse
	err := r.DB.Query(ctx, `SELECT role, id FROM key_ids`, func(row Row) error {
		var role, id string
		if err := row.Scan(&role, &id); err != nil {
			return err
		}
		switch role {
		case "signing":
			u.Recorded.Signing = id
		case "data":
			u.Recorded.Data = id
		}
		return nil
	})
	if err != nil {
		// Never a half-read: ids that look unrecorded would let other keys be adopted.
		return ledger.KeyUse{}, fmt.Errorf("ledger: read key ids: %w", err)
	}
	now := ms(r.Now())
	err = r.DB.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM accounts WHERE mfa_enabled AND mfa_secret IS NOT NULL AND mfa_secret_key = ?),
		(SELECT COUNT(*) FROM accounts WHERE mfa_pending IS NOT NULL AND mfa_pending_key = ?),
		(SELECT COUNT(*) FROM sessions s WHERE s.revoked_at IS NULL AND EXISTS (SELECT 1 FROM refresh_tokens r
			WHERE r.session = s.id AND r.spent_at IS NULL AND r.expires_at > ?))`, u.Recorded.Data, u.Recorded.Data, now).
		Scan(&u.MFAAccounts, &u.Pending, &u.LiveSessions)
	if err != nil {
		return u, fmt.Errorf("ledger: count what depends on the keys: %w", err)
	}
	var until int64
	err = r.DB.QueryRow(ctx, `SELECT valid_until FROM signed_tokens WHERE kid = ? AND valid_until > ?`,
		u.Recorded.Signing, now).Scan(&until)
	switch {
	case err == nil:
		u.TokensUntil = at(until)
	case !noRows(err):
		return u, fmt.Errorf("ledger: read signed tokens: %w", err)
	}
	err = r.DB.Query(ctx, `
		SELECT id, FALSE, mfa_secret FROM accounts WHERE mfa_secret IS NOT NULL AND mfa_secret_key IS NULL
		UNION ALL
		SELECT id, TRUE, mfa_pending FROM accounts WHERE mfa_pending IS NOT NULL AND mfa_pending_key IS NULL`, func(row Row) error {
		var l ledger.LegacySecret
		if err := row.Scan(&l.AccountID, &l.Pending, &l.Sealed); err != nil {
			return err
		}
		u.Legacy = append(u.Legacy, l)
		return nil
	})
	if err != nil {
		return u, fmt.Errorf("ledger: read legacy secrets: %w", err)
	}
	return u, nil
}

func recordKeys(w Tx, ids ledger.KeyIDs) error {
	for _, r := range [][2]string{{"signing", ids.Signing}, {"data", ids.Data}} {
		if r[1] == "" {
			return fmt.Errorf("ledger: no %s key id to record", r[0])
		}
		if err := do(w, `INSERT INTO key_ids (role, id, recorded_at) VALUES (?, ?, ?)
			ON CONFLICT (role) DO UPDATE SET id = excluded.id, recorded_at = excluded.recorded_at`,
			r[0], r[1], ms(w.Now())); err != nil {
			return fmt.Errorf("ledger: record key ids: %w", err)
		}
	}
	return nil
}

// AdoptKeys implements ledger.KeyStore.
func (r *Rules) AdoptKeys(ctx context.Context, ids ledger.KeyIDs, legacy []ledger.LegacySecret) error {
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		if err := recordKeys(w, ids); err != nil {
			return nil, err
		}
		for _, l := range legacy {
			if l.KeyID == "" {
				return nil, fmt.Errorf("ledger: legacy secret without a key id to attribute")
			}
			q := `UPDATE accounts SET mfa_secret_key = ? WHERE id = ? AND mfa_secret IS NOT NULL AND mfa_secret_key IS NULL`
			if l.Pending {
				q = `UPDATE accounts SET mfa_pending_key = ? WHERE id = ? AND mfa_pending IS NOT NULL AND mfa_pending_key IS NULL`
			}
			if err := do(w, q, l.KeyID, l.AccountID); err != nil {
				return nil, fmt.Errorf("ledger: attribute a sealed secret: %w", err)
			}
		}
		return nil, nil
	})
	return err
}

// ReplaceKeys implements ledger.KeyStore.
func (r *Rules) ReplaceKeys(ctx context.Context, ids ledger.KeyIDs) ([]string, error) {
	return submit(ctx, r, func(w Tx) ([]string, error) {
		if err := recordKeys(w, ids); err != nil {
			return nil, err
		}
		// Secrets nobody attributed yet were sealed before key ids, by keys that are gone now.
		if err := do(w, `UPDATE accounts SET mfa_secret_key = ? WHERE mfa_secret IS NOT NULL AND mfa_secret_key IS NULL`,
			ledger.UnknownKey); err != nil {
			return nil, fmt.Errorf("ledger: attribute old secrets: %w", err)
		}
		// Tokens signed by other keys cannot be verified any more.
		if err := do(w, `DELETE FROM signed_tokens WHERE kid <> ?`, ids.Signing); err != nil {
			return nil, fmt.Errorf("ledger: forget old tokens: %w", err)
		}
		if err := do(w, `UPDATE accounts SET mfa_pending = NULL, mfa_pending_key = NULL
			WHERE mfa_pending IS NOT NULL AND (mfa_pending_key IS NULL OR mfa_pending_key <> ?)`, ids.Data); err != nil {
			return nil, fmt.Errorf("ledger: drop old enrollments: %w", err)
		}
		return revokeAll(w, "keys replaced", `SELECT id FROM sessions WHERE revoked_at IS NULL`)
	})
}

// NoteTokensSigned implements ledger.KeyStore.
func (r *Rules) NoteTokensSigned(ctx context.Context, kid string, until time.Time) error {
	if kid == "" {
		return errors.New("ledger: no kid for signed tokens")
	}
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		if err := do(w, `INSERT INTO signed_tokens (kid, valid_until) VALUES (?, ?)
			ON CONFLICT (kid) DO UPDATE SET valid_until = GREATEST(signed_tokens.valid_until, excluded.valid_until)`,
			kid, ms(until)); err != nil {
			return nil, fmt.Errorf("ledger: note signed tokens: %w", err)
		}
		return nil, nil
	})
	return err
}
