// Package postgres is the ledger on PostgreSQL (pgx v5, pgxpool), for more than one machine:
// several instances of the service commit into one database. It implements the same interfaces
// as ledger/sqlite (ledger.Ledger, ledger.AuthStore, ledger.KeyStore) with the same domain rules,
// ledger/ledgersql's, over its side of ledgersql.Tx (tx.go, ops.go), and stays correct with
// several writers:
//
//   - every account a call posts to is locked (SELECT … FOR UPDATE, in account order) before it is
//     read, so balances are checked and changed under the row lock, and CHECK constraints refuse
//     a negative balance even if that logic were wrong;
//   - each account's event seq is allocated under the same lock, inside the money transaction, so
//     it is gap-free and strictly increasing whichever instance commits;
//   - idempotency keys are a primary key per account: a call racing another instance's call with
//     the same key waits for the sender's lock and then replays the kept response (the unique
//     index catches anything else, and the call is retried).
//
// Like the SQLite store, each instance commits concurrent calls in groups: one writer goroutine
// runs a group in one transaction, each call in its own savepoint, and commits once. A call that
// meets another instance's lock for too long (lock_timeout), a deadlock or a serialization failure
// is rolled back to its savepoint and retried in the next group, a bounded number of times.
//
// After each commit the store hands the committed events to Options.OnCommit and, in the same
// transaction, NOTIFYs the other instances (Listen) with the accounts and seqs it wrote and the
// sessions it revoked.
//
// What is its own: the pool, the migrations, the group-commit writers, the row locks and seq
// allocation above, LISTEN/NOTIFY. It knows nothing of HTTP, authentication or how events reach
// clients.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

// Options configure a Store. Zero values take the defaults.
type Options struct {
	Currency    string               // default "USD"
	SystemEmail string               // default ledger.SystemEmail
	Now         func() time.Time     // default time.Now
	OnCommit    func([]ledger.Event) // called by the writer after each commit, in seq order per account (one writer)
	OnGroup     func(size int)       // called after each commit with the calls it committed (for metrics); must not block
	OnError     func()               // called when a group fails on the database (connect, begin, commit; for metrics); must not block
	MaxGroup    int                  // most calls committed together; 1 = one transaction per call; default 256
	// Writers is how many groups this instance commits at once, each on its own connection: while
	// one waits for its commit to be durable, the next gathers and runs. Groups lock their
	// accounts in account order, so writers (and instances) never wait on each other in a cycle.
	// Default 1 (docs/scaling.md: on a workload whose groups all touch the same accounts a second
	// writer only waits for the first one's row locks); MaxGroup=1 with Writers=1 is one commit at a
	// time, the baseline.
	Writers    int
	MaxConns   int           // pool size (reads, the writer); default 8
	EventTTL   time.Duration // events kept at least this long; default 7 days
	KeyTTL     time.Duration // idempotency keys kept this long; default 24 h
	PruneEvery time.Duration // how often old events and keys are pruned; default 1 h
	// LockWait is how long a call that is not the first of its group waits for a row another
	// instance holds before it is retried in the next group (the group's own locks are released
	// by its commit meanwhile, so instances never wait on each other in a cycle); default 20 ms.
	LockWait time.Duration
	// MaxAttempts bounds how often one call is tried; default 50.
	MaxAttempts int
	// Channel prefixes the NOTIFY channels (Channel+"_events", Channel+"_sessions"); default
	// "syftwallet".
	Channel string
}

// Store is the PostgreSQL ledger. Open it with Open; Close it once.
type Store struct {
	ledgersql.Rules // the reads and the sign-in, key and token calls
	opts            Options
	pool            *pgxpool.Pool
	closed          sync.Once
	calls           *ledgersql.Queue[*op] // the calls waiting for the writer
	system          int64                 // the system account's row number
	instance        string                // this instance's id in notifications, so it ignores its own
	sqls            sync.Map              // the rules' query texts → PostgreSQL's (Store.sql)
}

var (
	_ ledger.Ledger      = (*Store)(nil)
	_ ledger.AuthStore   = (*Store)(nil)
	_ ledger.KeyStore    = (*Store)(nil)
	_ ledger.APIKeyStore = (*Store)(nil)
)

// IsURL reports whether s names a PostgreSQL database (postgres:// or postgresql://).
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at url, applies the migrations (under an advisory lock, so
// instances starting together do not race), makes sure the system account exists, and starts the
// writer.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	ledgersql.Defaults(&opts.Currency, &opts.SystemEmail, &opts.Now, &opts.MaxGroup, &opts.EventTTL, &opts.KeyTTL, &opts.PruneEvery)
	if opts.Writers <= 0 {
		opts.Writers = 1
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 8
	}
	if opts.MaxConns < int(opts.Writers)+2 {
		opts.MaxConns = opts.Writers + 2
	}
	if opts.LockWait <= 0 {
		opts.LockWait = 20 * time.Millisecond
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 50
	}
	if opts.Channel == "" {
		opts.Channel = "syftwallet"
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("ledger database URL: %w", redact(err))
	}
	cfg.MaxConns = int32(opts.MaxConns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", redact(err))
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{opts: opts, pool: pool, calls: ledgersql.NewQueue[*op](1024),
		instance: newID()}
	s.Rules = ledgersql.Rules{DB: reader{s}, Submit: s.submitTx, Now: opts.Now, CurrencyCode: opts.Currency,
		KeyTTL: opts.KeyTTL, Locking: true}
	if err := s.ensureSystem(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.Rules.SystemRow = s.system
	var wg sync.WaitGroup
	for i := 0; i < opts.Writers; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); s.writer() }()
	}
	go func() { wg.Wait(); close(s.calls.Done) }()
	return s, nil
}

// redact drops what a connection error may quote of the URL (its password).
func redact(err error) error {
	return errors.New(strings.Split(err.Error(), "password=")[0])
}

// Ping checks that the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

func (s *Store) ensureSystem(ctx context.Context) error {
	now := s.opts.Now().UnixMilli()
	_, err := s.pool.Exec(ctx, `INSERT INTO accounts (id, email, system, created_at)
		VALUES ($1, $2, TRUE, $3) ON CONFLICT (email) DO UPDATE SET system = TRUE WHERE NOT accounts.system`,
		newID(), s.opts.SystemEmail, now)
	if err != nil {
		return fmt.Errorf("system account: %w", err)
	}
	return s.pool.QueryRow(ctx, `SELECT n FROM accounts WHERE email = $1`, s.opts.SystemEmail).Scan(&s.system)
}

// Close stops the writer after the calls already submitted are committed, then closes the pool.
func (s *Store) Close() error {
	s.closed.Do(func() {
		s.calls.Close()
		s.pool.Close()
	})
	return nil
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the advisory lock key held while migrating ("syftwallet" in ASCII, folded).
const migrationLock int64 = 0x5379667477616c6c

// migrate applies every embedded migration not yet recorded in schema_migrations, each in its own
// transaction, holding a session advisory lock so that instances starting together apply each
// migration once.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := ledgersql.Migrations(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("open ledger: %w", redact(err))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for _, m := range ms {
		if m.Version <= have {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	if last := ms[len(ms)-1].Version; have > last {
		return fmt.Errorf("database schema version %d is newer than this program's %d", have, last)
	}
	return nil
}
