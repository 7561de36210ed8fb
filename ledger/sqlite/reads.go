package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

const accountCols = `id, email, password_hash, organization, balance, held, mfa_enabled, system, created_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanAccount(r rowScanner) (ledger.Account, error) {
	var a ledger.Account
	var org sql.NullString
	var created int64
	err := r.Scan(&a.ID, &a.Email, &a.PasswordHash, &org, &a.Balance, &a.Held, &a.MFAEnabled, &a.System, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ledger.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("ledger: read account: %w", err)
	}
	if org.Valid {
		a.Organization = &org.String
	}
	a.CreatedAt = time.UnixMilli(created).UTC()
	return a, nil
}

// AccountByEmail implements ledger.Ledger.
func (s *Store) AccountByEmail(ctx context.Context, email string) (ledger.Account, error) {
	return scanAccount(s.readRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE email = ?`, email))
}

// AccountByID implements ledger.Ledger.
func (s *Store) AccountByID(ctx context.Context, id string) (ledger.Account, error) {
	return scanAccount(s.readRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
}

// readRow runs a one-row query of a hot read path on the read pool as a prepared statement: each
// read connection parses it once, not per call (parsing was a third of a short read's cost).
func (s *Store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := s.reads.Load(query); ok {
		return st.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	st, err := s.rdb.PrepareContext(ctx, query)
	if err != nil {
		return s.rdb.QueryRowContext(ctx, query, args...) // the error surfaces through Scan
	}
	if prev, loaded := s.reads.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st.QueryRowContext(ctx, args...)
}

// Accounts implements ledger.Ledger: people's accounts, oldest first.
func (s *Store) Accounts(ctx context.Context) ([]ledger.Account, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE system = 0 ORDER BY n`)
	if err != nil {
		return nil, fmt.Errorf("ledger: list accounts: %w", err)
	}
	defer rows.Close()
	var out []ledger.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const txCols = `t.n, t.id, s.id, s.email, r.id, r.email, t.amount, t.status, t.created_by, t.resolved_by,
	t.created_at, t.resolved_at, t.app_name, t.app_ep_path, t.memo, t.metadata, t.sender, t.recipient, t.api_key`

const txFrom = ` FROM transactions t JOIN accounts s ON s.n = t.sender JOIN accounts r ON r.n = t.recipient`

// scanTx reads txCols; it also returns the row number and the parties' row numbers.
func scanTx(r rowScanner) (tx ledger.Transaction, n, sn, rn int64, err error) {
	var resolvedBy, appName, appEp, memo, md, key sql.NullString
	var created int64
	var resolved sql.NullInt64
	err = r.Scan(&n, &tx.ID, &tx.SenderID, &tx.SenderEmail, &tx.RecipientID, &tx.RecipientEmail, &tx.Amount,
		&tx.Status, &tx.CreatedBy, &resolvedBy, &created, &resolved, &appName, &appEp, &memo, &md, &sn, &rn, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return tx, 0, 0, 0, ledger.ErrNotFound
	}
	if err != nil {
		return tx, 0, 0, 0, fmt.Errorf("ledger: read transaction: %w", err)
	}
	tx.CreatedAt = time.UnixMilli(created).UTC()
	if resolved.Valid {
		tx.ResolvedAt = time.UnixMilli(resolved.Int64).UTC()
	}
	tx.ResolvedBy = resolvedBy.String
	tx.APIKeyID = key.String
	tx.AppName, tx.AppEpPath, tx.Memo = nullable(appName), nullable(appEp), nullable(memo)
	if md.Valid && md.String != "" {
		if err := json.Unmarshal([]byte(md.String), &tx.Metadata); err != nil {
			return tx, 0, 0, 0, fmt.Errorf("ledger: read metadata: %w", err)
		}
	}
	return tx, n, sn, rn, nil
}

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

func (w *wtx) transaction(id string) (ledger.Transaction, int64, int64, error) {
	tx, _, sn, rn, err := scanTx(w.queryRow(`SELECT `+txCols+txFrom+` WHERE t.id = ?`, id))
	return tx, sn, rn, err
}

// Transaction implements ledger.Ledger.
func (s *Store) Transaction(ctx context.Context, id string) (ledger.Transaction, error) {
	tx, _, _, _, err := scanTx(s.rdb.QueryRowContext(ctx, `SELECT `+txCols+txFrom+` WHERE t.id = ?`, id))
	return tx, err
}

// Transactions implements ledger.Ledger: newest first, through the account's party rows, so a page
// costs the page and not the whole history. The cursor is the last row number seen, so pages stay
// stable while new transactions arrive.
func (s *Store) Transactions(ctx context.Context, accountID string, q ledger.Query) (ledger.Page, error) {
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
		where = append(where, "p.outgoing = 0")
	case api.DirectionOut:
		where = append(where, "p.outgoing = 1")
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
		args = append(args, q.Since.UnixMilli())
	}
	if !q.Until.IsZero() {
		where = append(where, "t.created_at < ?")
		args = append(args, q.Until.UnixMilli())
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
	if q.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, q.Limit+1)
		if q.Offset > 0 {
			query += " OFFSET ?"
			args = append(args, q.Offset)
		}
	} else if q.Offset > 0 {
		query += " LIMIT -1 OFFSET ?"
		args = append(args, q.Offset)
	}
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return ledger.Page{}, fmt.Errorf("ledger: list transactions: %w", err)
	}
	defer rows.Close()
	var page ledger.Page
	var lastN int64
	for rows.Next() {
		tx, n, _, _, err := scanTx(rows)
		if err != nil {
			return ledger.Page{}, err
		}
		if q.Limit > 0 && len(page.Transactions) == q.Limit {
			page.HasMore = true
			break
		}
		page.Transactions = append(page.Transactions, tx)
		lastN = n
	}
	if err := rows.Err(); err != nil {
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
func (s *Store) Idempotent(ctx context.Context, accountID, key string) (*ledger.Kept, error) {
	var k ledger.Kept
	var created int64
	err := s.rdb.QueryRowContext(ctx, `SELECT i.fingerprint, i.response, i.created_at FROM idempotency i
		JOIN accounts a ON a.n = i.account WHERE a.id = ? AND i.key = ?`, accountID, key).
		Scan(&k.Fingerprint, &k.Response, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read idempotency key: %w", err)
	}
	k.CreatedAt = time.UnixMilli(created).UTC()
	if s.opts.Now().Sub(k.CreatedAt) > s.opts.KeyTTL {
		return nil, nil
	}
	return &k, nil
}

// EventsAfter implements ledger.Ledger.
func (s *Store) EventsAfter(ctx context.Context, accountID string, after int64, limit int) ([]ledger.Event, error) {
	var n, pruned int64
	err := s.rdb.QueryRowContext(ctx, `SELECT n, pruned_seq FROM accounts WHERE id = ?`, accountID).Scan(&n, &pruned)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ledger.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read events: %w", err)
	}
	if after < pruned {
		return nil, ledger.ErrResync
	}
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT seq, type, at, data FROM events WHERE account = ? AND seq > ?
		ORDER BY seq LIMIT ?`, n, after, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: read events: %w", err)
	}
	defer rows.Close()
	var out []ledger.Event
	for rows.Next() {
		e := ledger.Event{AccountID: accountID}
		var at int64
		var data string
		if err := rows.Scan(&e.Seq, &e.Type, &at, &data); err != nil {
			return nil, fmt.Errorf("ledger: read events: %w", err)
		}
		e.At, e.Data = time.UnixMilli(at).UTC(), json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LatestSeq implements ledger.Ledger.
func (s *Store) LatestSeq(ctx context.Context, accountID string) (int64, error) {
	var seq int64
	err := s.rdb.QueryRowContext(ctx, `SELECT last_seq FROM accounts WHERE id = ?`, accountID).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ledger.ErrNotFound
	}
	return seq, err
}

// Check implements ledger.Ledger. It reads one consistent snapshot.
func (s *Store) Check(ctx context.Context) (ledger.Invariants, error) {
	var inv ledger.Invariants
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return inv, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT a.email, a.balance, a.held, a.system, a.last_seq, a.pruned_seq,
		COALESCE((SELECT SUM(CASE WHEN p.outgoing = 1 THEN -t.amount ELSE t.amount END) FROM parties p
			JOIN transactions t ON t.n = p.tx WHERE p.account = a.n AND t.status = 'COMPLETED'), 0),
		COALESCE((SELECT SUM(t.amount) FROM parties p JOIN transactions t ON t.n = p.tx
			WHERE p.account = a.n AND p.outgoing = 1 AND t.status = 'PENDING'), 0),
		(SELECT COUNT(*) FROM events WHERE account = a.n),
		COALESCE((SELECT MIN(seq) FROM events WHERE account = a.n), 0),
		COALESCE((SELECT MAX(seq) FROM events WHERE account = a.n), 0)
		FROM accounts a`)
	if err != nil {
		return inv, err
	}
	defer rows.Close()
	for rows.Next() {
		var email string
		var bal, held, last, pruned, sum, pending, count, minSeq, maxSeq int64
		var system bool
		if err := rows.Scan(&email, &bal, &held, &system, &last, &pruned, &sum, &pending, &count, &minSeq, &maxSeq); err != nil {
			return inv, err
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
	}
	if err := rows.Err(); err != nil {
		return inv, err
	}
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions`).Scan(&inv.Transactions)
	return inv, err
}
