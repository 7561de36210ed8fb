package ledgersql

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

// Delegation tokens with limits (ledger/tokens.go). A Hold reads its token's row with a lock
// (FOR UPDATE: PostgreSQL's instances wait for each other; SQLite's single writer runs the holds
// one after another anyway), so the holds of one token are checked and counted one after another
// against what the previous ones took. The tokens table's CHECKs refuse, at commit, any count past
// a limit that the code would let through.

const tokenCols = `k.id, s.id, s.email, r.email, k.max_amount, k.max_uses, k.used_amount, k.used_count,
	k.created_at, k.expires_at, k.revoked_at, k.sender, k.recipient`

const tokenFrom = ` FROM tokens k JOIN accounts s ON s.n = k.sender JOIN accounts r ON r.n = k.recipient`

// scanToken reads tokenCols; it also returns the parties' row numbers.
func scanToken(r Row) (t ledger.Token, sn, rn int64, err error) {
	var maxAmount, maxUses, revoked sql.NullInt64
	var created, expires int64
	err = r.Scan(&t.ID, &t.SenderID, &t.SenderEmail, &t.RecipientEmail, &maxAmount, &maxUses, &t.UsedAmount,
		&t.UsedCount, &created, &expires, &revoked, &sn, &rn)
	if err := readErr(err, "token"); err != nil {
		return t, 0, 0, err
	}
	t.MaxAmount, t.MaxUses = money.Micros(maxAmount.Int64), maxUses.Int64
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = at(created), at(expires), atNull(revoked)
	return t, sn, rn, nil
}

// token reads a token's row and locks it until the commit.
func token(w Tx, id string) (ledger.Token, int64, int64, error) {
	return scanToken(w.QueryRow(`SELECT `+tokenCols+tokenFrom+` WHERE k.id = ? FOR UPDATE OF k`, id))
}

// Recipient finds a payee: a person's account, never the system account, never the sender.
func Recipient(w Tx, email string, sender *Acct) (*Acct, error) {
	r, err := w.AccountByEmail(email)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && r.System) {
		return nil, ledger.ErrUnknownRecipient
	}
	if err != nil {
		return nil, err
	}
	if r.N == sender.N {
		return nil, ledger.ErrSelfPayment
	}
	return r, nil
}

