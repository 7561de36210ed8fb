package ledgersql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// API keys (ledger.APIKeyStore). The row of the key a money call spends from is locked (FOR
// UPDATE) by the call that reads it, so that writers never count past a limit together.

const keyCols = `k.id, a.id, k.name, k.scopes, k.spend_limit, k.period, k.created_at, k.expires_at,
	k.last_used_at, k.revoked_at, k.period_start, k.spent`

const keyFrom = ` FROM api_keys k JOIN accounts a ON a.n = k.account`

func scanKey(r Row) (ledger.APIKey, error) {
	var k ledger.APIKey
	var scopes string
	var limit, lastUsed, revoked sql.NullInt64
	var period sql.NullString
	var created, expires, start int64
	err := r.Scan(&k.ID, &k.AccountID, &k.Name, &scopes, &limit, &period, &created, &expires,
		&lastUsed, &revoked, &start, &k.Spent)
	if err := readErr(err, "API key"); err != nil {
		return k, err
	}
	if scopes != "" {
		k.Scopes = strings.Split(scopes, ",")
	}
	k.Limit, k.Period = money.Micros(limit.Int64), period.String
	k.CreatedAt, k.ExpiresAt, k.PeriodStart = at(created), at(expires), at(start)
	k.LastUsedAt, k.RevokedAt = atNull(lastUsed), atNull(revoked)
	return k, nil
}

