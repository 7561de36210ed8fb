package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syftbox/syftwallet/ledger"
)

// op is one call waiting for the writer. fn runs inside a savepoint of the group's transaction;
// done is closed once the group has committed (or failed).
type op struct {
	ctx      context.Context
	fn       func(w *wtx) (any, error)
	res      any
	err      error
	attempts int
	done     chan struct{}
}

// wtx is what an op sees of the writing transaction. Statements whose results the call does not
// need (exec) are queued and sent together with the next read or at the end of the call, so a
// payment costs a few round trips, not one per statement.
type wtx struct {
	s       *Store
	conn    *pgxpool.Conn
	now     time.Time
	batch   *pgx.Batch
	events  []ledger.Event
	revoked []string
	locked  map[string]*acct // accounts this call has locked, by "i:"+id, "e:"+email and "n:"+n
}

// submit hands fn to the writer and waits until its group is durable.
func (s *Store) submit(ctx context.Context, fn func(w *wtx) (any, error)) (any, error) {
	o := &op{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.mu.RLock()
	if s.isShut {
		s.mu.RUnlock()
		return nil, ledger.ErrClosed
	}
	select {
	case s.ops <- o:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return nil, ctx.Err()
	}
	// Once queued, the call either commits or not, and the caller must learn which.
	<-o.done
	return o.res, o.err
}

// writer is the single goroutine of this instance that writes. It takes the calls to retry and
// the first waiting call, gathers the others already queued (up to MaxGroup), runs them in one
// transaction and commits once. It ends when the Store closes, after running everything
// submitted before.
func (s *Store) writer() {
	defer close(s.done)
	prune := time.NewTicker(s.opts.PruneEvery)
	defer prune.Stop()
	var retry []*op
	stopping := false
	for {
		group := make([]*op, 0, s.opts.MaxGroup)
		group = append(group, retry...)
		retry = nil
		if len(group) == 0 {
			if stopping {
				return
			}
			select {
			case o := <-s.ops:
				group = append(group, o)
			case <-prune.C:
				group = append(group, &op{ctx: context.Background(), fn: (*wtx).prune, done: make(chan struct{})})
			case <-s.stop:
				stopping = true
				continue
			}
		} else {
			// Calls that met another instance's locks: give that instance a moment.
			time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond))))
		}
	gather:
		for len(group) < s.opts.MaxGroup {
			select {
			case o := <-s.ops:
				group = append(group, o)
			default:
				break gather
			}
		}
		if stopping {
			// Drain what was submitted before Close (submit refuses new calls by now).
			for len(group) < s.opts.MaxGroup && len(s.ops) > 0 {
				group = append(group, <-s.ops)
			}
		}
		retry = s.runGroup(group)
		if !stopping {
			select {
			case <-s.stop:
				stopping = true
			default:
			}
		}
		if stopping && len(retry) == 0 && len(s.ops) == 0 {
			return
		}
	}
}

// retryable reports whether a call that failed with err should run again in a later group: it met
// another instance's work (a lock held too long, a deadlock, a serialization failure, or a key
// another instance committed first).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01", "55P03":
		return true
	case "23505":
		return pe.ConstraintName == "idempotency_pkey" || pe.ConstraintName == "used_tokens_pkey"
	}
	return false
}

// runGroup runs a group of calls in one transaction, each in its own savepoint, and commits once.
// It returns the calls to run again in the next group. A call's own error rolls back its
// savepoint only; a failure of the transaction itself (the connection, the commit) fails every
// call of the group, and the next group starts afresh on a connection from the pool.
func (s *Store) runGroup(group []*op) (retry []*op) {
	ctx := context.Background()
	finished := group[:0:0]
	defer func() {
		for _, o := range finished {
			close(o.done)
		}
	}()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		finished = group
		s.fail(group, fmt.Errorf("ledger: connect: %w", redact(err)))
		return nil
	}
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	now := s.opts.Now()
	var events []ledger.Event
	var revoked []string
	wait := "" // the lock_timeout set in this transaction
	ran := 0
	abort := func(err error) []*op {
		conn.Exec(ctx, "ROLLBACK")
		if isConnErr(err) {
			conn.Conn().Close(ctx)
		}
		finished = group
		s.fail(group, err)
		return nil
	}
	for _, o := range group {
		if err := o.ctx.Err(); err != nil {
			o.err = err
			finished = append(finished, o)
			continue
		}
		// The first call that runs may wait for its locks (it holds none yet); later ones wait
		// briefly, since the group already holds locks another instance may be waiting for.
		want := "5s"
		if ran > 0 {
			want = strconv.FormatInt(s.opts.LockWait.Milliseconds(), 10) + "ms"
		}
		if want != wait {
			b.Queue("SET LOCAL lock_timeout = '" + want + "'")
			wait = want
		}
		ran++
		b.Queue("SAVEPOINT op")
		w := &wtx{s: s, conn: conn, now: now, batch: b}
		o.attempts++
		res, err := o.fn(w)
		if err == nil {
			w.batch.Queue("RELEASE op")
			err = w.flush()
			b = w.batch
		}
		if err != nil {
			b = &pgx.Batch{}
			w.batch.Queue("ROLLBACK TO op")
			w.batch.Queue("RELEASE op")
			if ferr := w.flush(); ferr != nil {
				// The queued statements failed first (they skip the rest): roll back on its own.
				if _, rerr := conn.Exec(ctx, "ROLLBACK TO op"); rerr != nil {
					return abort(fmt.Errorf("ledger: rollback to savepoint: %w (after %w)", rerr, err))
				}
				if _, rerr := conn.Exec(ctx, "RELEASE op"); rerr != nil {
					return abort(fmt.Errorf("ledger: release savepoint: %w (after %w)", rerr, err))
				}
			}
			if isConnErr(err) {
				return abort(err)
			}
			if retryable(err) && o.attempts < s.opts.MaxAttempts {
				retry = append(retry, o)
				continue
			}
			if retryable(err) {
				err = fmt.Errorf("ledger: busy: gave up after %d attempts: %w", o.attempts, err)
			}
			o.res, o.err = nil, err
			finished = append(finished, o)
			continue
		}
		o.res, o.err = res, nil
		finished = append(finished, o)
		events = append(events, w.events...)
		revoked = append(revoked, w.revoked...)
	}
	for _, p := range s.notifications(events, revoked) {
		b.Queue(`SELECT pg_notify($1, $2)`, p[0], p[1])
	}
	b.Queue("COMMIT")
	br := conn.SendBatch(ctx, b)
	if err := br.Close(); err != nil {
		finished = append(finished, retry...) // they would have run in a transaction that is gone
		return abort(fmt.Errorf("ledger: commit: %w", err))
	}
	if len(events) > 0 && s.opts.OnCommit != nil {
		s.opts.OnCommit(events)
	}
	return retry
}

