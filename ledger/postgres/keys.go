package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/ledger"
)

// KeyUse implements ledger.KeyStore.
func (s *Store) KeyUse(ctx context.Context) (ledger.KeyUse, error) {
	var u ledger.KeyUse
	rows, err := s.pool.Query(ctx, `SELECT role, id FROM key_ids`)
	if err != nil {
		return u, fmt.Errorf("ledger: read key ids: %w", err)
	}
	for rows.Next() {
		var role, id string
		if err := rows.Scan(&role, &id); err != nil {
			rows.Close()
			return u, fmt.Errorf("ledger: read key ids: %w", err)
		}
		switch role {
		case "signing":
			u.Recorded.Signing = id
		case "data":
			u.Recorded.Data = id
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		// Never a half-read: ids that look unrecorded would let other keys be adopted.
		return u, fmt.Errorf("ledger: read key ids: %w", err)
	}
	now := s.opts.Now().UnixMilli()
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM accounts WHERE mfa_enabled AND mfa_secret IS NOT NULL AND mfa_secret_key = $1),
		(SELECT COUNT(*) FROM accounts WHERE mfa_pending IS NOT NULL AND mfa_pending_key = $1),
		(SELECT COUNT(*) FROM sessions s WHERE s.revoked_at IS NULL AND EXISTS (SELECT 1 FROM refresh_tokens r
			WHERE r.session = s.id AND r.spent_at IS NULL AND r.expires_at > $2))`, u.Recorded.Data, now).
		Scan(&u.MFAAccounts, &u.Pending, &u.LiveSessions)
	if err != nil {
		return u, fmt.Errorf("ledger: count what depends on the keys: %w", err)
	}
	var until int64
	err = s.pool.QueryRow(ctx, `SELECT valid_until FROM signed_tokens WHERE kid = $1 AND valid_until > $2`,
		u.Recorded.Signing, now).Scan(&until)
	switch {
	case err == nil:
		u.TokensUntil = time.UnixMilli(until).UTC()
	case !errors.Is(err, pgx.ErrNoRows):
		return u, fmt.Errorf("ledger: read signed tokens: %w", err)
	}
	rows, err = s.pool.Query(ctx, `
		SELECT id, 0, mfa_secret FROM accounts WHERE mfa_secret IS NOT NULL AND mfa_secret_key IS NULL
		UNION ALL
		SELECT id, 1, mfa_pending FROM accounts WHERE mfa_pending IS NOT NULL AND mfa_pending_key IS NULL`)
	if err != nil {
		return u, fmt.Errorf("ledger: read legacy secrets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l ledger.LegacySecret
		if err := rows.Scan(&l.AccountID, &l.Pending, &l.Sealed); err != nil {
			return u, fmt.Errorf("ledger: read legacy secrets: %w", err)
		}
		u.Legacy = append(u.Legacy, l)
	}
	return u, rows.Err()
}

func (w *wtx) recordKeys(ids ledger.KeyIDs) error {
	for _, r := range [][2]string{{"signing", ids.Signing}, {"data", ids.Data}} {
		if r[1] == "" {
			return fmt.Errorf("ledger: no %s key id to record", r[0])
		}
		if _, err := w.do(`INSERT INTO key_ids (role, id, recorded_at) VALUES ($1, $2, $3)
			ON CONFLICT (role) DO UPDATE SET id = excluded.id, recorded_at = excluded.recorded_at`,
			r[0], r[1], w.now.UnixMilli()); err != nil {
			return fmt.Errorf("ledger: record key ids: %w", err)
		}
	}
	return nil
}

// AdoptKeys implements ledger.KeyStore.
func (s *Store) AdoptKeys(ctx context.Context, ids ledger.KeyIDs, legacy []ledger.LegacySecret) error {
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		if err := w.recordKeys(ids); err != nil {
			return nil, err
		}
		for _, l := range legacy {
			if l.KeyID == "" {
				return nil, fmt.Errorf("ledger: legacy secret without a key id to attribute")
			}
			q := `UPDATE accounts SET mfa_secret_key = $1 WHERE id = $2 AND mfa_secret IS NOT NULL AND mfa_secret_key IS NULL`
			if l.Pending {
				q = `UPDATE accounts SET mfa_pending_key = $1 WHERE id = $2 AND mfa_pending IS NOT NULL AND mfa_pending_key IS NULL`
			}
			if _, err := w.do(q, l.KeyID, l.AccountID); err != nil {
				return nil, fmt.Errorf("ledger: attribute a sealed secret: %w", err)
			}
		}
		return nil, nil
	})
	return err
}

// ReplaceKeys implements ledger.KeyStore.
func (s *Store) ReplaceKeys(ctx context.Context, ids ledger.KeyIDs) ([]string, error) {
	res, err := submit(s, ctx, func(w *wtx) ([]string, error) {
		if err := w.recordKeys(ids); err != nil {
			return nil, err
		}
		// Secrets nobody attributed yet were sealed before key ids, by keys that are gone now.
		if _, err := w.do(`UPDATE accounts SET mfa_secret_key = $1 WHERE mfa_secret IS NOT NULL AND mfa_secret_key IS NULL`,
			ledger.UnknownKey); err != nil {
			return nil, fmt.Errorf("ledger: attribute old secrets: %w", err)
		}
		// Tokens signed by other keys cannot be verified any more.
		if _, err := w.do(`DELETE FROM signed_tokens WHERE kid <> $1`, ids.Signing); err != nil {
			return nil, fmt.Errorf("ledger: forget old tokens: %w", err)
		}
		if _, err := w.do(`UPDATE accounts SET mfa_pending = NULL, mfa_pending_key = NULL
			WHERE mfa_pending IS NOT NULL AND (mfa_pending_key IS NULL OR mfa_pending_key <> $1)`, ids.Data); err != nil {
			return nil, fmt.Errorf("ledger: drop old enrollments: %w", err)
		}
		return w.revokeAll("keys replaced", `SELECT id FROM sessions WHERE revoked_at IS NULL`)
	})
	if err != nil {
		return nil, err
	}
	sids := res
	return sids, nil
}

// NoteTokensSigned implements ledger.KeyStore.
func (s *Store) NoteTokensSigned(ctx context.Context, kid string, until time.Time) error {
	if kid == "" {
		return errors.New("ledger: no kid for signed tokens")
	}
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		if _, err := w.do(`INSERT INTO signed_tokens (kid, valid_until) VALUES ($1, $2)
			ON CONFLICT (kid) DO UPDATE SET valid_until = GREATEST(signed_tokens.valid_until, excluded.valid_until)`,
			kid, until.UnixMilli()); err != nil {
			return nil, fmt.Errorf("ledger: note signed tokens: %w", err)
		}
		return nil, nil
	})
	return err
}
