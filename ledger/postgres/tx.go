package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

// The PostgreSQL side of package ledgersql's interfaces: the pool as a ledgersql.Reader, a call of
// a group (wtx) as a ledgersql.Tx and its locked account rows as ledgersql.Accounts. The rules' SQL
// is translated by ledgersql.PostgreSQL once per query text (Store.sql).

var newID = ledgersql.NewID

// sql is query in PostgreSQL's SQL, translated once per query text.
func (s *Store) sql(query string) string {
	if q, ok := s.sqls.Load(query); ok {
		return q.(string)
	}
	q := ledgersql.PostgreSQL.Translate(query)
	s.sqls.Store(query, q)
	return q
}

// reader runs the rules' reads on the pool.
type reader struct{ s *Store }

func (r reader) QueryRow(ctx context.Context, query string, args ...any) ledgersql.Row {
	return r.s.pool.QueryRow(ctx, r.s.sql(query), args...)
}

func (r reader) Query(ctx context.Context, query string, each func(ledgersql.Row) error, args ...any) error {
	return eachRow(r.s.pool.Query(ctx, r.s.sql(query), args...))(each)
}

// Snapshot runs fn in one read-only REPEATABLE READ transaction: one consistent snapshot.
func (r reader) Snapshot(ctx context.Context, fn func(ledgersql.Reader) error) error {
	tx, err := r.s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	return fn(snapshot{r.s, tx})
}

type snapshot struct {
	s  *Store
	tx pgx.Tx
}

func (r snapshot) QueryRow(ctx context.Context, query string, args ...any) ledgersql.Row {
	return r.tx.QueryRow(ctx, r.s.sql(query), args...)
}

func (r snapshot) Query(ctx context.Context, query string, each func(ledgersql.Row) error, args ...any) error {
	return eachRow(r.tx.Query(ctx, r.s.sql(query), args...))(each)
}

func (r snapshot) Snapshot(ctx context.Context, fn func(ledgersql.Reader) error) error { return fn(r) }

// eachRow calls each for every row of rows, then closes them.
func eachRow(rows pgx.Rows, err error) func(each func(ledgersql.Row) error) error {
	return func(each func(ledgersql.Row) error) error {
		return ledgersql.Each(rows, err, func() { rows.Close() }, each)
	}
}

// submitTx is submit for the rules.
func (s *Store) submitTx(ctx context.Context, fn func(ledgersql.Tx) (any, error)) (any, error) {
	return s.enqueue(ctx, nil, func(w *wtx) (any, error) { return fn(w) })
}

func (w *wtx) Now() time.Time { return w.now }

func (w *wtx) QueryRow(query string, args ...any) ledgersql.Row {
	return w.queryRow(w.s.sql(query), args...)
}

func (w *wtx) Query(query string, each func(ledgersql.Row) error, args ...any) error {
	return eachRow(w.query(w.s.sql(query), args...))(each)
}

// Exec queues the statement: it is sent with the call's next read, or with the commit.
func (w *wtx) Exec(query string, args ...any) error {
	w.exec(w.s.sql(query), args...)
	return nil
}

func (w *wtx) Change(query string, args ...any) (int64, error) {
	return w.execNow(w.s.sql(query), args...)
}

func (w *wtx) AccountByID(id string) (ledgersql.Account, error) { return account(w.acctByID(id)) }

func (w *wtx) AccountByEmail(email string) (ledgersql.Account, error) {
	return account(w.acctByEmail(email))
}

func account(a *acct, err error) (ledgersql.Account, error) {
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (w *wtx) Append(a ledgersql.Account, typ string, data any) error {
	return w.post(a.(*acct), 0, 0, evSpec{typ, data})
}

// Ended and Changed are told to the other instances at the commit (notifications).
func (w *wtx) Ended(id string)          { w.revoked = append(w.revoked, id) }
func (w *wtx) Changed(accountID string) { w.forgot = append(w.forgot, accountID) }

func (a *acct) Row() int64    { return a.n }
func (a *acct) ID() string    { return a.id }
func (a *acct) Email() string { return a.email }
func (a *acct) System() bool  { return a.system }

// The rules ops.go and writer.go call, by the names they know them (until the money calls move to
// ledgersql).

func (w *wtx) transaction(id string) (ledger.Transaction, int64, int64, error) {
	return ledgersql.TransactionByID(w, id)
}

type spender struct{ *ledgersql.Spender }

func (w *wtx) apiKey(id string, caller *acct) (*spender, error) {
	sp, err := ledgersql.SpenderFor(w, id, caller)
	if sp == nil || err != nil {
		return nil, err
	}
	return &spender{sp}, nil
}

func (sp *spender) recordOnly() *spender {
	if sp == nil {
		return nil
	}
	return &spender{sp.RecordOnly()}
}

func (sp *spender) fits(before, amount int64) error {
	if sp == nil {
		return nil
	}
	return sp.Fits(before, amount)
}

func (w *wtx) spend(sp *spender, amount int64) error {
	if sp == nil {
		return nil
	}
	return ledgersql.Spend(w, sp.Spender, amount)
}

func (w *wtx) giveBack(tx ledger.Transaction) error { return ledgersql.GiveBack(w, tx) }

func (w *wtx) checkToken(h ledger.Hold, from, to *acct) (*ledger.Token, error) {
	return ledgersql.CheckToken(w, h, from, to)
}

func (w *wtx) spendLegacyToken(id string) error { return ledgersql.SpendLegacyToken(w, id) }

func (w *wtx) countToken(t *ledger.Token, tx ledger.Transaction, from *acct) error {
	return ledgersql.CountToken(w, w.s.opts.Currency, t, tx, from)
}

func (w *wtx) giveBackToToken(tx ledger.Transaction) error { return ledgersql.GiveBackToToken(w, tx) }

func (w *wtx) pruneTokens(cut int64) error { return ledgersql.PruneTokens(w, cut) }
