package postgres

import (
	"context"
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
	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

// op is one call waiting for the writer. fn runs inside a savepoint of the group's transaction;
// done is closed once the group has committed (or failed).
type op struct {
	ctx      context.Context
	fn       func(w *wtx) (any, error)
	locks    *ledgersql.Locks // what fn will lock, locked for the whole group at its start; nil: fn locks its own
	res      any
	err      error
	attempts int
	done     chan struct{}
}

// group is what the calls of one transaction share: the accounts locked for it (updated in place
// as calls post to them) and the kept responses of its keys.
type group struct {
	conn    *pgxpool.Conn
	batch   *pgx.Batch
	careful bool // flush at the end of each call, so a failing statement is the call's own
	failed  bool // a flush failed: in a hurried group it may be an earlier call's statement
	accts   map[string]*acct
	kept    map[string]*ledger.Kept // by account n and key, for the accounts locked for the group
	keys    map[string]bool         // the (account, key) pairs read for the group, by keptKey
	dirty   map[*acct]bool          // accounts posted to: written once, at the commit
	evN     []int64                 // the account row of each event to insert at the commit
	events  []ledger.Event
	txs     []ledgersql.TxRow       // transfers to insert at the commit
	newKept map[string]*ledger.Kept // responses to keep at the commit
}

// wtx is what an op sees of the writing transaction. Statements whose results the call does not
// need (exec) are queued and sent with the next read, or with the commit, so a group of payments
// costs a few round trips, not one per statement.
type wtx struct {
	s       *Store
	g       *group
	now     time.Time
	events  []ledger.Event
	revoked []string
	forgot  []string         // accounts whose password or second factor changed
	locked  map[string]*acct // accounts this call locked itself, by "i:"+id, "e:"+email, "n:"+n
	undo    map[*acct]acct   // the accounts as they were before this call posted to them
	newKept map[string]*ledger.Kept
	expired map[string]bool   // keys whose kept response expired: replaced by this call
	evN     []int64           // the account row of each of events
	txs     []ledgersql.TxRow // transfers this call made
	mark    int               // where this call's statements start in the group's queue
	sp      bool              // the call's savepoint is open (it sent statements before its end)
}

func keptKey(n int64, key string) string { return strconv.FormatInt(n, 10) + "/" + key }

// enqueue hands fn to the writer and waits until its group is durable. l, when not nil, names
// what fn locks (see ledgersql.Locks).
func (s *Store) enqueue(ctx context.Context, l *ledgersql.Locks, fn func(w *wtx) (any, error)) (any, error) {
	o := &op{ctx: ctx, fn: fn, locks: l, done: make(chan struct{})}
	if err := s.calls.Put(ctx, o); err != nil {
		return nil, err
	}
	// Once queued, the call either commits or not, and the caller must learn which.
	<-o.done
	return o.res, o.err
}

// writer is one of the Writers goroutines of this instance that write. It takes the calls to retry and
// the first waiting call, gathers the others already queued (up to MaxGroup), runs them in one
// transaction and commits once. It ends when the Store closes, after running everything
// submitted before.
func (s *Store) writer() {
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
			case o := <-s.calls.C:
				group = append(group, o)
			case <-prune.C:
				group = append(group, &op{ctx: context.Background(), fn: (*wtx).prune, done: make(chan struct{})})
			case <-s.calls.Stop:
				stopping = true
				continue
			}
		} else {
			// Calls that met another instance's locks: give that instance a moment.
			time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond))))
		}
		group = s.calls.Gather(group, s.opts.MaxGroup)
		if stopping {
			// Drain what was submitted before Close (submit refuses new calls by now).
			for len(group) < s.opts.MaxGroup && len(s.calls.C) > 0 {
				group = append(group, <-s.calls.C)
			}
		}
		retry = s.runGroup(group)
		if !stopping {
			select {
			case <-s.calls.Stop:
				stopping = true
			default:
			}
		}
		if stopping && len(retry) == 0 && len(s.calls.C) == 0 {
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
// It returns the calls to run again in the next group.
//
// The transaction begins by locking every account the calls name (one statement) and reading
// their idempotency keys (same round trip); the calls' writes are then queued and sent with the
// commit. Should a queued statement fail (it should not: every check is made before writing),
// the whole transaction is rolled back and the group run again carefully, each call's statements
// sent at its end, so that the failure is the failing call's alone. A call's own error rolls back
// its savepoint only; a failure of the transaction itself (the connection, the commit) fails every
// call of the group, and the next group starts afresh on a connection from the pool.
func (s *Store) runGroup(ops []*op) (retry []*op) {
	retry, again := s.tryGroup(ops, false)
	if again {
		for _, o := range ops {
			o.res, o.err = nil, nil
		}
		retry, _ = s.tryGroup(ops, true)
	}
	return retry
}

func (s *Store) tryGroup(ops []*op, careful bool) (retry []*op, again bool) {
	ctx := context.Background()
	var finished []*op
	defer func() {
		for _, o := range finished {
			close(o.done)
		}
	}()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		finished = ops
		s.fail(ops, fmt.Errorf("ledger: connect: %w", redact(err)))
		return nil, false
	}
	defer conn.Release()
	abort := func(err error) {
		conn.Exec(ctx, "ROLLBACK")
		if isConnErr(err) {
			conn.Conn().Close(ctx)
		}
		finished = ops
		s.fail(ops, err)
	}
	g := &group{conn: conn, batch: &pgx.Batch{}, careful: careful, accts: map[string]*acct{},
		kept: map[string]*ledger.Kept{}, keys: map[string]bool{}, dirty: map[*acct]bool{},
		newKept: map[string]*ledger.Kept{}}
	if err := g.begin(ops, s.opts.LockWait); err != nil {
		if retryable(err) {
			conn.Exec(ctx, "ROLLBACK")
			return ops, false
		}
		abort(fmt.Errorf("ledger: begin: %w", err))
		return nil, false
	}
	now := s.opts.Now()
	var events []ledger.Event
	var revoked, forgot []string
	for _, o := range ops {
		if err := o.ctx.Err(); err != nil {
			o.err = err
			finished = append(finished, o)
			continue
		}
		// The savepoint is opened only if the call sends a statement before it ends (a read):
		// a call that only queues writes is undone by dropping them from the queue.
		w := &wtx{s: s, g: g, now: now, mark: len(g.batch.QueuedQueries)}
		o.attempts++
		res, err := o.fn(w)
		if err == nil && w.sp {
			g.batch.Queue("RELEASE op")
		}
		if err == nil && careful {
			if !w.sp && len(g.batch.QueuedQueries) > w.mark {
				w.openSavepoint()
				g.batch.Queue("RELEASE op")
			}
			err = g.send()
		}
		if err != nil {
			for a, was := range w.undo {
				*a = was
			}
			var ferr error
			if w.sp {
				g.batch.Queue("ROLLBACK TO op")
				g.batch.Queue("RELEASE op")
				ferr = w.flush()
			} else {
				g.batch.QueuedQueries = g.batch.QueuedQueries[:w.mark]
			}
			if !careful && g.failed {
				conn.Exec(ctx, "ROLLBACK")
				return nil, true
			}
			if ferr != nil {
				// The call's queued statements failed first (they skip the rest): roll back on its own.
				if _, rerr := conn.Exec(ctx, "ROLLBACK TO op"); rerr != nil {
					abort(fmt.Errorf("ledger: rollback to savepoint: %w (after %w)", rerr, err))
					return nil, false
				}
				if _, rerr := conn.Exec(ctx, "RELEASE op"); rerr != nil {
					abort(fmt.Errorf("ledger: release savepoint: %w (after %w)", rerr, err))
					return nil, false
				}
			}
			if isConnErr(err) {
				abort(err)
				return nil, false
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
		for k, a := range w.locked {
			g.accts[k] = a
		}
		for k, v := range w.newKept {
			g.kept[k] = v
			g.newKept[k] = v
		}
		g.txs = append(g.txs, w.txs...)
		for a := range w.undo {
			g.dirty[a] = true
		}
		o.res, o.err = res, nil
		finished = append(finished, o)
		events = append(events, w.events...)
		g.evN = append(g.evN, w.evN...)
		revoked = append(revoked, w.revoked...)
		forgot = append(forgot, w.forgot...)
	}
	g.events = events
	g.writeAccounts()
	g.writeTransactions()
	g.writeEvents()
	g.writeKept()
	if notes := s.notifications(events, revoked, forgot); len(notes) > 0 {
		// A commit that notifies takes PostgreSQL's notification queue lock, one commit at a
		// time across instances: wait for it as long as it takes, not LockWait.
		g.batch.Queue("SET LOCAL lock_timeout = 0")
		for _, p := range notes {
			g.batch.Queue(`SELECT pg_notify($1, $2)`, p[0], p[1])
		}
	}
	g.batch.Queue("COMMIT")
	if err := conn.SendBatch(ctx, g.batch).Close(); err != nil {
		var pe *pgconn.PgError
		if !careful && errors.As(err, &pe) {
			conn.Exec(ctx, "ROLLBACK")
			finished = nil
			return nil, true
		}
		if errors.As(err, &pe) && retryable(err) {
			// The server refused the commit and rolled everything back: run the group again.
			conn.Exec(ctx, "ROLLBACK")
			again, gone := retry, finished[:0:0]
			for _, o := range finished {
				if o.ctx.Err() == nil && o.attempts < s.opts.MaxAttempts {
					o.res, o.err = nil, nil
					again = append(again, o)
				} else {
					gone = append(gone, o)
				}
			}
			finished = gone
			s.fail(gone, fmt.Errorf("ledger: commit: %w", err))
			return again, false
		}
		finished = append(finished, retry...) // they would have run in a transaction that is gone
		abort(fmt.Errorf("ledger: commit: %w", err))
		return nil, false
	}
	if len(events) > 0 && s.opts.OnCommit != nil {
		s.opts.OnCommit(events)
	}
	if s.opts.OnGroup != nil {
		s.opts.OnGroup(len(ops) - len(retry))
	}
	return retry, false
}

// begin starts the group's transaction: it locks the accounts its calls name, in account order,
// and reads their idempotency keys, in one round trip. Then lock_timeout becomes wait: a call that
// must lock another row meanwhile waits that long at most for another instance before it is
// retried in the next group (this group holds locks that instance may be waiting for).
func (g *group) begin(ops []*op, wait time.Duration) error {
	var ids, emails, keys []string
	var ns []int64
	var keyIDs, keyEmails []*string // each key's owner, by id or by email
	for _, o := range ops {
		if o.locks == nil || o.ctx.Err() != nil {
			continue
		}
		ids = append(ids, o.locks.IDs...)
		emails = append(emails, o.locks.Emails...)
		ns = append(ns, o.locks.Ns...)
		for _, k := range o.locks.Keys {
			keys = append(keys, k)
			keyIDs, keyEmails = append(keyIDs, nonEmpty(o.locks.OwnerID)), append(keyEmails, nonEmpty(o.locks.OwnerEmail))
		}
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SET LOCAL lock_timeout = '10s'")
	if len(ids)+len(emails)+len(ns) > 0 {
		b.Queue(`SELECT `+ledgersql.AcctCols+` FROM accounts WHERE id = ANY($1) OR email = ANY($2) OR n = ANY($3)
			ORDER BY n FOR UPDATE`, ids, emails, ns).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				a, err := ledgersql.ScanAcct(rows)
				if err != nil {
					return err
				}
				for _, k := range acctKeys(a) {
					g.accts[k] = a
				}
			}
			return rows.Err()
		})
		if len(keys) > 0 {
			b.Queue(keysRead, keyIDs, keyEmails, keys).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					var n, created int64
					var key string
					k := &ledger.Kept{}
					if err := rows.Scan(&n, &key, &k.Fingerprint, &k.Response, &created); err != nil {
						return err
					}
					k.CreatedAt = time.UnixMilli(created)
					g.kept[keptKey(n, key)] = k
				}
				return rows.Err()
			})
		}
	}
	b.Queue("SET LOCAL lock_timeout = '" + strconv.FormatInt(wait.Milliseconds(), 10) + "ms'")
	if err := g.conn.SendBatch(context.Background(), b).Close(); err != nil {
		return err
	}
	for i, k := range keys {
		// The pairs read, for the owners the group locked: a pair not kept is not in the table.
		a, ok := g.accts["i:"+deref(keyIDs[i])]
		if !ok {
			a, ok = g.accts["e:"+deref(keyEmails[i])]
		}
		if ok {
			g.keys[keptKey(a.N, k)] = true
		}
	}
	return nil
}