// CreateToken implements ledger.Ledger.
func (r *Rules) CreateToken(ctx context.Context, nt ledger.NewToken) (ledger.Token, error) {
	if nt.ID == "" || nt.MaxAmount < 0 || nt.MaxUses < 0 {
		return ledger.Token{}, fmt.Errorf("ledger: token needs an id and limits of zero (none) or more")
	}
	return submit(ctx, r, func(w Tx) (ledger.Token, error) {
		from, err := w.AccountByID(nt.SenderID)
		if err != nil {
			return ledger.Token{}, err
		}
		to, err := Recipient(w, nt.RecipientEmail, from)
		if err != nil {
			return ledger.Token{}, err
		}
		now := w.Now()
		if err := do(w, `INSERT INTO tokens (id, sender, recipient, max_amount, max_uses, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, nt.ID, from.N, to.N, orNull(int64(nt.MaxAmount)), orNull(nt.MaxUses),
			ms(now), ms(nt.ExpiresAt)); err != nil {
			return ledger.Token{}, fmt.Errorf("ledger: record token: %w", err)
		}
		t := ledger.Token{
			ID: nt.ID, SenderID: from.ID, SenderEmail: from.Email, RecipientEmail: to.Email,
			MaxAmount: nt.MaxAmount, MaxUses: nt.MaxUses, CreatedAt: now.UTC().Truncate(time.Millisecond),
			ExpiresAt: nt.ExpiresAt.UTC().Truncate(time.Millisecond),
		}
		return t, notify(w, from, api.EventTokenCreated, t.API(now, r.CurrencyCode))
	})
}

// Tokens implements ledger.Ledger.
func (r *Rules) Tokens(ctx context.Context, senderID string) ([]ledger.Token, error) {
	out := []ledger.Token{}
	err := r.DB.Query(ctx, `SELECT `+tokenCols+tokenFrom+` WHERE s.id = ? ORDER BY k.created_at DESC, k.id`, func(row Row) error {
		t, _, _, err := scanToken(row)
		out = append(out, t)
		return err
	}, senderID)
	if err != nil {
		return nil, fmt.Errorf("ledger: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken implements ledger.Ledger.
func (r *Rules) RevokeToken(ctx context.Context, senderID, tokenID string) (ledger.Token, error) {
	return submit(ctx, r, func(w Tx) (ledger.Token, error) {
		from, err := w.AccountByID(senderID)
		if err != nil {
			return ledger.Token{}, err
		}
		t, sn, _, err := token(w, tokenID)
		if err != nil {
			return ledger.Token{}, err
		}
		if from.N != sn {
			return ledger.Token{}, ledger.ErrNotFound // another account's token: as if unknown
		}
		if !t.RevokedAt.IsZero() {
			return t, nil
		}
		if err := do(w, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, ms(w.Now()), t.ID); err != nil {
			return ledger.Token{}, fmt.Errorf("ledger: revoke token: %w", err)
		}
		t.RevokedAt = w.Now().UTC().Truncate(time.Millisecond)
		return t, notify(w, from, api.EventTokenRevoked, t.API(w.Now(), r.CurrencyCode))
	})
}

// CheckToken checks a delegated hold against its recorded token, before anything is written: the
// token's parties, state and limits. It returns nil for a direct hold and for a token the ledger
// has no record of (SpendLegacyToken then spends it once).
func CheckToken(w Tx, h ledger.Hold, from, to *Acct) (*ledger.Token, error) {
	if h.CreatedBy != api.PartyRecipient {
		return nil, nil
	}
	if h.TokenID == "" {
		return nil, fmt.Errorf("ledger: delegated hold without a token")
	}
	t, sn, rn, err := token(w, h.TokenID)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if sn != from.N || rn != to.N {
		return nil, fmt.Errorf("ledger: token recorded for other parties")
	}
	switch {
	case !t.RevokedAt.IsZero():
		return nil, ledger.ErrTokenRevoked
	case !w.Now().Before(t.ExpiresAt):
		return nil, ledger.ErrTokenExpired
	case t.MaxUses > 0 && t.UsedCount >= t.MaxUses:
		return nil, &ledger.TokenLimit{Uses: true, MaxUses: t.MaxUses}
	case t.MaxAmount > 0 && h.Amount > t.MaxAmount-t.UsedAmount:
		return nil, &ledger.TokenLimit{MaxAmount: t.MaxAmount, Remaining: max(t.MaxAmount-t.UsedAmount, 0), Needed: h.Amount}
	}
	return &t, nil
}

// SpendLegacyToken spends a token issued before tokens were recorded: it is single use.
func SpendLegacyToken(w Tx, id string) error {
	n, err := w.Change(`INSERT INTO used_tokens (id, used_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, ms(w.Now()))
	if err != nil {
		return fmt.Errorf("ledger: spend token: %w", err)
	}
	if n == 0 {
		return ledger.ErrTokenUsed
	}
	return nil
}

// CountToken counts tx as a use of t (checked by CheckToken in the same transaction) and tells the
// sender with token.used.
func CountToken(w Tx, currency string, t *ledger.Token, tx ledger.Transaction, from *Acct) error {
	if err := w.Exec(`UPDATE tokens SET used_amount = used_amount + ?, used_count = used_count + 1 WHERE id = ?`,
		int64(tx.Amount), t.ID); err != nil {
		return fmt.Errorf("ledger: count token use: %w", err)
	}
	if err := w.Exec(`INSERT INTO token_uses (tx, token) VALUES (?, ?)`, tx.ID, t.ID); err != nil {
		return fmt.Errorf("ledger: record token use: %w", err)
	}
	t.UsedAmount += tx.Amount
	t.UsedCount++
	return notify(w, from, api.EventTokenUsed, t.API(w.Now(), currency))
}

// GiveBackToToken returns a cancelled transaction's amount to its token's maxAmount (a token pruned
// meanwhile, or none, changes nothing).
func GiveBackToToken(w Tx, tx ledger.Transaction) error {
	if tx.CreatedBy != api.PartyRecipient || tx.Amount == 0 {
		return nil
	}
	if err := w.Exec(`UPDATE tokens SET used_amount = used_amount - ?
		WHERE id = (SELECT token FROM token_uses WHERE tx = ?)`, int64(tx.Amount), tx.ID); err != nil {
		return fmt.Errorf("ledger: give back to token: %w", err)
	}
	return nil
}

// PruneTokens drops tokens that expired before cut (Unix ms), with their uses.
func PruneTokens(w Tx, cut int64) error {
	if err := w.Exec(`DELETE FROM token_uses WHERE token IN (SELECT id FROM tokens WHERE expires_at < ?)`, cut); err != nil {
		return fmt.Errorf("ledger: prune tokens: %w", err)
	}
	if err := w.Exec(`DELETE FROM tokens WHERE expires_at < ?`, cut); err != nil {
		return fmt.Errorf("ledger: prune tokens: %w", err)
	}
	return nil
}
