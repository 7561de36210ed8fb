package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

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
func (s *Store) submitTx(ctx context.Context, l *ledgersql.Locks, fn func(ledgersql.Tx) (any, error)) (any, error) {
	return s.enqueue(ctx, l, func(w *wtx) (any, error) { return fn(w) })
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

// Ended and Changed are told to the other instances at the commit (notifications).
func (w *wtx) Ended(id string)          { w.revoked = append(w.revoked, id) }
func (w *wtx) Changed(accountID string) { w.forgot = append(w.forgot, accountID) }
