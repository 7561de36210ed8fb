package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// Delegation tokens with limits (ledger/tokens.go), as ledger/sqlite/tokens.go keeps them. A
// Hold locks its sender's account row (moneyOp) and then the token's row (FOR UPDATE), so the
// holds of one token, on any instance, are checked and counted one after another.

const tokenCols = `k.id, s.id, s.email, r.email, k.max_amount, k.max_uses, k.used_amount, k.used_count,
	k.created_at, k.expires_at, k.revoked_at, k.sender, k.recipient`

const tokenFrom = ` FROM tokens k JOIN accounts s ON s.n = k.sender JOIN accounts r ON r.n = k.recipient`

func scanToken(r rowScanner) (t ledger.Token, sn, rn int64, err error) {
	var maxAmount, maxUses, revoked sql.NullInt64
	var created, expires, usedAmount int64
	err = r.Scan(&t.ID, &t.SenderID, &t.SenderEmail, &t.RecipientEmail, &maxAmount, &maxUses, &usedAmount,
		&t.UsedCount, &created, &expires, &revoked, &sn, &rn)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, 0, 0, ledger.ErrNotFound
	}
	if err != nil {
		return t, 0, 0, fmt.Errorf("ledger: read token: %w", err)
	}
	t.UsedAmount = money.Micros(usedAmount)
	t.MaxAmount, t.MaxUses = money.Micros(maxAmount.Int64), maxUses.Int64
	t.CreatedAt, t.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	if revoked.Valid {
		t.RevokedAt = time.UnixMilli(revoked.Int64).UTC()
	}
	return t, sn, rn, nil
}

// token reads a token's row and locks it until the group commits.
func (w *wtx) token(id string) (ledger.Token, int64, int64, error) {
	return scanToken(w.queryRow(`SELECT `+tokenCols+tokenFrom+` WHERE k.id = $1 FOR UPDATE OF k`, id))
}

