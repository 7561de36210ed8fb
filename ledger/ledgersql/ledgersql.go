// Package ledgersql holds the ledger's SQL rules once, for every SQL store (ledger/sqlite,
// ledger/postgres): the money calls, reads, sign-in, API keys, delegation tokens, keys and balance
// history of package ledger, written over a small transaction interface (Reader for reads, Tx for
// one call inside the writer's transaction) that each store implements. Embedded in a store, Rules
// implements ledger's interfaces.
//
// It must not know which engine runs them: no driver, no connection or pool, no applying of
// migrations (it only lists a store's files), no group commit (a store's writers take its calls
// from a Queue and commit them their own way), no row locking beyond asking for it (Tx.Lock,
// FOR UPDATE), no LISTEN/NOTIFY. Its SQL is the subset both engines accept (TRUE/FALSE and bare
// boolean columns, COALESCE, ON CONFLICT, RETURNING, CAST(… AS BIGINT)), with `?` placeholders,
// PostgreSQL's row lock clauses (FOR UPDATE [OF t]) and GREATEST; each store translates a query to
// its engine once (Dialect: PostgreSQL numbers the placeholders; SQLite, whose single writer
// already serializes every write, drops the lock clauses and spells GREATEST as its scalar MAX).
// Times are Unix milliseconds and money integer micro-units in both schemas.
package ledgersql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/ledger"
)

// Row is one row of a result: *sql.Row, pgx.Row, or a row of Rows.
type Row interface{ Scan(dest ...any) error }

// Reader runs the ledger's reads outside the writer (a read pool).
type Reader interface {
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Query calls each for every row, in order, and closes the result; an error of each stops it.
	Query(ctx context.Context, query string, each func(Row) error, args ...any) error
	// Snapshot runs fn over one consistent read-only snapshot of the whole ledger.
	Snapshot(ctx context.Context, fn func(Reader) error) error
}

// Tx is what the rules see of one call inside the writer's transaction (its own savepoint). Its
// statements run in order; Exec may defer a statement whose result the call does not need (the
// PostgreSQL store queues it for the next round trip), so its error may surface at a later
// statement or at the end of the call instead, and fails the call just the same.
type Tx interface {
	Now() time.Time
	QueryRow(query string, args ...any) Row
	Query(query string, each func(Row) error, args ...any) error
	Exec(query string, args ...any) error
	// Change runs a statement now and says how many rows it changed.
	Change(query string, args ...any) (int64, error)

	// AccountByID, AccountByEmail and AccountByN find an account for the call (ledger.ErrNotFound);
	// an engine with several writers locks its row until the commit, and hands the same *Acct to
	// every later lookup of the group.
	AccountByID(id string) (*Acct, error)
	AccountByEmail(email string) (*Acct, error)
	AccountByN(n int64) (*Acct, error)
	// Lock locks, in account order, the accounts named that the call has not locked yet, so that
	// two calls never wait on each other in a cycle; it reports whether the engine locks at all.
	Lock(ids, emails []string, ns []int64) (bool, error)
	// Remember makes an account the call has just created known to later lookups.
	Remember(a *Acct)
	// Move adds dBalance and dHeld to the account and allocates it seqs more event seqs: a's
	// Balance, Held and LastSeq are the row's after it (written at once or at the commit).
	Move(a *Acct, dBalance, dHeld, seqs int64) error
	// Event appends e, whose seq Move allocated, to the account's outbox; it reaches
	// Options.OnCommit once the group commits.
	Event(a *Acct, e ledger.Event) error
	// Insert writes a transfer and its two party rows.
	Insert(t TxRow) error
	// Kept is the response kept for an account's idempotency key (nil when none, or expired);
	// Keep keeps one, replacing an expired one.
	Kept(account int64, key string) (*ledger.Kept, error)
	Keep(account int64, key string, k ledger.Kept) error

	// Ended says that a session (or "apikey:"+id, an API key's streams) ended in this call, and
	// Changed that an account's password or second factor did: for stores that tell other
	// instances at the commit.
	Ended(id string)
	Changed(accountID string)
}

// Submit runs fn as one call of the store's writer, inside its own savepoint of a group's
// transaction, and returns once the group is durable (or failed). l, when not nil, names what fn
// will lock (see Locks).
type Submit func(ctx context.Context, l *Locks, fn func(Tx) (any, error)) (any, error)

// Rules is the engine-neutral part of a SQL store: embedded in it, its methods implement the
// reads and the sign-in, API key, token and key calls of package ledger's interfaces.
type Rules struct {
	DB           Reader
	Submit       Submit
	Now          func() time.Time
	CurrencyCode string        // the deployment's currency
	KeyTTL       time.Duration // idempotency keys are kept this long
	SystemRow    int64         // the system account's row number
	// Locking: the engine locks rows (Tx.Lock), and a money call names what it will lock (Locks)
	// so that its group can take the locks at its start.
	Locking bool
}

