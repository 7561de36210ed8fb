package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

const keyCols = `k.id, a.id, k.name, k.scopes, k.spend_limit, k.period, k.created_at, k.expires_at,
	k.last_used_at, k.revoked_at, k.period_start, k.spent`

const keyFrom = ` FROM api_keys k JOIN accounts a ON a.n = k.account`

func scanKey(r rowScanner) (ledger.APIKey, error) {
	var k ledger.APIKey
	var scopes string
	var limit, lastUsed, revoked *int64
	var period *string
	var created, expires, start int64
	err := r.Scan(&k.ID, &k.AccountID, &k.Name, &scopes, &limit, &period, &created, &expires,
		&lastUsed, &revoked, &start, &k.Spent)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, ledger.ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("ledger: read API key: %w", err)
	}
	if scopes != "" {
		k.Scopes = strings.Split(scopes, ",")
	}
	if limit != nil {
		k.Limit = money.Micros(*limit)
	}
	if period != nil {
		k.Period = *period
	}
	k.CreatedAt, k.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	k.PeriodStart = time.UnixMilli(start).UTC()
	if lastUsed != nil {
		k.LastUsedAt = time.UnixMilli(*lastUsed).UTC()
	}
	if revoked != nil {
		k.RevokedAt = time.UnixMilli(*revoked).UTC()
	}
	return k, nil
}

// CreateAPIKey implements ledger.APIKeyStore.
func (s *Store) CreateAPIKey(ctx context.Context, nk ledger.NewAPIKey) (ledger.APIKey, error) {
	res, err := submit(s, ctx, func(w *wtx) (ledger.APIKey, error) {
		a, err := w.acctByID(nk.AccountID)
		if err != nil {
			return ledger.APIKey{}, err
		}
		if a.system {
			return ledger.APIKey{}, ledger.ErrNotFound
		}
		var live int
		if err := w.queryRow(`SELECT COUNT(*) FROM api_keys WHERE account = $1 AND revoked_at IS NULL AND expires_at > $2`,
			a.n, w.now.UnixMilli()).Scan(&live); err != nil {
			return ledger.APIKey{}, fmt.Errorf("ledger: count API keys: %w", err)
		}
		if live >= api.MaxAPIKeys {
			return ledger.APIKey{}, ledger.ErrTooManyKeys
		}
		k := ledger.APIKey{ID: newID(), AccountID: a.id, Name: nk.Name, Scopes: nk.Scopes, Limit: nk.Limit,
			CreatedAt: w.now.UTC().Truncate(time.Millisecond), ExpiresAt: nk.ExpiresAt.UTC().Truncate(time.Millisecond)}
		var limit *int64
		var period *string
		if nk.Limit > 0 {
			k.Period = nk.Period
			l, p := int64(nk.Limit), nk.Period
			limit, period = &l, &p
		}
		if _, err := w.do(`INSERT INTO api_keys (id, account, hash, name, scopes, spend_limit, period, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, k.ID, a.n, nk.Hash, k.Name, strings.Join(k.Scopes, ","), limit, period,
			k.CreatedAt.UnixMilli(), k.ExpiresAt.UnixMilli()); err != nil {
			return ledger.APIKey{}, fmt.Errorf("ledger: create API key: %w", err)
		}
		return k, w.post(a, 0, 0, evSpec{api.EventAPIKeyCreated, k.API(w.now)})
	})
	if err != nil {
		return ledger.APIKey{}, err
	}
	return res, nil
}

// APIKeys implements ledger.APIKeyStore.
func (s *Store) APIKeys(ctx context.Context, accountID string) ([]ledger.APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+keyCols+keyFrom+`
		WHERE a.id = $1 AND k.revoked_at IS NULL AND k.expires_at > $2 ORDER BY k.n DESC`,
		accountID, s.opts.Now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("ledger: list API keys: %w", err)
	}
	defer rows.Close()
	out := []ledger.APIKey{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// APIKeyByHash implements ledger.APIKeyStore.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (ledger.APIKey, error) {
	return scanKey(s.pool.QueryRow(ctx, `SELECT `+keyCols+keyFrom+` WHERE k.hash = $1`, hash))
}

// RevokeAPIKey implements ledger.APIKeyStore.
func (s *Store) RevokeAPIKey(ctx context.Context, accountID, id string) (ledger.APIKey, error) {
	res, err := submit(s, ctx, func(w *wtx) (ledger.APIKey, error) {
		k, err := scanKey(w.queryRow(`SELECT `+keyCols+keyFrom+` WHERE k.id = $1 AND a.id = $2 FOR UPDATE OF k`, id, accountID))
		if err != nil {
			return ledger.APIKey{}, err
		}
		if !k.Live(w.now) {
			return ledger.APIKey{}, ledger.ErrNotFound
		}
		if _, err := w.do(`UPDATE api_keys SET revoked_at = $1 WHERE id = $2`, w.now.UnixMilli(), id); err != nil {
			return ledger.APIKey{}, fmt.Errorf("ledger: revoke API key: %w", err)
		}
		k.RevokedAt = w.now
		// The key's event streams close on every instance, as a revoked session's (the server
		// names them "apikey:<id>" to the hub).
		w.revoked = append(w.revoked, "apikey:"+id)
		a, err := w.acctByID(accountID)
		if err != nil {
			return ledger.APIKey{}, err
		}
		return k, w.post(a, 0, 0, evSpec{api.EventAPIKeyRevoked, k.API(w.now)})
	})
	if err != nil {
		return ledger.APIKey{}, err
	}
	return res, nil
}

// TouchAPIKey implements ledger.APIKeyStore.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		if _, err := w.do(`UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
			at.UnixMilli(), id, at.UnixMilli()); err != nil {
			return nil, fmt.Errorf("ledger: touch API key: %w", err)
		}
		return nil, nil
	})
	return err
}