// keysRead reads the kept responses of a group's idempotency keys, given as (owner id, owner
// email, key) arrays. Each pair is one probe of the primary key, whatever the table's size or
// statistics: the lateral subqueries (OFFSET 0 keeps them apart) leave the planner no join to
// choose, where "account IN (…) AND key = ANY(…)" probed every key for every account of the
// group, or scanned the whole table while it had no statistics.
const keysRead = `SELECT i.account, i.key, i.fingerprint, i.response, i.created_at
	FROM unnest($1::text[], $2::text[], $3::text[]) AS p(id, email, key)
	CROSS JOIN LATERAL (SELECT n FROM accounts WHERE id = p.id OR email = p.email OFFSET 0) a
	CROSS JOIN LATERAL (SELECT * FROM idempotency WHERE account = a.n AND key = p.key OFFSET 0) i`

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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
	if s.opts.OnError != nil {
		s.opts.OnError()
	}
	for _, o := range group {
		if o.err != nil && o.ctx.Err() != nil && errors.Is(o.err, o.ctx.Err()) {
			continue // skipped before it ran: its caller learns that
		}
		o.res, o.err = nil, err
	}
}

// flush sends the queued statements, the call's savepoint first: the call is about to read.
func (w *wtx) flush() error {
	if !w.sp {
		w.openSavepoint()
	}
	return w.g.send()
}