// CreateAPIKey implements ledger.APIKeyStore.
func (r *Rules) CreateAPIKey(ctx context.Context, nk ledger.NewAPIKey) (ledger.APIKey, error) {
	return submit(ctx, r, func(w Tx) (ledger.APIKey, error) {
		a, err := w.AccountByID(nk.AccountID)
		if err != nil {
			return ledger.APIKey{}, err
		}
		if a.System {
			return ledger.APIKey{}, ledger.ErrNotFound
		}
		now := w.Now()
		var live int
		if err := w.QueryRow(`SELECT COUNT(*) FROM api_keys WHERE account = ? AND revoked_at IS NULL AND expires_at > ?`,
			a.N, ms(now)).Scan(&live); err != nil {
			return ledger.APIKey{}, fmt.Errorf("ledger: count API keys: %w", err)
		}
		if live >= api.MaxAPIKeys {
			return ledger.APIKey{}, ledger.ErrTooManyKeys
		}
		k := ledger.APIKey{ID: NewID(), AccountID: a.ID, Name: nk.Name, Scopes: nk.Scopes, Limit: nk.Limit,
			CreatedAt: now.UTC().Truncate(time.Millisecond), ExpiresAt: nk.ExpiresAt.UTC().Truncate(time.Millisecond)}
		var limit, period any
		if nk.Limit > 0 {
			k.Period = nk.Period
			limit, period = int64(nk.Limit), nk.Period
		}
		if err := do(w, `INSERT INTO api_keys (id, account, hash, name, scopes, spend_limit, period, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, a.N, nk.Hash, k.Name, strings.Join(k.Scopes, ","), limit, period,
			ms(k.CreatedAt), ms(k.ExpiresAt)); err != nil {
			return ledger.APIKey{}, fmt.Errorf("ledger: create API key: %w", err)
		}
		return k, notify(w, a, api.EventAPIKeyCreated, k.API(now))
	})
}

// APIKeys implements ledger.APIKeyStore.
func (r *Rules) APIKeys(ctx context.Context, accountID string) ([]ledger.APIKey, error) {
	out := []ledger.APIKey{}
	err := r.DB.Query(ctx, `SELECT `+keyCols+keyFrom+`
		WHERE a.id = ? AND k.revoked_at IS NULL AND k.expires_at > ? ORDER BY k.n DESC`, func(row Row) error {
		k, err := scanKey(row)
		out = append(out, k)
		return err
	}, accountID, ms(r.Now()))
	if err != nil {
		return nil, fmt.Errorf("ledger: list API keys: %w", err)
	}
	return out, nil
}

// APIKeyByHash implements ledger.APIKeyStore.
func (r *Rules) APIKeyByHash(ctx context.Context, hash []byte) (ledger.APIKey, error) {
	return scanKey(r.DB.QueryRow(ctx, `SELECT `+keyCols+keyFrom+` WHERE k.hash = ?`, hash))
}

// RevokeAPIKey implements ledger.APIKeyStore.
func (r *Rules) RevokeAPIKey(ctx context.Context, accountID, id string) (ledger.APIKey, error) {
	return submit(ctx, r, func(w Tx) (ledger.APIKey, error) {
		k, err := scanKey(w.QueryRow(`SELECT `+keyCols+keyFrom+` WHERE k.id = ? AND a.id = ? FOR UPDATE OF k`, id, accountID))
		if err != nil {
			return k, err
		}
		if !k.Live(w.Now()) {
			return k, ledger.ErrNotFound
		}
		if err := do(w, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, ms(w.Now()), id); err != nil {
			return k, fmt.Errorf("ledger: revoke API key: %w", err)
		}
		k.RevokedAt = w.Now()
		// The key's event streams close, as a revoked session's (the server names them
		// "apikey:<id>" to the hub).
		w.Ended("apikey:" + id)
		a, err := w.AccountByID(accountID)
		if err != nil {
			return k, err
		}
		return k, notify(w, a, api.EventAPIKeyRevoked, k.API(w.Now()))
	})
}

// TouchAPIKey implements ledger.APIKeyStore.
func (r *Rules) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		if err := do(w, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
			ms(at), id, ms(at)); err != nil {
			return nil, fmt.Errorf("ledger: touch API key: %w", err)
		}
		return nil, nil
	})
	return err
}

// Spender is a money call's API key as the writer sees it: nil for a call without a key, and
// without a limit for a key whose limit does not apply (no limit, or a delegated hold).
type Spender struct {
	id     string
	limit  int64 // 0: no limit
	period string
	start  time.Time // the current period
	end    time.Time
	spent  int64 // in the current period
}

// SpenderFor reads the call's key inside the writing transaction, locking its row: it must be the
// caller's and live (ErrRevoked, ErrExpired), so a key revoked a moment ago moves no more money.
func SpenderFor(w Tx, id string, caller *Acct) (*Spender, error) {
	if id == "" {
		return nil, nil
	}
	k, err := scanKey(w.QueryRow(`SELECT `+keyCols+keyFrom+` WHERE k.id = ? FOR UPDATE OF k`, id))
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && k.AccountID != caller.ID) {
		return nil, ledger.ErrRevoked
	}
	if err != nil {
		return nil, err
	}
	now := w.Now()
	switch {
	case !k.RevokedAt.IsZero():
		return nil, ledger.ErrRevoked
	case !now.Before(k.ExpiresAt):
		return nil, ledger.ErrExpired
	}
	sp := &Spender{id: k.ID, limit: int64(k.Limit), period: k.Period}
	if sp.limit > 0 {
		sp.start, sp.end = api.PeriodBounds(k.Period, now)
		sp.spent = int64(k.SpentAt(now))
	}
	return sp, nil
}

// RecordOnly is the key without its limit: the call's money is not the key owner's.
func (sp *Spender) RecordOnly() *Spender {
	if sp == nil {
		return nil
	}
	return &Spender{id: sp.id}
}

// Fits checks that amount, after `before` already counted in this call (a batch's earlier items),
// stays within the limit. The refusal's Remaining is what the key may still spend in the period:
// the call moves nothing, so its earlier items are not taken from it.
func (sp *Spender) Fits(before, amount int64) error {
	if sp == nil || sp.limit == 0 {
		return nil
	}
	left := sp.limit - sp.spent
	if amount > left-before {
		return &ledger.SpendLimitExceeded{Limit: money.Micros(sp.limit), Remaining: money.Micros(max(left, 0)),
			Period: sp.period, PeriodEnd: sp.end}
	}
	return nil
}

// Spend adds amount to the key's spending in the current period (starting the period afresh).
func Spend(w Tx, sp *Spender, amount int64) error {
	if sp == nil || sp.limit == 0 {
		return nil
	}
	if err := do(w, `UPDATE api_keys SET spent = ?, period_start = ? WHERE id = ?`,
		sp.spent+amount, ms(sp.start), sp.id); err != nil {
		return fmt.Errorf("ledger: count API key spending: %w", err)
	}
	return nil
}

// GiveBack returns a cancelled hold's amount to its key's period, when the hold was counted in
// the period the key is still in.
func GiveBack(w Tx, tx ledger.Transaction) error {
	if err := do(w, `UPDATE api_keys SET spent = GREATEST(spent - ?, 0)
		WHERE id = ? AND spend_limit IS NOT NULL AND period_start <= ?`,
		int64(tx.Amount), tx.APIKeyID, ms(tx.CreatedAt)); err != nil {
		return fmt.Errorf("ledger: give back API key spending: %w", err)
	}
	return nil
}
