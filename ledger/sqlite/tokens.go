package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// Delegation tokens with limits (ledger/tokens.go). Every write runs on the single writer, so a
// Hold's check of its token and the count of its use are one step: concurrent redemptions of one
// token are checked one after another against what the previous ones took. The tokens table's
// CHECKs refuse, at commit, any count past a limit that the code would let through.

const tokenCols = `k.id, s.id, s.email, r.email, k.max_amount, k.max_uses, k.used_amount, k.used_count,
	k.created_at, k.expires_at, k.revoked_at, k.sender, k.recipient`

const tokenFrom = ` FROM tokens k JOIN accounts s ON s.n = k.sender JOIN accounts r ON r.n = k.recipient`

// scanToken reads tokenCols; it also returns the parties' row numbers.
func scanToken(r rowScanner) (t ledger.Token, sn, rn int64, err error) {
	var maxAmount, maxUses, revoked sql.NullInt64
	var created, expires int64
	err = r.Scan(&t.ID, &t.SenderID, &t.SenderEmail, &t.RecipientEmail, &maxAmount, &maxUses, &t.UsedAmount,
		&t.UsedCount, &created, &expires, &revoked, &sn, &rn)
	if errors.Is(err, sql.ErrNoRows) {
		return t, 0, 0, ledger.ErrNotFound
	}
	if err != nil {
		return t, 0, 0, fmt.Errorf("ledger: read token: %w", err)
	}
	t.MaxAmount, t.MaxUses = money.Micros(maxAmount.Int64), maxUses.Int64
	t.CreatedAt, t.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	if revoked.Valid {
		t.RevokedAt = time.UnixMilli(revoked.Int64).UTC()
	}
	return t, sn, rn, nil
}

func (w *wtx) token(id string) (ledger.Token, int64, int64, error) {
	return scanToken(w.queryRow(`SELECT `+tokenCols+tokenFrom+` WHERE k.id = ?`, id))
}

// orNull is v, or NULL when v is zero (no limit).
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
		if _, err := w.exec(`INSERT INTO tokens (id, sender, recipient, max_amount, max_uses, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, nt.ID, from.n, to.n, orNull(int64(nt.MaxAmount)), orNull(nt.MaxUses),
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
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+tokenCols+tokenFrom+` WHERE s.id = ?
		ORDER BY k.created_at DESC, k.id`, senderID)
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
		t, sn, _, err := w.token(tokenID)
		if err != nil {
			return ledger.Token{}, err
		}
		from, err := w.acctByID(senderID)
		if err != nil {
			return ledger.Token{}, err
		}
		if from.n != sn {
			return ledger.Token{}, ledger.ErrNotFound // another account's token: as if unknown
		}
		if !t.RevokedAt.IsZero() {
			return t, nil
		}
		if _, err := w.exec(`UPDATE tokens SET revoked_at = ? WHERE id = ?`, w.now.UnixMilli(), t.ID); err != nil {
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

// checkToken checks a delegated hold against its recorded token, before anything is written: the
// token's parties, state and limits. It returns nil for a direct hold and for a token the ledger
// has no record of (spendLegacyToken then spends it once).
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

// spendLegacyToken spends a token issued before tokens were recorded: it is single use.
func (w *wtx) spendLegacyToken(id string) error {
	res, err := w.exec(`INSERT INTO used_tokens (id, used_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, w.now.UnixMilli())
	if err != nil {
		return fmt.Errorf("ledger: spend token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ledger.ErrTokenUsed
	}
	return nil
}

// countToken counts tx as a use of t (checked by checkToken in the same transaction) and tells the
// sender with token.used.
func (w *wtx) countToken(t *ledger.Token, tx ledger.Transaction, from *acct) error {
	if _, err := w.exec(`UPDATE tokens SET used_amount = used_amount + ?, used_count = used_count + 1 WHERE id = ?`,
		int64(tx.Amount), t.ID); err != nil {
		return fmt.Errorf("ledger: count token use: %w", err)
	}
	if _, err := w.exec(`INSERT INTO token_uses (tx, token) VALUES (?, ?)`, tx.ID, t.ID); err != nil {
		return fmt.Errorf("ledger: record token use: %w", err)
	}
	t.UsedAmount += tx.Amount
	t.UsedCount++
	return w.post(from, 0, 0, evSpec{api.EventTokenUsed, t.API(w.now, w.s.opts.Currency)})
}

// giveBackToToken returns a cancelled transaction's amount to its token's maxAmount (a token pruned
// meanwhile, or none, changes nothing).
func (w *wtx) giveBackToToken(tx ledger.Transaction) error {
	if tx.CreatedBy != api.PartyRecipient || tx.Amount == 0 {
		return nil
	}
	if _, err := w.exec(`UPDATE tokens SET used_amount = used_amount - ?
		WHERE id = (SELECT token FROM token_uses WHERE tx = ?)`, int64(tx.Amount), tx.ID); err != nil {
		return fmt.Errorf("ledger: give back to token: %w", err)
	}
	return nil
}

// pruneTokens drops tokens that expired before cut, with their uses.
func (w *wtx) pruneTokens(cut int64) error {
	if _, err := w.exec(`DELETE FROM token_uses WHERE token IN (SELECT id FROM tokens WHERE expires_at < ?)`, cut); err != nil {
		return fmt.Errorf("ledger: prune tokens: %w", err)
	}
	if _, err := w.exec(`DELETE FROM tokens WHERE expires_at < ?`, cut); err != nil {
		return fmt.Errorf("ledger: prune tokens: %w", err)
	}
	return nil
}