// send sends the queued statements.
func (g *group) send() error {
	if g.batch.Len() == 0 {
		return nil
	}
	b := g.batch
	g.batch = &pgx.Batch{}
	err := g.conn.SendBatch(context.Background(), b).Close()
	if err != nil {
		g.failed = true
	}
	return err
}

// openSavepoint opens the call's savepoint before the statements it queued so far.
func (w *wtx) openSavepoint() {
	q := w.g.batch.QueuedQueries
	sp := &pgx.QueuedQuery{SQL: "SAVEPOINT op"}
	q = append(q, nil)
	copy(q[w.mark+1:], q[w.mark:])
	q[w.mark] = sp
	w.g.batch.QueuedQueries = q
	w.sp = true
}

// writeAccounts queues one statement that writes the balances, held amounts and last seqs of
// every account the group's calls posted to (their rows are locked by the group).
func (g *group) writeAccounts() {
	if len(g.dirty) == 0 {
		return
	}
	var ns, bal, held, seq []int64
	for a := range g.dirty {
		ns, bal, held, seq = append(ns, a.N), append(bal, a.Balance), append(held, a.Held), append(seq, a.LastSeq)
	}
	g.batch.Queue(`UPDATE accounts a SET balance = v.balance, held = v.held, last_seq = v.last_seq
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(n, balance, held, last_seq)
		WHERE a.n = v.n`, ns, bal, held, seq)
}