// spender is a money call's API key as the writer sees it: nil for a call without a key, and
// without a limit for a key whose limit does not apply (no limit, or a delegated hold).
type spender struct {
	id     string
	limit  int64 // 0: no limit
	period string
	start  time.Time // the current period
	end    time.Time
	spent  int64 // in the current period
}

// apiKey reads the call's key inside the writing transaction: it must be the caller's and live
// (ErrRevoked, ErrExpired), so a key revoked a moment ago moves no more money.
func (w *wtx) apiKey(id string, caller *acct) (*spender, error) {
	if id == "" {
		return nil, nil
	}
	k, err := scanKey(w.queryRow(`SELECT `+keyCols+keyFrom+` WHERE k.id = $1 FOR UPDATE OF k`, id))
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && k.AccountID != caller.id) {
		return nil, ledger.ErrRevoked
	}
	if err != nil {
		return nil, err
	}
	switch {
	case !k.RevokedAt.IsZero():
		return nil, ledger.ErrRevoked
	case !w.now.Before(k.ExpiresAt):
		return nil, ledger.ErrExpired
	}
	sp := &spender{id: k.ID, limit: int64(k.Limit), period: k.Period}
	if sp.limit > 0 {
		sp.start, sp.end = api.PeriodBounds(k.Period, w.now)
		sp.spent = int64(k.SpentAt(w.now))
	}
	return sp, nil
}

// recordOnly is the key without its limit: the call's money is not the key owner's.
func (sp *spender) recordOnly() *spender {
	if sp == nil {
		return nil
	}
	return &spender{id: sp.id}
}

// fits checks that amount, after `before` already counted in this call (a batch's earlier items),
// stays within the limit. The refusal's Remaining is what the key may still spend in the period:
// the call moves nothing, so its earlier items are not taken from it.
func (sp *spender) fits(before, amount int64) error {
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

// spend adds amount to the key's spending in the current period (starting the period afresh).
func (w *wtx) spend(sp *spender, amount int64) error {
	if sp == nil || sp.limit == 0 {
		return nil
	}
	if _, err := w.do(`UPDATE api_keys SET spent = $1, period_start = $2 WHERE id = $3`,
		sp.spent+amount, sp.start.UnixMilli(), sp.id); err != nil {
		return fmt.Errorf("ledger: count API key spending: %w", err)
	}
	return nil
}

// giveBack returns a cancelled hold's amount to its key's period, when the hold was counted in
// the period the key is still in.
func (w *wtx) giveBack(tx ledger.Transaction) error {
	if _, err := w.do(`UPDATE api_keys SET spent = GREATEST(spent - $1, 0)
		WHERE id = $2 AND spend_limit IS NOT NULL AND period_start <= $3`,
		int64(tx.Amount), tx.APIKeyID, tx.CreatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("ledger: give back API key spending: %w", err)
	}
	return nil
}
