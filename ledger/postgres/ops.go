package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// acct is the writer's view of an account row, read under its row lock.
type acct struct {
	n       int64
	id      string
	email   string
	balance int64
	held    int64
	system  bool
	lastSeq int64
}

func (a *acct) available() int64 { return a.balance - a.held }

const acctCols = `n, id, email, balance, held, system, last_seq`

func scanAcct(row pgx.Row) (*acct, error) {
	var a acct
	if err := row.Scan(&a.n, &a.id, &a.email, &a.balance, &a.held, &a.system, &a.lastSeq); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ledger.ErrNotFound
		}
		return nil, fmt.Errorf("ledger: read account: %w", err)
	}
	return &a, nil
}

// keys are the names the caches know the account by.
func (a *acct) keys() []string {
	return []string{"i:" + a.id, "e:" + a.email, "n:" + strconv.FormatInt(a.n, 10)}
}

func (w *wtx) remember(a *acct) {
	if w.locked == nil {
		w.locked = map[string]*acct{}
	}
	for _, k := range a.keys() {
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
	rows, err := w.query(`SELECT `+acctCols+` FROM accounts WHERE id = ANY($1) OR email = ANY($2) OR n = ANY($3)
		ORDER BY n FOR UPDATE`, li, le, ln)
	if err != nil {
		return fmt.Errorf("ledger: lock accounts: %w", err)
	}
	defer rows.Close()
	var got []*acct
	for rows.Next() {
		a, err := scanAcct(rows)
		if err != nil {
			return err
		}
		got = append(got, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger: lock accounts: %w", err)
	}
	for _, a := range got {
		if _, ok := w.cached("n:" + strconv.FormatInt(a.n, 10)); !ok {
			w.remember(a)
		}
	}
	return nil
}

func (w *wtx) acctBy(key, where string, arg any) (*acct, error) {
	if a, ok := w.cached(key); ok {
		return a, nil
	}
	a, err := scanAcct(w.queryRow(`SELECT `+acctCols+` FROM accounts WHERE `+where+` = $1 FOR UPDATE`, arg))
	if err == nil {
		w.remember(a)
	}
	return a, err
}

func (w *wtx) acctByEmail(email string) (*acct, error) { return w.acctBy("e:"+email, "email", email) }
func (w *wtx) acctByID(id string) (*acct, error)       { return w.acctBy("i:"+id, "id", id) }
func (w *wtx) acctByN(n int64) (*acct, error) {
	return w.acctBy("n:"+strconv.FormatInt(n, 10), "n", n)
}

// recipient finds a payee: a person's account, never the system account, never the sender.
func (w *wtx) recipient(email string, sender *acct) (*acct, error) {
	r, err := w.acctByEmail(email)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && r.system) {
		return nil, ledger.ErrUnknownRecipient
	}
	if err != nil {
		return nil, err
	}
	if r.n == sender.n {
		return nil, ledger.ErrSelfPayment
	}
	return r, nil
}

// post changes a locked account's balance and held amount and appends its events: each of evs,
// then balance.updated when money moved (the system account gets no events). The seqs follow the
// account's last_seq, read under the lock.
func (w *wtx) post(a *acct, dBalance, dHeld int64, evs ...evSpec) error {
	count := int64(len(evs))
	if a.system {
		count = 0
	} else if dBalance != 0 || dHeld != 0 {
		count++
	}
	if dBalance > 0 && a.balance > math.MaxInt64-dBalance || dBalance < 0 && a.balance < math.MinInt64-dBalance {
		return ledger.ErrBalanceLimit
	}
	if w.undo == nil {
		w.undo = map[*acct]acct{}
	}
	if _, ok := w.undo[a]; !ok {
		w.undo[a] = *a
	}
	a.balance += dBalance
	a.held += dHeld
	seq := a.lastSeq
	a.lastSeq += count // the row is written at the commit (group.writeAccounts)
	if a.system {
		return nil
	}
	for _, e := range evs {
		seq++
		if err := w.event(a, seq, e.typ, e.data); err != nil {
			return err
		}
	}
	if dBalance != 0 || dHeld != 0 {
		seq++
		return w.event(a, seq, api.EventBalanceUpdated,
			api.Balance{Balance: money.Micros(a.balance), AvailableBalance: money.Micros(a.available())})
	}
	return nil
}

type evSpec struct {
	typ  string
	data any
}

// movement is a transfer about to be written.
type movement struct {
	from, to   *acct
	amount     int64
	status     string
	createdBy  string
	resolvedBy string
	memo       *string
	metadata   map[string]string
	appName    *string
	appEpPath  *string
	apiKey     string // the API key it is made with ("" for none)
}

// write inserts a transfer, its two party rows, and posts it to both accounts with their events.
func (w *wtx) write(m movement) (ledger.Transaction, error) {
	tx, err := w.record(m)
	if err != nil {
		return tx, err
	}
	cur := w.s.opts.Currency
	out, in := tx.API(m.from.id, cur), tx.API(m.to.id, cur)
	switch m.status {
	case api.StatusCompleted:
		if err := w.post(m.from, -m.amount, 0, evSpec{api.EventPaymentSent, out}); err != nil {
			return tx, err
		}
		return tx, w.post(m.to, m.amount, 0, evSpec{api.EventPaymentReceived, in})
	case api.StatusPending:
		if err := w.post(m.from, 0, m.amount, evSpec{api.EventTransactionPending, out}); err != nil {
			return tx, err
		}
		return tx, w.post(m.to, 0, 0, evSpec{api.EventTransactionPending, in})
	}
	return tx, fmt.Errorf("ledger: cannot write a %s transfer", m.status)
}

// record inserts a transfer and its two party rows; posting to the accounts is the caller's.
func (w *wtx) record(m movement) (ledger.Transaction, error) {
	tx := ledger.Transaction{
		ID: newID(), SenderID: m.from.id, RecipientID: m.to.id, SenderEmail: m.from.email,
		RecipientEmail: m.to.email, Amount: money.Micros(m.amount), Status: m.status,
		CreatedBy: m.createdBy, ResolvedBy: m.resolvedBy, CreatedAt: w.now, AppName: m.appName,
		AppEpPath: m.appEpPath, Memo: m.memo, Metadata: m.metadata, APIKeyID: m.apiKey,
	}
	var resolvedAt *int64
	var resolvedBy *string
	if m.status != api.StatusPending {
		tx.ResolvedAt = w.now
		at, by := w.now.UnixMilli(), m.resolvedBy
		resolvedAt, resolvedBy = &at, &by
	}
	var md *string
	if len(m.metadata) > 0 {
		b, err := json.Marshal(m.metadata)
		if err != nil {
			return tx, err
		}
		s := string(b)
		md = &s
	}
	w.txs = append(w.txs, txRow{id: tx.ID, sender: m.from.n, recipient: m.to.n, amount: m.amount, status: m.status,
		createdBy: m.createdBy, resolvedBy: resolvedBy, createdAt: w.now.UnixMilli(), resolvedAt: resolvedAt,
		appName: m.appName, appEpPath: m.appEpPath, memo: m.memo, metadata: md, apiKey: nonEmpty(m.apiKey)})
	return tx, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// who names the caller of a money-moving call, the owner of its idempotency key.
type who struct{ id, email string }

// moneyOp runs body under the idempotency rules of ledger.Idempotency. The caller's account and
// the others named (emails) are locked first, together and in account order.
func (s *Store) moneyOp(ctx context.Context, caller who, idem *ledger.Idempotency, emails []string,
	body func(w *wtx, caller *acct) ([]ledger.Transaction, error)) (ledger.Receipt, error) {
	var ids []string
	if caller.id != "" {
		ids = []string{caller.id}
	} else {
		emails = append([]string{caller.email}, emails...)
	}
	l := &locks{ids: ids, emails: emails, owner: caller}
	if idem != nil {
		l.keys = []string{idem.Key}
	}
	o, err := submitLocking(s, ctx, l, func(w *wtx) (outcome, error) {
		if err := w.lockAccounts(ids, emails, nil); err != nil {
			return outcome{}, err
		}
		var c *acct
		var err error
		if caller.id != "" {
			c, err = w.acctByID(caller.id)
		} else {
			c, err = w.acctByEmail(caller.email)
		}
		if err != nil {
			return outcome{}, err
		}
		if idem != nil {
			kept, err := w.kept(c.n, idem.Key)
			if err != nil {
				return outcome{}, err
			}
			if kept != nil {
				if !bytes.Equal(kept.Fingerprint, idem.Fingerprint) {
					return outcome{}, ledger.ErrKeyReused
				}
				return outcome{ledger.Receipt{Replayed: true, Kept: kept.Response}, nil}, nil
			}
		}
		txs, berr := body(w, c)
		if berr != nil {
			if idem == nil || !errors.Is(berr, ledger.ErrInsufficientFunds) {
				return outcome{}, berr
			}
			// A business refusal after the call started is kept, as Stripe keeps a decline.
			// Every body refuses before it writes anything, so the call holds only its locks.
			kept := idem.Keep(nil, berr)
			w.keep(c.n, idem, kept)
			return outcome{ledger.Receipt{Kept: kept}, berr}, nil
		}
		r := ledger.Receipt{Transactions: txs}
		if idem != nil {
			r.Kept = idem.Keep(txs, nil)
			w.keep(c.n, idem, r.Kept)
		}
		return outcome{r, nil}, nil
	})
	if err != nil {
		return ledger.Receipt{}, err
	}
	return o.r, o.refused
}

// outcome is what moneyOp's call returns through the writer: the receipt, and the business
// refusal it keeps for the key (returned to the caller as the call's error once committed).
type outcome struct {
	r       ledger.Receipt
	refused error
}

func (w *wtx) kept(account int64, key string) (*ledger.Kept, error) {
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
	var k ledger.Kept
	var created int64
	err := w.queryRow(`SELECT fingerprint, response, created_at FROM idempotency WHERE account = $1 AND key = $2`,
		account, key).Scan(&k.Fingerprint, &k.Response, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read idempotency key: %w", err)
	}
	if w.now.Sub(time.UnixMilli(created)) > w.s.opts.KeyTTL {
		w.expire(account, key)
		return nil, nil // expired: the key may be used again
	}
	k.CreatedAt = time.UnixMilli(created)
	return &k, nil
}

// keep records the response for a key (replacing an expired one). A key another instance
// committed meanwhile fails the insert on the primary key, and the call is retried: it replays.
func (w *wtx) expire(account int64, key string) {
	if w.expired == nil {
		w.expired = map[string]bool{}
	}
	w.expired[keptKey(account, key)] = true
}

func (w *wtx) keep(account int64, idem *ledger.Idempotency, response []byte) {
	if w.expired[keptKey(account, idem.Key)] {
		w.exec(`DELETE FROM idempotency WHERE account = $1 AND key = $2 AND created_at < $3`,
			account, idem.Key, w.now.Add(-w.s.opts.KeyTTL).UnixMilli())
	}
	// Written with the group's other keys at the commit (group.writeKept).
	if w.newKept == nil {
		w.newKept = map[string]*ledger.Kept{}
	}
	w.newKept[keptKey(account, idem.Key)] = &ledger.Kept{Fingerprint: idem.Fingerprint, Response: response, CreatedAt: w.now}
}

// Pay implements ledger.Ledger.
func (s *Store) Pay(ctx context.Context, p ledger.Payment) (ledger.Receipt, error) {
	return s.moneyOp(ctx, who{id: p.SenderID}, p.Idem, []string{p.RecipientEmail}, func(w *wtx, from *acct) ([]ledger.Transaction, error) {
		to, err := w.recipient(p.RecipientEmail, from)
		if err != nil {
			return nil, err
		}
		key, err := w.apiKey(p.APIKeyID, from)
		if err != nil {
			return nil, err
		}
		if err := key.fits(0, int64(p.Amount)); err != nil {
			return nil, err
		}
		if from.available() < int64(p.Amount) {
			return nil, &ledger.InsufficientFunds{Available: money.Micros(from.available()), Needed: p.Amount}
		}
		tx, err := w.write(movement{from: from, to: to, amount: int64(p.Amount), status: api.StatusCompleted,
			createdBy: api.PartySender, resolvedBy: api.PartySender, memo: p.Memo, metadata: p.Metadata,
			apiKey: p.APIKeyID})
		if err != nil {
			return nil, err
		}
		return []ledger.Transaction{tx}, w.spend(key, int64(p.Amount))
	})
}

// PayBatch implements ledger.Ledger: every item is checked before any is written, and each
// account is posted once for the whole batch (its payment events in item order, then one
// balance.updated).
func (s *Store) PayBatch(ctx context.Context, b ledger.Batch) (ledger.Receipt, error) {
	emails := make([]string, 0, len(b.Items))
	for _, it := range b.Items {
		emails = append(emails, it.RecipientEmail)
	}
	return s.moneyOp(ctx, who{id: b.SenderID}, b.Idem, emails, func(w *wtx, from *acct) ([]ledger.Transaction, error) {
		key, err := w.apiKey(b.APIKeyID, from)
		if err != nil {
			return nil, err
		}
		tos := make([]*acct, len(b.Items))
		var total int64
		for i, it := range b.Items {
			to, err := w.recipient(it.RecipientEmail, from)
			if err != nil {
				return nil, &ledger.ItemError{Index: i, Err: err}
			}
			tos[i] = to
			if err := key.fits(total, int64(it.Amount)); err != nil {
				return nil, &ledger.ItemError{Index: i, Err: err}
			}
			// Compare before adding: 100 items of the largest amount add up past int64.
			if int64(it.Amount) > from.available()-total {
				return nil, &ledger.ItemError{Index: i, Err: &ledger.InsufficientFunds{
					Available: money.Micros(from.available()), Needed: needed(total, int64(it.Amount))}}
			}
			total += int64(it.Amount)
		}
		type credit struct {
			to     *acct
			amount int64
			evs    []evSpec
		}
		var credits []*credit
		byAcct := map[*acct]*credit{}
		txs := make([]ledger.Transaction, 0, len(b.Items))
		sent := make([]evSpec, 0, len(b.Items))
		cur := s.opts.Currency
		for i, it := range b.Items {
			tx, err := w.record(movement{from: from, to: tos[i], amount: int64(it.Amount), status: api.StatusCompleted,
				createdBy: api.PartySender, resolvedBy: api.PartySender, memo: it.Memo, metadata: it.Metadata,
				apiKey: b.APIKeyID})
			if err != nil {
				return nil, err
			}
			c := byAcct[tos[i]]
			if c == nil {
				c = &credit{to: tos[i]}
				byAcct[tos[i]] = c
				credits = append(credits, c)
			}
			c.amount += int64(it.Amount)
			c.evs = append(c.evs, evSpec{api.EventPaymentReceived, tx.API(tos[i].id, cur)})
			sent = append(sent, evSpec{api.EventPaymentSent, tx.API(from.id, cur)})
			txs = append(txs, tx)
		}
		if err := w.post(from, -total, 0, sent...); err != nil {
			return nil, err
		}
		for _, c := range credits {
			if err := w.post(c.to, c.amount, 0, c.evs...); err != nil {
				return nil, err
			}
		}
		return txs, w.spend(key, total)
	})
}

// needed is total+amount (both at least zero), saturating at the largest int64.
func needed(total, amount int64) money.Micros {
	if total > math.MaxInt64-amount {
		return math.MaxInt64
	}
	return money.Micros(total + amount)
}

// Hold implements ledger.Ledger.
func (s *Store) Hold(ctx context.Context, h ledger.Hold) (ledger.Receipt, error) {
	caller := who{email: h.SenderEmail}
	if h.CreatedBy == api.PartyRecipient {
		caller = who{email: h.RecipientEmail}
	}
	return s.moneyOp(ctx, caller, h.Idem, []string{h.SenderEmail, h.RecipientEmail}, func(w *wtx, c *acct) ([]ledger.Transaction, error) {
		from, err := w.acctByEmail(h.SenderEmail)
		if errors.Is(err, ledger.ErrNotFound) || (err == nil && from.system) {
			return nil, ledger.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		to, err := w.recipient(h.RecipientEmail, from)
		if err != nil {
			return nil, err
		}
		if h.Amount < 0 || h.Amount == 0 && h.CreatedBy != api.PartyRecipient {
			return nil, fmt.Errorf("ledger: hold of %s: only a delegated hold may be zero", h.Amount)
		}
		// The token's state and limits (tokens.go), checked before anything is written.
		tok, err := w.checkToken(h, from, to)
		if err != nil {
			return nil, err
		}
		// The key is the caller's: its spend limit counts only money leaving its own account.
		key, err := w.apiKey(h.APIKeyID, c)
		if err != nil {
			return nil, err
		}
		if c.n != from.n {
			key = key.recordOnly()
		}
		if err := key.fits(0, int64(h.Amount)); err != nil {
			return nil, err
		}
		// Funds next: a refused hold (kept under an idempotency key) must not spend its token.
		if from.available() < int64(h.Amount) {
			return nil, &ledger.InsufficientFunds{Available: money.Micros(from.available()), Needed: h.Amount}
		}
		if h.CreatedBy == api.PartyRecipient && tok == nil {
			if err := w.spendLegacyToken(h.TokenID); err != nil {
				return nil, err
			}
		}
		tx, err := w.write(movement{from: from, to: to, amount: int64(h.Amount), status: api.StatusPending,
			createdBy: h.CreatedBy, appName: h.AppName, appEpPath: h.AppEpPath, apiKey: h.APIKeyID})
		if err != nil {
			return nil, err
		}
		if tok != nil {
			if err := w.countToken(tok, tx, from); err != nil {
				return nil, err
			}
		}
		return []ledger.Transaction{tx}, w.spend(key, int64(h.Amount))
	})
}

// Resolve implements ledger.Ledger.
func (s *Store) Resolve(ctx context.Context, r ledger.Resolution) (ledger.Transaction, error) {
	res, err := submit(s, ctx, func(w *wtx) (ledger.Transaction, error) {
		tx, sn, rn, err := w.transaction(r.TransactionID)
		if err != nil {
			return ledger.Transaction{}, err
		}
		if err := w.lockAccounts([]string{r.ActorID}, nil, []int64{sn, rn}); err != nil {
			return ledger.Transaction{}, err
		}
		// Read again under the parties' locks: another instance may have resolved it meanwhile.
		if tx, sn, rn, err = w.transaction(r.TransactionID); err != nil {
			return ledger.Transaction{}, err
		}
		actor, err := w.acctByID(r.ActorID)
		if err != nil {
			return ledger.Transaction{}, err
		}
		by := ""
		switch actor.n {
		case sn:
			by = api.PartySender
		case rn:
			by = api.PartyRecipient
		default:
			return ledger.Transaction{}, ledger.ErrNotFound // a stranger may not learn it exists
		}
		if tx.Status != api.StatusPending {
			return ledger.Transaction{}, ledger.ErrConflict
		}
		status := api.StatusCancelled
		if r.Confirm {
			status = api.StatusCompleted
		}
		w.exec(`UPDATE transactions SET status = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4`,
			status, by, w.now.UnixMilli(), tx.ID)
		tx.Status, tx.ResolvedBy, tx.ResolvedAt = status, by, w.now
		if !r.Confirm && tx.APIKeyID != "" && tx.CreatedBy == api.PartySender {
			if err := w.giveBack(tx); err != nil {
				return ledger.Transaction{}, err
			}
		}
		if !r.Confirm {
			w.giveBackToToken(tx)
		}
		from, err := w.acctByN(sn)
		if err != nil {
			return ledger.Transaction{}, err
		}
		to, err := w.acctByN(rn)
		if err != nil {
			return ledger.Transaction{}, err
		}
		cur, amt := s.opts.Currency, int64(tx.Amount)
		typ := api.EventTransactionCancelled
		if r.Confirm {
			typ = api.EventTransactionCompleted
			if err := w.post(from, -amt, -amt, evSpec{typ, tx.API(from.id, cur)}); err != nil {
				return ledger.Transaction{}, err
			}
			return tx, w.post(to, amt, 0, evSpec{typ, tx.API(to.id, cur)})
		}
		if err := w.post(from, 0, -amt, evSpec{typ, tx.API(from.id, cur)}); err != nil {
			return ledger.Transaction{}, err
		}
		return tx, w.post(to, 0, 0, evSpec{typ, tx.API(to.id, cur)})
	})
	if err != nil {
		return ledger.Transaction{}, err
	}
	return res, nil
}

// credit moves money from the system account to a person's account.
func (w *wtx) credit(to *acct, amount money.Micros) (ledger.Transaction, error) {
	sys, err := w.acctByN(w.s.system)
	if err != nil {
		return ledger.Transaction{}, err
	}
	return w.write(movement{from: sys, to: to, amount: int64(amount), status: api.StatusCompleted,
		createdBy: api.PartySystem, resolvedBy: api.PartySystem})
}

// Credit implements ledger.Ledger.
func (s *Store) Credit(ctx context.Context, c ledger.Credit) (ledger.Account, ledger.Transaction, error) {
	l := &locks{emails: []string{c.RecipientEmail}, ns: []int64{s.system}}
	res, err := submitLocking(s, ctx, l, func(w *wtx) (ledger.Transaction, error) {
		if err := w.lockAccounts(nil, []string{c.RecipientEmail}, []int64{s.system}); err != nil {
			return ledger.Transaction{}, err
		}
		to, err := w.acctByEmail(c.RecipientEmail)
		if errors.Is(err, ledger.ErrNotFound) || (err == nil && to.system) {
			return ledger.Transaction{}, ledger.ErrUnknownRecipient
		}
		if err != nil {
			return ledger.Transaction{}, err
		}
		return w.credit(to, c.Amount)
	})
	if err != nil {
		return ledger.Account{}, ledger.Transaction{}, err
	}
	tx := res
	a, err := s.AccountByEmail(ctx, c.RecipientEmail)
	return a, tx, err
}

// CreateAccount implements ledger.Ledger.
func (s *Store) CreateAccount(ctx context.Context, na ledger.NewAccount) (ledger.Account, error) {
	res, err := submit(s, ctx, func(w *wtx) (string, error) {
		id := newID()
		var n int64
		err := w.queryRow(`INSERT INTO accounts (id, email, password_hash, organization, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING n`, id, na.Email, na.PasswordHash,
			na.Organization, w.now.UnixMilli()).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return "", ledger.ErrAccountExists
		}
		if err != nil {
			return "", fmt.Errorf("ledger: create account: %w", err)
		}
		if na.WelcomeCredit > 0 {
			a := &acct{n: n, id: id, email: na.Email}
			w.remember(a)
			if _, err := w.credit(a, na.WelcomeCredit); err != nil {
				return "", err
			}
		}
		return id, nil
	})
	if err != nil {
		return ledger.Account{}, err
	}
	return s.AccountByID(ctx, res)
}

// SetPassword implements ledger.Ledger.
func (s *Store) SetPassword(ctx context.Context, accountID, hash string) (ledger.Account, error) {
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		w.forgot = append(w.forgot, accountID)
		return w.affectOne(`UPDATE accounts SET password_hash = $1 WHERE id = $2 AND NOT system`, hash, accountID)
	})
	if err != nil {
		return ledger.Account{}, err
	}
	return s.AccountByID(ctx, accountID)
}

