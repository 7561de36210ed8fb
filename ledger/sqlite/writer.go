package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

// op is one call waiting for the writer. fn runs inside a savepoint of the group's transaction;
// done is closed once the group has committed (or failed).
type op struct {
	ctx  context.Context
	fn   func(w *wtx) (any, error)
	res  any
	err  error
	done chan struct{}
}

// wtx is what an op sees of the writing transaction.
type wtx struct {
	s      *Store
	now    time.Time
	events []ledger.Event
}

// enqueue hands fn to the writer and waits until its group is durable.
func (s *Store) enqueue(ctx context.Context, fn func(w *wtx) (any, error)) (any, error) {
	o := &op{ctx: ctx, fn: fn, done: make(chan struct{})}
	if err := s.calls.Put(ctx, o); err != nil {
		return nil, err
	}
	// Wait for the outcome even if ctx ends meanwhile: once queued, the call either commits or
	// not, and the caller must learn which. The writer skips calls whose ctx ended before they ran.
	<-o.done
	return o.res, o.err
}

// writer is the single goroutine that writes. It takes the first waiting call, gathers the others
// already queued (up to MaxGroup), runs them in one transaction and commits once. It ends when the
// Store closes, after committing everything submitted before.
func (s *Store) writer() {
	defer close(s.calls.Done)
	prune := time.NewTicker(s.opts.PruneEvery)
	defer prune.Stop()
	group := make([]*op, 0, s.opts.MaxGroup)
	for {
		select {
		case o := <-s.calls.C:
			group = append(group[:0], o)
		case <-prune.C:
			s.runGroup([]*op{{ctx: context.Background(), fn: (*wtx).prune, done: make(chan struct{})}})
			continue
		case <-s.calls.Stop:
			for {
				select {
				case o := <-s.calls.C:
					s.runGroup([]*op{o})
				default:
					return
				}
			}
		}
		group = s.calls.Gather(group, s.opts.MaxGroup)
		s.runGroup(group)
	}
}

// runGroup runs a group of calls in one transaction, each in its own savepoint, and commits once.
// A call's own error rolls back its savepoint only. An error after which SQLite may have rolled
// the transaction back itself (a full disk, an I/O error: abortsTransaction), a savepoint that
// cannot be rolled back, or a failed commit rolls the whole group back instead and fails every
// call of it: going on could run later calls outside any transaction (each committing on its own)
// while the group's answer says nothing was written. Nothing of a rolled back group is half
// written, and the next group starts afresh, so the writer recovers by itself once, say, disk
// space is freed.
func (s *Store) runGroup(group []*op) {
	ctx := context.Background()
	defer func() {
		for _, o := range group {
			close(o.done)
		}
	}()
	if _, err := s.wconn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		s.fail(group, fmt.Errorf("ledger: begin: %w", err), false)
		return
	}
	now := s.opts.Now()
	var events []ledger.Event
	for _, o := range group {
		if err := o.ctx.Err(); err != nil {
			o.err = err
			continue
		}
		if err := s.run("SAVEPOINT op"); err != nil {
			s.fail(group, fmt.Errorf("ledger: savepoint: %w", err), true)
			return
		}
		w := &wtx{s: s, now: now}
		o.res, o.err = o.fn(w)
		if o.err != nil {
			o.res = nil
			if abortsTransaction(o.err) {
				s.fail(group, o.err, true)
				return
			}
			if err := s.run("ROLLBACK TO op"); err != nil {
				s.fail(group, fmt.Errorf("ledger: rollback to savepoint: %w (after %w)", err, o.err), true)
				return
			}
		}
		if err := s.run("RELEASE op"); err != nil {
			s.fail(group, fmt.Errorf("ledger: release: %w", err), true)
			return
		}
		if o.err == nil {
			events = append(events, w.events...)
		}
	}
	if _, err := s.wconn.ExecContext(ctx, "COMMIT"); err != nil {
		s.fail(group, fmt.Errorf("ledger: commit: %w", err), true)
		return
	}
	if s.opts.OnGroup != nil {
		s.opts.OnGroup(len(group))
	}
	if len(events) > 0 && s.opts.OnCommit != nil {
		s.opts.OnCommit(events)
	}
}

// fail ends a group that cannot commit: it rolls back (when a transaction was begun; SQLite may
// have rolled it back already, and then ROLLBACK fails harmlessly) and gives every call that was
// not skipped for its context the same error, a full disk as ledger.ErrStorageFull.
func (s *Store) fail(group []*op, err error, rollback bool) {
	if rollback {
		_, _ = s.wconn.ExecContext(context.Background(), "ROLLBACK")
	}
	err = s.storageError(err)
	for _, o := range group {
		if o.err != nil && o.ctx.Err() != nil && errors.Is(o.err, o.ctx.Err()) {
			continue // skipped before it ran: its caller learns that
		}
		o.res, o.err = nil, err
	}
}

// run executes a prepared statement without arguments (the savepoint statements of each call).
func (s *Store) run(query string) error {
	st, err := s.stmt(query)
	if err == nil {
		_, err = st.Exec()
	}
	return err
}

// stmt returns a statement prepared once on the writer's connection. Only the writer calls it.
func (s *Store) stmt(query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.wconn.PrepareContext(context.Background(), ledgersql.SQLite.Translate(query))
	if err != nil {
		return nil, fmt.Errorf("ledger: prepare: %w", err)
	}
	s.stmts[query] = st
	return st, nil
}

func (w *wtx) exec(query string, args ...any) (sql.Result, error) {
	st, err := w.s.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.Exec(args...)
}

func (w *wtx) queryRow(query string, args ...any) *sql.Row {
	st, err := w.s.stmt(query)
	if err != nil {
		// Surface the prepare error through Scan.
		return w.s.wconn.QueryRowContext(context.Background(), query, args...)
	}
	return st.QueryRow(args...)
}

// prune drops events older than EventTTL (remembering, per account, the last seq dropped so a
// resume from before it gets ErrResync) and idempotency keys older than KeyTTL.
func (w *wtx) prune() (any, error) {
	evCut := w.now.Add(-w.s.opts.EventTTL).UnixMilli()
	if _, err := w.exec(`UPDATE accounts SET pruned_seq = (SELECT MAX(seq) FROM events e
		WHERE e.account = accounts.n AND e.at < ?)
		WHERE n IN (SELECT DISTINCT account FROM events WHERE at < ?)`, evCut, evCut); err != nil {
		return nil, fmt.Errorf("ledger: prune events: %w", err)
	}
	if _, err := w.exec(`DELETE FROM events WHERE at < ?`, evCut); err != nil {
		return nil, fmt.Errorf("ledger: prune events: %w", err)
	}
	keyCut := w.now.Add(-w.s.opts.KeyTTL).UnixMilli()
	if _, err := w.exec(`DELETE FROM idempotency WHERE created_at < ?`, keyCut); err != nil {
		return nil, fmt.Errorf("ledger: prune keys: %w", err)
	}
	return nil, ledgersql.PruneTokens(w, evCut)
}

// Prune runs the pruning now (the writer also runs it every PruneEvery).
func (s *Store) Prune(ctx context.Context) error {
	_, err := s.enqueue(ctx, (*wtx).prune)
	return err
}