func orNull(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// CreateToken implements ledger.Ledger.
func (s *Store) CreateToken(ctx context.Context, nt ledger.NewToken) (ledger.Token, error) {
	if nt.ID == "" || nt.MaxAmount < 0 || nt.MaxUses < 0 {
		return ledger.Token{}, fmt.Errorf("ledger: token needs an id and limits of zero (none) or more")
	}
	res, err := submit(s, ctx, func(w *wtx) (ledger.Token, error) {
		from, err := w.acctByID(nt.SenderID)
		if err != nil {
			return ledger.Token{}, err
		}
		to, err := w.recipient(nt.RecipientEmail, from)
		if err != nil {
			return ledger.Token{}, err
		}
		if _, err := w.execNow(`INSERT INTO tokens (id, sender, recipient, max_amount, max_uses, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, nt.ID, from.n, to.n, orNull(int64(nt.MaxAmount)), orNull(nt.MaxUses),
			w.now.UnixMilli(), nt.ExpiresAt.UnixMilli()); err != nil {
			return ledger.Token{}, fmt.Errorf("ledger: record token: %w", err)
		}
		t := ledger.Token{
			ID: nt.ID, SenderID: from.id, SenderEmail: from.email, RecipientEmail: to.email,
			MaxAmount: nt.MaxAmount, MaxUses: nt.MaxUses, CreatedAt: w.now.UTC().Truncate(time.Millisecond),
			ExpiresAt: nt.ExpiresAt.UTC().Truncate(time.Millisecond),
		}
		return t, w.post(from, 0, 0, evSpec{api.EventTokenCreated, t.API(w.now, s.opts.Currency)})
	})
	if err != nil {
		return ledger.Token{}, err
	}
	return res, nil
}

// Tokens implements ledger.Ledger.
func (s *Store) Tokens(ctx context.Context, senderID string) ([]ledger.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenCols+tokenFrom+` WHERE s.id = $1 ORDER BY k.created_at DESC, k.id`, senderID)
	if err != nil {
		return nil, fmt.Errorf("ledger: list tokens: %w", err)
	}
	defer rows.Close()
	out := []ledger.Token{}
	for rows.Next() {
		t, _, _, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken implements ledger.Ledger.
func (s *Store) RevokeToken(ctx context.Context, senderID, tokenID string) (ledger.Token, error) {
	res, err := submit(s, ctx, func(w *wtx) (ledger.Token, error) {
		from, err := w.acctByID(senderID)
		if err != nil {
			return ledger.Token{}, err
		}
		t, sn, _, err := w.token(tokenID)
		if err != nil {
			return ledger.Token{}, err
		}
		if from.n != sn {
			return ledger.Token{}, ledger.ErrNotFound
		}
		if !t.RevokedAt.IsZero() {
			return t, nil
		}
		if _, err := w.execNow(`UPDATE tokens SET revoked_at = $1 WHERE id = $2`, w.now.UnixMilli(), t.ID); err != nil {
			return ledger.Token{}, fmt.Errorf("ledger: revoke token: %w", err)
		}
		t.RevokedAt = w.now.UTC().Truncate(time.Millisecond)
		return t, w.post(from, 0, 0, evSpec{api.EventTokenRevoked, t.API(w.now, s.opts.Currency)})
	})
	if err != nil {
		return ledger.Token{}, err
	}
	return res, nil
}

// checkToken is ledger/sqlite's: a recorded token's parties, state and limits; nil for a direct
// hold and for a token without a record (spent once by spendLegacyToken).
func (w *wtx) checkToken(h ledger.Hold, from, to *acct) (*ledger.Token, error) {
	if h.CreatedBy != api.PartyRecipient {
		return nil, nil
	}
	if h.TokenID == "" {
		return nil, fmt.Errorf("ledger: delegated hold without a token")
	}
	t, sn, rn, err := w.token(h.TokenID)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if sn != from.n || rn != to.n {
		return nil, fmt.Errorf("ledger: token recorded for other parties")
	}
	switch {
	case !t.RevokedAt.IsZero():
		return nil, ledger.ErrTokenRevoked
	case !w.now.Before(t.ExpiresAt):
		return nil, ledger.ErrTokenExpired
	case t.MaxUses > 0 && t.UsedCount >= t.MaxUses:
		return nil, &ledger.TokenLimit{Uses: true, MaxUses: t.MaxUses}
	case t.MaxAmount > 0 && h.Amount > t.MaxAmount-t.UsedAmount:
		return nil, &ledger.TokenLimit{MaxAmount: t.MaxAmount, Remaining: max(t.MaxAmount-t.UsedAmount, 0), Needed: h.Amount}
	}
	return &t, nil
}

func (w *wtx) spendLegacyToken(id string) error {
	n, err := w.execNow(`INSERT INTO used_tokens (id, used_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, w.now.UnixMilli())
	if err != nil {
		return fmt.Errorf("ledger: spend token: %w", err)
	}
	if n == 0 {
		return ledger.ErrTokenUsed
	}
	return nil
}

func (w *wtx) countToken(t *ledger.Token, tx ledger.Transaction, from *acct) error {
	w.exec(`UPDATE tokens SET used_amount = used_amount + $1, used_count = used_count + 1 WHERE id = $2`, int64(tx.Amount), t.ID)
	w.exec(`INSERT INTO token_uses (tx, token) VALUES ($1, $2)`, tx.ID, t.ID)
	t.UsedAmount += tx.Amount
	t.UsedCount++
	return w.post(from, 0, 0, evSpec{api.EventTokenUsed, t.API(w.now, w.s.opts.Currency)})
}

func (w *wtx) giveBackToToken(tx ledger.Transaction) {
	if tx.CreatedBy != api.PartyRecipient || tx.Amount == 0 {
		return
	}
	w.exec(`UPDATE tokens SET used_amount = used_amount - $1 WHERE id = (SELECT token FROM token_uses WHERE tx = $2)`,
		int64(tx.Amount), tx.ID)
}

func (w *wtx) pruneTokens(cut int64) {
	w.exec(`DELETE FROM token_uses WHERE token IN (SELECT id FROM tokens WHERE expires_at < $1)`, cut)
	w.exec(`DELETE FROM tokens WHERE expires_at < $1`, cut)
}
