package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

// The SQLite side of package ledgersql's interfaces: the read pool as a ledgersql.Reader, the
// writer's transaction (wtx) as a ledgersql.Tx and its account rows as ledgersql.Accounts. The
// rules' SQL is translated by ledgersql.SQLite once, when a statement is prepared.

var (
	_ ledger.Ledger      = (*Store)(nil)
	_ ledger.AuthStore   = (*Store)(nil)
	_ ledger.KeyStore    = (*Store)(nil)
	_ ledger.APIKeyStore = (*Store)(nil)
)

var newID = ledgersql.NewID

// reader runs the rules' reads on the read pool.
type reader struct{ s *Store }

func (r reader) QueryRow(ctx context.Context, query string, args ...any) ledgersql.Row {
	return r.s.readRow(ctx, query, args...)
}

// readRow runs a one-row query of a hot read path on the read pool as a prepared statement: each
// read connection parses it once, not per call (parsing was a third of a short read's cost).
func (s *Store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := s.reads.Load(query); ok {
		return st.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	st, err := s.rdb.PrepareContext(ctx, ledgersql.SQLite.Translate(query))
	if err != nil {
		return s.rdb.QueryRowContext(ctx, query, args...) // the error surfaces through Scan
	}
	if prev, loaded := s.reads.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st.QueryRowContext(ctx, args...)
}

func (r reader) Query(ctx context.Context, query string, each func(ledgersql.Row) error, args ...any) error {
	return eachRow(r.s.rdb.QueryContext(ctx, ledgersql.SQLite.Translate(query), args...))(each)
}

// Snapshot runs fn in one read-only transaction of the read pool (WAL: one consistent snapshot).
func (r reader) Snapshot(ctx context.Context, fn func(ledgersql.Reader) error) error {
	tx, err := r.s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(snapshot{tx})
}

type snapshot struct{ tx *sql.Tx }

func (r snapshot) QueryRow(ctx context.Context, query string, args ...any) ledgersql.Row {
	return r.tx.QueryRowContext(ctx, ledgersql.SQLite.Translate(query), args...)
}

func (r snapshot) Query(ctx context.Context, query string, each func(ledgersql.Row) error, args ...any) error {
	return eachRow(r.tx.QueryContext(ctx, ledgersql.SQLite.Translate(query), args...))(each)
}

func (r snapshot) Snapshot(ctx context.Context, fn func(ledgersql.Reader) error) error { return fn(r) }

// eachRow calls each for every row of rows, then closes them.
func eachRow(rows *sql.Rows, err error) func(each func(ledgersql.Row) error) error {
	return func(each func(ledgersql.Row) error) error {
		return ledgersql.Each(rows, err, func() { rows.Close() }, each)
	}
}

// submitTx is submit for the rules.
func (s *Store) submitTx(ctx context.Context, _ *ledgersql.Locks, fn func(ledgersql.Tx) (any, error)) (any, error) {
	return s.enqueue(ctx, func(w *wtx) (any, error) { return fn(w) })
}

func (w *wtx) Now() time.Time { return w.now }

func (w *wtx) QueryRow(query string, args ...any) ledgersql.Row { return w.queryRow(query, args...) }

func (w *wtx) Query(query string, each func(ledgersql.Row) error, args ...any) error {
	st, err := w.s.stmt(query)
	if err != nil {
		return err
	}
	return eachRow(st.Query(args...))(each)
}

func (w *wtx) Exec(query string, args ...any) error {
	_, err := w.exec(query, args...)
	return err
}

func (w *wtx) Change(query string, args ...any) (int64, error) {
	res, err := w.exec(query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Ended and Changed: one SQLite store per ledger, nobody else to tell.
func (w *wtx) Ended(string)   {}
func (w *wtx) Changed(string) {}