// submit runs fn on the writer and gives back its result as a T.
func submit[T any](ctx context.Context, r *Rules, fn func(Tx) (T, error)) (T, error) {
	return submitLocking(ctx, r, nil, fn)
}

// submitLocking is submit for a call that names what it locks.
func submitLocking[T any](ctx context.Context, r *Rules, l *Locks, fn func(Tx) (T, error)) (T, error) {
	res, err := r.Submit(ctx, l, func(tx Tx) (any, error) { return fn(tx) })
	v, _ := res.(T) // nil (no result, or an error) is T's zero
	return v, err
}

// NewID returns 128 random bits, URL-safe: the ids of accounts, transactions, sessions, keys.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// noRows reports whether err is "no row" from either driver (pgx.ErrNoRows matches sql.ErrNoRows).
func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// readErr is a read's error as the rules report it: ledger.ErrNotFound for no row, else wrapped
// as reading what.
func readErr(err error, what string) error {
	if noRows(err) {
		return ledger.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ledger: read %s: %w", what, err)
	}
	return nil
}

// ms is a time as the schemas keep it.
func ms(t time.Time) int64 { return t.UnixMilli() }

// at is a kept time read back, in UTC.
func at(v int64) time.Time { return time.UnixMilli(v).UTC() }

// atNull is a nullable kept time: zero for NULL.
func atNull(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return at(v.Int64)
}

// strNull is a nullable text: nil for NULL.
func strNull(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// orNull is v, or NULL when v is zero (no limit).
func orNull(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// Dialect translates the rules' SQL into one engine's.
type Dialect int

const (
	// PostgreSQL numbers the placeholders ($1, $2, …) and keeps the rest.
	PostgreSQL Dialect = iota
	// SQLite drops the row lock clauses (one writer serializes every write) and spells GREATEST
	// as MAX (its scalar max of several arguments).
	SQLite
)

// Translate is query in d's SQL. Stores translate a query once and keep the result (a prepared
// statement, a cache), so a call pays for it no more than for a map lookup.
func (d Dialect) Translate(query string) string {
	switch d {
	case SQLite:
		if strings.Contains(query, "GREATEST(") {
			query = strings.ReplaceAll(query, "GREATEST(", "MAX(")
		}
		for {
			i := strings.Index(query, " FOR UPDATE")
			if i < 0 {
				return query
			}
			j := i + len(" FOR UPDATE")
			if rest, ok := strings.CutPrefix(query[j:], " OF "); ok {
				j += len(" OF ")
				for k := 0; k < len(rest) && (rest[k] == '_' || 'a' <= rest[k] && rest[k] <= 'z'); k++ {
					j++
				}
			}
			query = query[:i] + query[j:]
		}
	default:
		if !strings.Contains(query, "?") {
			return query
		}
		var b strings.Builder
		b.Grow(len(query) + 16)
		n, quoted := 0, false
		for i := 0; i < len(query); i++ {
			c := query[i]
			switch {
			case c == '\'':
				quoted = !quoted
			case c == '?' && !quoted:
				n++
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
				continue
			}
			b.WriteByte(c)
		}
		return b.String()
	}
}

// Currency is the deployment's currency.
func (r *Rules) Currency() string { return r.CurrencyCode }

// Defaults sets the options every SQL store has, where zero, to their defaults: currency USD, the
// system account ledger.SystemEmail, time.Now, groups of up to 256 calls, events kept 7 days,
// idempotency keys 24 hours, pruning every hour.
func Defaults(currency, systemEmail *string, now *func() time.Time, maxGroup *int, eventTTL, keyTTL, pruneEvery *time.Duration) {
	if *currency == "" {
		*currency = "USD"
	}
	if *systemEmail == "" {
		*systemEmail = ledger.SystemEmail
	}
	if *now == nil {
		*now = time.Now
	}
	if *maxGroup <= 0 {
		*maxGroup = 256
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{eventTTL, 7 * 24 * time.Hour}, {keyTTL, 24 * time.Hour}, {pruneEvery, time.Hour}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
}

// Rows is a driver's result rows (*sql.Rows, pgx.Rows).
type Rows interface {
	Row
	Next() bool
	Err() error
}

// Each calls each for every row of rows (or returns err, the query's own error) and then closes
// them with closeRows; the first error of each stops it.
func Each(rows Rows, err error, closeRows func(), each func(Row) error) error {
	if err != nil {
		return err
	}
	defer closeRows()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