// isConnErr reports whether err leaves the connection unusable (no answer from the server).
func isConnErr(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return false
	}
	return pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "failed to") ||
		strings.Contains(err.Error(), "broken pipe") || strings.Contains(err.Error(), "connection reset")
}

// fail gives every call of a group that cannot commit the same error, except those skipped for
// their context.
func (s *Store) fail(group []*op, err error) {
	for _, o := range group {
		if o.err != nil && o.ctx.Err() != nil && errors.Is(o.err, o.ctx.Err()) {
			continue // skipped before it ran: its caller learns that
		}
		o.res, o.err = nil, err
	}
}

// flush sends the queued statements.
func (w *wtx) flush() error {
	if w.batch.Len() == 0 {
		return nil
	}
	b := w.batch
	w.batch = &pgx.Batch{}
	return w.conn.SendBatch(context.Background(), b).Close()
}

// exec queues a statement whose result the call does not need; an error surfaces at the next
// read or at the end of the call, and fails the call.
func (w *wtx) exec(query string, args ...any) {
	w.batch.Queue(query, args...)
}

// execNow runs a statement now (after the queued ones) and says how many rows it changed.
func (w *wtx) execNow(query string, args ...any) (int64, error) {
	if err := w.flush(); err != nil {
		return 0, err
	}
	tag, err := w.conn.Exec(context.Background(), query, args...)
	return tag.RowsAffected(), err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (w *wtx) queryRow(query string, args ...any) pgx.Row {
	if err := w.flush(); err != nil {
		return errRow{err}
	}
	return w.conn.QueryRow(context.Background(), query, args...)
}

func (w *wtx) query(query string, args ...any) (pgx.Rows, error) {
	if err := w.flush(); err != nil {
		return nil, err
	}
	return w.conn.Query(context.Background(), query, args...)
}

// event appends one event for an account whose seq the caller has just reserved.
func (w *wtx) event(a *acct, seq int64, typ string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("ledger: event data: %w", err)
	}
	w.exec(`INSERT INTO events (account, seq, type, at, data) VALUES ($1, $2, $3, $4, $5)`,
		a.n, seq, typ, w.now.UnixMilli(), string(b))
	w.events = append(w.events, ledger.Event{AccountID: a.id, Seq: seq, Type: typ, At: w.now, Data: b})
	return nil
}

// pruneLock is the advisory lock key of pruning: one instance prunes at a time.
const pruneLock int64 = 0x5379667470726e65

// prune drops events older than EventTTL (remembering, per account, the last seq dropped so a
// resume from before it gets ErrResync) and idempotency keys older than KeyTTL.
func (w *wtx) prune() (any, error) {
	var got bool
	if err := w.queryRow(`SELECT pg_try_advisory_xact_lock($1)`, pruneLock).Scan(&got); err != nil || !got {
		return nil, err
	}
	evCut := w.now.Add(-w.s.opts.EventTTL).UnixMilli()
	w.exec(`UPDATE accounts SET pruned_seq = GREATEST(pruned_seq, (SELECT MAX(seq) FROM events e
		WHERE e.account = accounts.n AND e.at < $1))
		WHERE n IN (SELECT DISTINCT account FROM events WHERE at < $1)`, evCut)
	w.exec(`DELETE FROM events WHERE at < $1`, evCut)
	keyCut := w.now.Add(-w.s.opts.KeyTTL).UnixMilli()
	w.exec(`DELETE FROM idempotency WHERE created_at < $1`, keyCut)
	return nil, nil
}

// Prune runs the pruning now (the writer also runs it every PruneEvery).
func (s *Store) Prune(ctx context.Context) error {
	_, err := s.submit(ctx, (*wtx).prune)
	return err
}