// writeTransactions queues one statement that inserts the group's transfers and their party rows.
func (g *group) writeTransactions() {
	if len(g.txs) == 0 {
		return
	}
	n := len(g.txs)
	ids, status, createdBy := make([]string, n), make([]string, n), make([]string, n)
	senders, recipients, amounts, created := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	resolvedBy, appName, appEp, memo, md := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	resolvedAt, keys := make([]*int64, n), make([]*string, n)
	for i := range g.txs {
		t := &g.txs[i] // NULL for a zero ResolvedBy, ResolvedAt, Metadata, APIKey: pointers into g.txs
		ids[i], senders[i], recipients[i], amounts[i], status[i], createdBy[i] = t.ID, t.Sender, t.Recipient, t.Amount, t.Status, t.CreatedBy
		created[i], appName[i], appEp[i], memo[i] = t.CreatedAt, t.AppName, t.AppEpPath, t.Memo
		if t.ResolvedAt != 0 {
			resolvedBy[i], resolvedAt[i] = &t.ResolvedBy, &t.ResolvedAt
		}
		if t.Metadata != "" {
			md[i] = &t.Metadata
		}
		if t.APIKey != "" {
			keys[i] = &t.APIKey
		}
	}
	g.batch.Queue(`WITH t AS (INSERT INTO transactions (id, sender, recipient, amount, status, created_by,
		resolved_by, created_at, resolved_at, app_name, app_ep_path, memo, metadata, api_key)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
			$7::text[], $8::bigint[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
		RETURNING n, sender, recipient)
		INSERT INTO parties (account, tx, outgoing, counterparty)
		SELECT sender, n, TRUE, recipient FROM t UNION ALL SELECT recipient, n, FALSE, sender FROM t`,
		ids, senders, recipients, amounts, status, createdBy, resolvedBy, created, resolvedAt, appName, appEp, memo, md, keys)
}

