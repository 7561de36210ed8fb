package postgres

import (
	"fmt"
	"strconv"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

// The writer's side of the money calls (ledgersql's rules, Tx): accounts locked for the call or
// the group, postings made in memory and written with the group's commit, kept responses read
// with the group's locks.

// acct is the writer's view of an account row, read under its row lock.
type acct = ledgersql.Acct

// acctKeys are the names the caches know the account by.
func acctKeys(a *acct) []string {
	return []string{"i:" + a.ID, "e:" + a.Email, "n:" + strconv.FormatInt(a.N, 10)}
}

func (w *wtx) remember(a *acct) {
	if w.locked == nil {
		w.locked = map[string]*acct{}
	}
	for _, k := range acctKeys(a) {
		w.locked[k] = a
	}
}

func (w *wtx) cached(key string) (*acct, bool) {
	if a, ok := w.g.accts[key]; ok {
		return a, true
	}
	a, ok := w.locked[key]
	return a, ok
}

// lockAccounts locks, in account order (so that two calls never wait on each other in a cycle),
// every existing account named by ids, emails or row numbers that the group or the call has not
// locked already, and remembers them for this call.
func (w *wtx) lockAccounts(ids, emails []string, ns []int64) error {
	var li, le []string
	var ln []int64
	for _, id := range ids {
		if _, ok := w.cached("i:" + id); !ok {
			li = append(li, id)
		}
	}
	for _, e := range emails {
		if _, ok := w.cached("e:" + e); !ok {
			le = append(le, e)
		}
	}
	for _, n := range ns {
		if _, ok := w.cached("n:" + strconv.FormatInt(n, 10)); !ok {
			ln = append(ln, n)
		}
	}
	if len(li)+len(le)+len(ln) == 0 {
		return nil
	}
	rows, err := w.query(`SELECT `+ledgersql.AcctCols+` FROM accounts WHERE id = ANY($1) OR email = ANY($2) OR n = ANY($3)
		ORDER BY n FOR UPDATE`, li, le, ln)
	if err != nil {
		return fmt.Errorf("ledger: lock accounts: %w", err)
	}
	defer rows.Close()
	var got []*acct
	for rows.Next() {
		a, err := ledgersql.ScanAcct(rows)
		if err != nil {
			return err
		}
		got = append(got, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger: lock accounts: %w", err)
	}
	for _, a := range got {
		if _, ok := w.cached("n:" + strconv.FormatInt(a.N, 10)); !ok {
			w.remember(a)
		}
	}
	return nil
}

func (w *wtx) acctBy(key, where string, arg any) (*acct, error) {
	if a, ok := w.cached(key); ok {
		return a, nil
	}
	a, err := ledgersql.ScanAcct(w.queryRow(`SELECT `+ledgersql.AcctCols+` FROM accounts WHERE `+where+` = $1 FOR UPDATE`, arg))
	if err == nil {
		w.remember(a)
	}
	return a, err
}

func (w *wtx) AccountByEmail(email string) (*acct, error) {
	return w.acctBy("e:"+email, "email", email)
}
func (w *wtx) AccountByID(id string) (*acct, error) { return w.acctBy("i:"+id, "id", id) }
func (w *wtx) AccountByN(n int64) (*acct, error) {
	return w.acctBy("n:"+strconv.FormatInt(n, 10), "n", n)
}

// Lock is lockAccounts: it locks.
func (w *wtx) Lock(ids, emails []string, ns []int64) (bool, error) {
	return true, w.lockAccounts(ids, emails, ns)
}

// Remember makes an account the call created known to the call's lookups (and the group's, once
// the call succeeds).
func (w *wtx) Remember(a *acct) { w.remember(a) }

// Move changes a locked account in memory: the group writes its row at the commit
// (group.writeAccounts). The seqs follow the account's last_seq, read under the lock.
func (w *wtx) Move(a *acct, dBalance, dHeld, seqs int64) error {
	if w.undo == nil {
		w.undo = map[*acct]acct{}
	}
	if _, ok := w.undo[a]; !ok {
		w.undo[a] = *a
	}
	a.Balance += dBalance
	a.Held += dHeld
	a.LastSeq += seqs
	return nil
}

// Event keeps e for the group's commit (group.writeEvents).
func (w *wtx) Event(a *acct, e ledger.Event) error {
	w.events = append(w.events, e)
	w.evN = append(w.evN, a.N)
	return nil
}

// Insert keeps the transfer for the group's commit (group.writeTransactions).
func (w *wtx) Insert(t ledgersql.TxRow) error {
	w.txs = append(w.txs, t)
	return nil
}

func (w *wtx) Kept(account int64, key string) (*ledger.Kept, error) {
	if k, ok := w.newKept[keptKey(account, key)]; ok {
		return k, nil
	}
	if k, ok := w.g.kept[keptKey(account, key)]; ok {
		if w.now.Sub(k.CreatedAt) > w.s.opts.KeyTTL {
			w.expire(account, key)
			return nil, nil
		}
		return k, nil
	}
	if w.g.keys[keptKey(account, key)] {
		return nil, nil // read with the group's locks: not kept
	}
	k, expired, err := ledgersql.ReadKept(w, account, key, w.s.opts.KeyTTL)
	if expired {
		w.expire(account, key) // the key may be used again
	}
	return k, err
}

// expire marks a key whose kept response expired: Keep replaces it.
func (w *wtx) expire(account int64, key string) {
	if w.expired == nil {
		w.expired = map[string]bool{}
	}
	w.expired[keptKey(account, key)] = true
}

// Keep records the response for a key (replacing an expired one). A key another instance
// committed meanwhile fails the insert on the primary key, and the call is retried: it replays.
func (w *wtx) Keep(account int64, key string, k ledger.Kept) error {
	if w.expired[keptKey(account, key)] {
		w.exec(`DELETE FROM idempotency WHERE account = $1 AND key = $2 AND created_at < $3`,
			account, key, w.now.Add(-w.s.opts.KeyTTL).UnixMilli())
	}
	// Written with the group's other keys at the commit (group.writeKept).
	if w.newKept == nil {
		w.newKept = map[string]*ledger.Kept{}
	}
	w.newKept[keptKey(account, key)] = &k
	return nil
}