// SetOrganization implements ledger.Ledger.
func (s *Store) SetOrganization(ctx context.Context, accountID string, org *string) (ledger.Account, error) {
	return s.update(ctx, accountID, `UPDATE accounts SET organization = $1 WHERE id = $2 AND NOT system`, org)
}

func (s *Store) update(ctx context.Context, accountID, query string, value any) (ledger.Account, error) {
	_, err := submit(s, ctx, func(w *wtx) (any, error) { return w.affectOne(query, value, accountID) })
	if err != nil {
		return ledger.Account{}, err
	}
	return s.AccountByID(ctx, accountID)
}

func (w *wtx) affectOne(query string, args ...any) (any, error) {
	n, err := w.execNow(query, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: update: %w", err)
	}
	if n == 0 {
		return nil, ledger.ErrNotFound
	}
	return nil, nil
}

// AppendEvent implements ledger.Ledger.
func (s *Store) AppendEvent(ctx context.Context, accountID, typ string, data any) (ledger.Event, error) {
	res, err := submit(s, ctx, func(w *wtx) (ledger.Event, error) {
		a, err := w.acctByID(accountID)
		if err != nil {
			return ledger.Event{}, err
		}
		if err := w.post(a, 0, 0, evSpec{typ, data}); err != nil {
			return ledger.Event{}, err
		}
		return w.events[len(w.events)-1], nil
	})
	if err != nil {
		return ledger.Event{}, err
	}
	return res, nil
}