// writeKept queues one statement that keeps the responses of the group's idempotency keys.
func (g *group) writeKept() {
	if len(g.newKept) == 0 {
		return
	}
	var accounts, created []int64
	var keys []string
	var fps, responses [][]byte
	for k, v := range g.newKept {
		nStr, key, _ := strings.Cut(k, "/")
		n, _ := strconv.ParseInt(nStr, 10, 64)
		accounts, keys, fps = append(accounts, n), append(keys, key), append(fps, v.Fingerprint)
		responses, created = append(responses, v.Response), append(created, v.CreatedAt.UnixMilli())
	}
	g.batch.Queue(`INSERT INTO idempotency (account, key, fingerprint, response, created_at)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::bytea[], $5::bigint[])`,
		accounts, keys, fps, responses, created)
}

// writeEvents queues one statement that appends every event of the group to the outbox.
func (g *group) writeEvents() {
	if len(g.events) == 0 {
		return
	}
	seqs, types, ats, data := make([]int64, len(g.events)), make([]string, len(g.events)),
		make([]int64, len(g.events)), make([]string, len(g.events))
	for i, e := range g.events {
		seqs[i], types[i], ats[i], data[i] = e.Seq, e.Type, e.At.UnixMilli(), string(e.Data)
	}
	g.batch.Queue(`INSERT INTO events (account, seq, type, at, data)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])`,
		g.evN, seqs, types, ats, data)
}

// exec queues a statement whose result the call does not need; an error surfaces at the next
// read or at the end of the call, and fails the call.
func (w *wtx) exec(query string, args ...any) {
	w.g.batch.Queue(query, args...)
}

// execNow runs a statement now (after the queued ones) and says how many rows it changed.
func (w *wtx) execNow(query string, args ...any) (int64, error) {
	if err := w.flush(); err != nil {
		return 0, err
	}
	tag, err := w.g.conn.Exec(context.Background(), query, args...)
	return tag.RowsAffected(), err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (w *wtx) queryRow(query string, args ...any) pgx.Row {
	if err := w.flush(); err != nil {
		return errRow{err}
	}
	return w.g.conn.QueryRow(context.Background(), query, args...)
}

func (w *wtx) query(query string, args ...any) (pgx.Rows, error) {
	if err := w.flush(); err != nil {
		return nil, err
	}
	return w.g.conn.Query(context.Background(), query, args...)
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
	return nil, ledgersql.PruneTokens(w, evCut)
}

// Prune runs the pruning now (the writer also runs it every PruneEvery).
func (s *Store) Prune(ctx context.Context) error {
	_, err := s.enqueue(ctx, nil, (*wtx).prune)
	return err
}
