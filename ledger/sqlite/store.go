// Package sqlite is the ledger on SQLite (modernc.org/sqlite, pure Go, WAL): the embedded default
// store of the accounting service. Every write runs on one writer connection that commits
// concurrent calls in small groups (group commit), so durable commits (synchronous=FULL) do not
// cost one fsync per payment; reads run on a separate pool of read-only connections.
//
// The ledger's rules (its reads, money, sign-in, key and token calls) are ledger/ledgersql's,
// shared with the PostgreSQL store; this package is what is SQLite's own: the file and its
// connections, the migrations, the single writer and its group commit, full-disk handling and
// backups, and its side of ledgersql.Tx (tx.go, ops.go). It knows nothing of HTTP,
// authentication or events delivery (it hands committed events to Options.OnCommit and forgets
// them).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

// Options configure a Store. Zero values take the defaults.
type Options struct {
	Currency    string               // default "USD"
	SystemEmail string               // default ledger.SystemEmail
	Now         func() time.Time     // default time.Now
	OnCommit    func([]ledger.Event) // called by the writer after each commit, in seq order per account
	OnGroup     func(size int)       // called by the writer after each commit with the calls it committed (for metrics); must not block
	MaxGroup    int                  // most calls committed together; 1 = one transaction per call; default 256
	ReadConns   int                  // read pool size; default 4
	EventTTL    time.Duration        // events kept at least this long; default 7 days
	KeyTTL      time.Duration        // idempotency keys kept this long; default 24 h
	PruneEvery  time.Duration        // how often old events and keys are pruned; default 1 h
	Synchronous string               // PRAGMA synchronous; default FULL (durable commits)
}

// walCheckpointPages is the writer's wal_autocheckpoint: about 40 MB of WAL at 4 KiB pages.
const walCheckpointPages = 10_000

// Store is the SQLite ledger. Open it with Open; Close it once.
type Store struct {
	ledgersql.Rules // the reads and the sign-in, key and token calls
	opts            Options
	wconn           *sql.Conn
	wdb             *sql.DB
	rdb             *sql.DB
	closed          sync.Once
	calls           *ledgersql.Queue[*op] // the calls waiting for the writer
	system          int64                 // the system account's row number
	stmts           map[string]*sql.Stmt  // the writer's prepared statements
	reads           sync.Map              // query → *sql.Stmt prepared on the read pool (readRow)
	dir             string                // the ledger's directory: its free space tells a full disk (storageError)
}

// Open opens (creating if needed) the ledger at path, applies migrations, makes sure the system
// account exists, and starts the writer.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	ledgersql.Defaults(&opts.Currency, &opts.SystemEmail, &opts.Now, &opts.MaxGroup, &opts.EventTTL, &opts.KeyTTL, &opts.PruneEvery)
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if opts.Synchronous == "" {
		opts.Synchronous = "FULL"
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("ledger directory: %w", err)
		}
	}
	// The ledger holds password hashes: create it private, so that SQLite gives its -wal and
	// -shm files the same mode, and tighten files an older version left open.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("ledger file mode: %w", err)
		}
	}
	dsn := func(extra string) string {
		u := url.URL{Scheme: "file", Opaque: path}
		q := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=temp_store(MEMORY)&_pragma=synchronous(" +
			opts.Synchronous + ")&_txlock=immediate" + extra
		return u.String() + "?" + q
	}
	// The writer checkpoints the WAL into the database every walCheckpointPages pages instead of
	// SQLite's 1,000: the pages a payment dirties (each account's newest rows, the accounts table)
	// are mostly the same from one commit to the next, so a rarer checkpoint copies each of them
	// once for many commits. Commits stay as durable (synchronous=FULL syncs the WAL at each).
	wdb, err := sql.Open("sqlite", dsn(fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", walCheckpointPages)))
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wconn, err := wdb.Conn(ctx)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	if err := migrate(ctx, wconn); err != nil {
		wconn.Close()
		wdb.Close()
		return nil, err
	}
	rdb, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		wconn.Close()
		wdb.Close()
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	rdb.SetMaxOpenConns(opts.ReadConns)
	rdb.SetMaxIdleConns(opts.ReadConns)
	s := &Store{
		opts: opts, wconn: wconn, wdb: wdb, rdb: rdb,
		calls: ledgersql.NewQueue[*op](1024),
		stmts: map[string]*sql.Stmt{}, dir: filepath.Dir(path),
	}
	s.Rules = ledgersql.Rules{DB: reader{s}, Submit: s.submitTx, Now: opts.Now, CurrencyCode: opts.Currency,
		KeyTTL: opts.KeyTTL}
	if err := s.ensureSystem(ctx); err != nil {
		s.closeDBs()
		return nil, err
	}
	s.Rules.SystemRow = s.system
	go s.writer()
	return s, nil
}

func (s *Store) ensureSystem(ctx context.Context) error {
	now := s.opts.Now().UnixMilli()
	_, err := s.wconn.ExecContext(ctx, `INSERT INTO accounts (id, email, system, created_at)
		VALUES (?, ?, 1, ?) ON CONFLICT (email) DO UPDATE SET system = 1`, newID(), s.opts.SystemEmail, now)
	if err != nil {
		return fmt.Errorf("system account: %w", err)
	}
	return s.wconn.QueryRowContext(ctx, `SELECT n FROM accounts WHERE email = ?`, s.opts.SystemEmail).Scan(&s.system)
}

// Close stops the writer after the calls already submitted are committed, then closes the database.
func (s *Store) Close() error {
	var err error
	s.closed.Do(func() {
		s.calls.Close()
		err = s.closeDBs()
	})
	return err
}

func (s *Store) closeDBs() error {
	for _, st := range s.stmts {
		st.Close()
	}
	s.reads.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return errors.Join(s.wconn.Close(), s.wdb.Close(), s.rdb.Close())
}
