package ledgersql

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

const accountCols = `id, email, password_hash, organization, balance, held, mfa_enabled, system, created_at`

func scanAccount(r Row) (ledger.Account, error) {
	var a ledger.Account
	var org sql.NullString
	var created int64
	err := r.Scan(&a.ID, &a.Email, &a.PasswordHash, &org, &a.Balance, &a.Held, &a.MFAEnabled, &a.System, &created)
	if err := readErr(err, "account"); err != nil {
		return a, err
	}
	a.Organization, a.CreatedAt = strNull(org), at(created)
	return a, nil
}

// AccountByEmail implements ledger.Ledger.
func (r *Rules) AccountByEmail(ctx context.Context, email string) (ledger.Account, error) {
	return scanAccount(r.DB.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE email = ?`, email))
}

// AccountByID implements ledger.Ledger.
func (r *Rules) AccountByID(ctx context.Context, id string) (ledger.Account, error) {
	return scanAccount(r.DB.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
}

// Accounts implements ledger.Ledger: people's accounts, oldest first.
func (r *Rules) Accounts(ctx context.Context) ([]ledger.Account, error) {
	var out []ledger.Account
	err := r.DB.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE NOT system ORDER BY n`, func(row Row) error {
		a, err := scanAccount(row)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: list accounts: %w", err)
	}
	return out, nil
}

const txCols = `t.n, t.id, s.id, s.email, r.id, r.email, t.amount, t.status, t.created_by, t.resolved_by,
	t.created_at, t.resolved_at, t.app_name, t.app_ep_path, t.memo, t.metadata, t.sender, t.recipient, t.api_key`

const txFrom = ` FROM transactions t JOIN accounts s ON s.n = t.sender JOIN accounts r ON r.n = t.recipient`

// scanTx reads txCols; it also returns the row number and the parties' row numbers.
func scanTx(r Row) (tx ledger.Transaction, n, sn, rn int64, err error) {
	var resolvedBy, appName, appEp, memo, md, key sql.NullString
	var created int64
	var resolved sql.NullInt64
	err = r.Scan(&n, &tx.ID, &tx.SenderID, &tx.SenderEmail, &tx.RecipientID, &tx.RecipientEmail, &tx.Amount,
		&tx.Status, &tx.CreatedBy, &resolvedBy, &created, &resolved, &appName, &appEp, &memo, &md, &sn, &rn, &key)
	if err := readErr(err, "transaction"); err != nil {
		return tx, 0, 0, 0, err
	}
	tx.CreatedAt, tx.ResolvedAt = at(created), atNull(resolved)
	tx.ResolvedBy, tx.APIKeyID = resolvedBy.String, key.String
	tx.AppName, tx.AppEpPath, tx.Memo = strNull(appName), strNull(appEp), strNull(memo)
	if md.Valid && md.String != "" {
		if err := json.Unmarshal([]byte(md.String), &tx.Metadata); err != nil {
			return tx, 0, 0, 0, fmt.Errorf("ledger: read metadata: %w", err)
		}
	}
	return tx, n, sn, rn, nil
}

// TransactionByID reads a transaction inside the writer; it also returns its parties' row numbers.
func TransactionByID(w Tx, id string) (ledger.Transaction, int64, int64, error) {
	tx, _, sn, rn, err := scanTx(w.QueryRow(`SELECT `+txCols+txFrom+` WHERE t.id = ?`, id))
	return tx, sn, rn, err
}

// Transaction implements ledger.Ledger.
func (r *Rules) Transaction(ctx context.Context, id string) (ledger.Transaction, error) {
	tx, _, _, _, err := scanTx(r.DB.QueryRow(ctx, `SELECT `+txCols+txFrom+` WHERE t.id = ?`, id))
	return tx, err
}

// Transactions implements ledger.Ledger: newest first, through the account's party rows, so a page
// costs the page and not the whole history. The cursor is the last row number seen, so pages stay
// stable while new transactions arrive.
func (r *Rules) Transactions(ctx context.Context, accountID string, q ledger.Query) (ledger.Page, error) {
	var where []string
	args := []any{accountID}
	if q.Cursor != "" {
		n, err := decodeCursor(q.Cursor)
		if err != nil {
			return ledger.Page{}, err
		}
		where = append(where, "p.tx < ?")
		args = append(args, n)
	}
	switch q.Direction {
	case api.DirectionIn:
		where = append(where, "NOT p.outgoing")
	case api.DirectionOut:
		where = append(where, "p.outgoing")
	}
	if q.Status != "" {
		where = append(where, "t.status = ?")
		args = append(args, strings.ToUpper(q.Status))
	}
	if q.Counterparty != "" {
		where = append(where, "c.email = ?")
		args = append(args, q.Counterparty)
	}
	if !q.Since.IsZero() {
		where = append(where, "t.created_at >= ?")
		args = append(args, ms(q.Since))
	}
	if !q.Until.IsZero() {
		where = append(where, "t.created_at < ?")
		args = append(args, ms(q.Until))
	}
	if q.MinAmount > 0 {
		where = append(where, "t.amount >= ?")
		args = append(args, int64(q.MinAmount))
	}
	if q.MaxAmount > 0 {
		where = append(where, "t.amount <= ?")
		args = append(args, int64(q.MaxAmount))
	}
	if q.Text != "" {
		like := "%" + escapeLike(q.Text) + "%"
		where = append(where, `(t.memo LIKE ? ESCAPE '\' OR t.app_name LIKE ? ESCAPE '\' OR c.email LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	query := `SELECT ` + txCols + ` FROM accounts me
		JOIN parties p ON p.account = me.n
		JOIN transactions t ON t.n = p.tx
		JOIN accounts c ON c.n = p.counterparty
		JOIN accounts s ON s.n = t.sender JOIN accounts r ON r.n = t.recipient
		WHERE me.id = ?`
	for _, w := range where {
		query += " AND " + w
	}
	query += " ORDER BY p.tx DESC"
	switch {
	case q.Limit > 0:
		query += " LIMIT ?"
		args = append(args, q.Limit+1)
		if q.Offset > 0 {
			query += " OFFSET ?"
			args = append(args, q.Offset)
		}
	case q.Offset > 0:
		// Both engines take an OFFSET after a LIMIT; no limit is the largest one.
		query += " LIMIT ? OFFSET ?"
		args = append(args, int64(math.MaxInt64), q.Offset)
	}
	var page ledger.Page
	var lastN int64
	err := r.DB.Query(ctx, query, func(row Row) error {
		if page.HasMore {
			return nil
		}
		tx, n, _, _, err := scanTx(row)
		if err != nil {
			return err
		}
		if q.Limit > 0 && len(page.Transactions) == q.Limit {
			page.HasMore = true
			return nil
		}
		page.Transactions = append(page.Transactions, tx)
		lastN = n
		return nil
	}, args...)
	if err != nil {
		return ledger.Page{}, fmt.Errorf("ledger: list transactions: %w", err)
	}
	if page.HasMore {
		page.NextCursor = encodeCursor(lastN)
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func encodeCursor(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("t" + strconv.FormatInt(n, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 2 || b[0] != 't' {
		return 0, ledger.ErrBadCursor
	}
	n, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || n <= 0 {
		return 0, ledger.ErrBadCursor
	}
	return n, nil
}

// Idempotent implements ledger.Ledger: the kept response for a key, or nil.
func (r *Rules) Idempotent(ctx context.Context, accountID, key string) (*ledger.Kept, error) {
	var k ledger.Kept
	var created int64
	err := r.DB.QueryRow(ctx, `SELECT i.fingerprint, i.response, i.created_at FROM idempotency i
		JOIN accounts a ON a.n = i.account WHERE a.id = ? AND i.key = ?`, accountID, key).
		Scan(&k.Fingerprint, &k.Response, &created)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read idempotency key: %w", err)
	}
	k.CreatedAt = at(created)
	if r.Now().Sub(k.CreatedAt) > r.KeyTTL {
		return nil, nil
	}
	return &k, nil
}

// EventsAfter implements ledger.Ledger.
func (r *Rules) EventsAfter(ctx context.Context, accountID string, after int64, limit int) ([]ledger.Event, error) {
	var n, pruned int64
	err := r.DB.QueryRow(ctx, `SELECT n, pruned_seq FROM accounts WHERE id = ?`, accountID).Scan(&n, &pruned)
	if err := readErr(err, "events"); err != nil {
		return nil, err
	}
	if after < pruned {
		return nil, ledger.ErrResync
	}
	if limit <= 0 {
		limit = 1000
	}
	var out []ledger.Event
	err = r.DB.Query(ctx, `SELECT seq, type, at, data FROM events WHERE account = ? AND seq > ?
		ORDER BY seq LIMIT ?`, func(row Row) error {
		e := ledger.Event{AccountID: accountID}
		var t int64
		var data string
		if err := row.Scan(&e.Seq, &e.Type, &t, &data); err != nil {
			return err
		}
		e.At, e.Data = at(t), json.RawMessage(data)
		out = append(out, e)
		return nil
	}, n, after, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: read events: %w", err)
	}
	return out, nil
}

// LatestSeq implements ledger.Ledger.
func (r *Rules) LatestSeq(ctx context.Context, accountID string) (int64, error) {
	var seq int64
	err := r.DB.QueryRow(ctx, `SELECT last_seq FROM accounts WHERE id = ?`, accountID).Scan(&seq)
	if noRows(err) {
		return 0, ledger.ErrNotFound
	}
	return seq, err
}

// Check implements ledger.Ledger. It reads one consistent snapshot.
func (r *Rules) Check(ctx context.Context) (ledger.Invariants, error) {
	var inv ledger.Invariants
	err := r.DB.Snapshot(ctx, func(db Reader) error {
		err := db.Query(ctx, `SELECT a.email, a.balance, a.held, a.system, a.last_seq, a.pruned_seq,
		CAST(COALESCE((SELECT SUM(CASE WHEN p.outgoing THEN -t.amount ELSE t.amount END) FROM parties p
			JOIN transactions t ON t.n = p.tx WHERE p.account = a.n AND t.status = 'COMPLETED'), 0) AS BIGINT),
		CAST(COALESCE((SELECT SUM(t.amount) FROM parties p JOIN transactions t ON t.n = p.tx
			WHERE p.account = a.n AND p.outgoing AND t.status = 'PENDING'), 0) AS BIGINT),
		(SELECT COUNT(*) FROM events WHERE account = a.n),
		COALESCE((SELECT MIN(seq) FROM events WHERE account = a.n), 0),
		COALESCE((SELECT MAX(seq) FROM events WHERE account = a.n), 0)
		FROM accounts a`, func(row Row) error {
			var email string
			var bal, held, last, pruned, sum, pending, count, minSeq, maxSeq int64
			var system bool
			if err := row.Scan(&email, &bal, &held, &system, &last, &pruned, &sum, &pending, &count, &minSeq, &maxSeq); err != nil {
				return err
			}
			inv.Accounts++
			inv.Total += money.Micros(bal)
			if system {
				inv.SystemBalance += money.Micros(bal)
			} else {
				if bal < 0 {
					inv.Negative = append(inv.Negative, email)
				}
				if held > bal {
					inv.OverHeld = append(inv.OverHeld, email)
				}
			}
			if sum != bal {
				inv.Mismatched = append(inv.Mismatched, email)
			}
			if pending != held {
				inv.HeldMismatch = append(inv.HeldMismatch, email)
			}
			if count != last-pruned || (count > 0 && (minSeq != pruned+1 || maxSeq != last)) {
				inv.SeqGaps = append(inv.SeqGaps, email)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return db.QueryRow(ctx, `SELECT COUNT(*) FROM transactions`).Scan(&inv.Transactions)
	})
	return inv, err
}
