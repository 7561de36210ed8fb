package ledgersql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// The money calls of ledger.Ledger and the accounts they post to. What differs by engine sits
// behind Tx: how an account row is found and locked, how a posting reaches its row (SQLite
// updates it at once; PostgreSQL changes the locked row in memory and writes every row of the
// group at the commit), how a transfer and an event are written, and where kept responses live.

// Acct is the writer's view of an account row, read (and, where the engine locks, locked) for
// the call: posting changes it in place.
type Acct struct {
	N       int64 // the row number other tables refer to it by
	ID      string
	Email   string
	Balance int64
	Held    int64
	System  bool
	LastSeq int64 // the last event seq allocated
}

// Available is what the account can spend.
func (a *Acct) Available() int64 { return a.Balance - a.Held }

// AcctCols are the columns ScanAcct reads.
const AcctCols = `n, id, email, balance, held, system, last_seq`

// ScanAcct reads AcctCols (ledger.ErrNotFound for no row).
func ScanAcct(row Row) (*Acct, error) {
	var a Acct
	if err := readErr(row.Scan(&a.N, &a.ID, &a.Email, &a.Balance, &a.Held, &a.System, &a.LastSeq), "account"); err != nil {
		return nil, err
	}
	return &a, nil
}

// Locks names what a call will lock: the accounts it posts to (by id, email or row number) and
// the idempotency keys it looks up. An engine that locks may take them all for a whole group of
// calls at its start, in account order, so that groups never wait on each other in a cycle.
type Locks struct {
	IDs, Emails []string
	Ns          []int64
	Keys        []string
	// OwnerID or OwnerEmail names whose keys they are (an account among IDs or Emails).
	OwnerID, OwnerEmail string
}

// evSpec is one event to append: its type and data.
type evSpec struct {
	typ  string
	data any
}

// post changes an account's balance and held amount and appends its events: each of evs, then
// balance.updated when money moved (the system account gets no events). The seqs follow the
// account's last seq, allocated by Move under the account's lock (or the single writer).
func post(w Tx, a *Acct, dBalance, dHeld int64, evs ...evSpec) error {
	count := int64(len(evs))
	if a.System {
		count = 0
	} else if dBalance != 0 || dHeld != 0 {
		count++
	}
	if dBalance > 0 && a.Balance > math.MaxInt64-dBalance || dBalance < 0 && a.Balance < math.MinInt64-dBalance {
		return ledger.ErrBalanceLimit
	}
	if err := w.Move(a, dBalance, dHeld, count); err != nil {
		return fmt.Errorf("ledger: post to account: %w", err)
	}
	if a.System {
		return nil
	}
	seq := a.LastSeq - count
	for _, e := range evs {
		seq++
		if _, err := event(w, a, seq, e.typ, e.data); err != nil {
			return err
		}
	}
	if dBalance != 0 || dHeld != 0 {
		seq++
		_, err := event(w, a, seq, api.EventBalanceUpdated,
			api.Balance{Balance: money.Micros(a.Balance), AvailableBalance: money.Micros(a.Available())})
		return err
	}
	return nil
}

// event appends one event for an account whose seq post has just allocated.
func event(w Tx, a *Acct, seq int64, typ string, data any) (ledger.Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return ledger.Event{}, fmt.Errorf("ledger: event data: %w", err)
	}
	e := ledger.Event{AccountID: a.ID, Seq: seq, Type: typ, At: w.Now(), Data: b}
	if err := w.Event(a, e); err != nil {
		return e, fmt.Errorf("ledger: append event: %w", err)
	}
	return e, nil
}

// notify appends one event to an account (no money moves).
func notify(w Tx, a *Acct, typ string, data any) error { return post(w, a, 0, 0, evSpec{typ, data}) }

// TxRow is a transfer as its row is written. ResolvedBy, ResolvedAt, Metadata and APIKey are
// NULL when zero ("" or 0: a pending transfer, no metadata, no key).
type TxRow struct {
	ID                        string
	Sender, Recipient, Amount int64
	Status, CreatedBy         string
	ResolvedBy                string
	CreatedAt                 int64
	ResolvedAt                int64
	AppName, AppEpPath, Memo  *string
	Metadata                  string
	APIKey                    string
}

// movement is a transfer about to be written.
type movement struct {
	from, to   *Acct
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
func (r *Rules) write(w Tx, m movement) (ledger.Transaction, error) {
	tx, err := record(w, m)
	if err != nil {
		return tx, err
	}
	out, in := tx.API(m.from.ID, r.CurrencyCode), tx.API(m.to.ID, r.CurrencyCode)
	switch m.status {
	case api.StatusCompleted:
		if err := post(w, m.from, -m.amount, 0, evSpec{api.EventPaymentSent, out}); err != nil {
			return tx, err
		}
		return tx, post(w, m.to, m.amount, 0, evSpec{api.EventPaymentReceived, in})
	case api.StatusPending:
		if err := post(w, m.from, 0, m.amount, evSpec{api.EventTransactionPending, out}); err != nil {
			return tx, err
		}
		return tx, post(w, m.to, 0, 0, evSpec{api.EventTransactionPending, in})
	}
	return tx, fmt.Errorf("ledger: cannot write a %s transfer", m.status)
}

// record inserts a transfer and its two party rows; posting to the accounts is the caller's.
func record(w Tx, m movement) (ledger.Transaction, error) {
	now := w.Now()
	tx := ledger.Transaction{
		ID: NewID(), SenderID: m.from.ID, RecipientID: m.to.ID, SenderEmail: m.from.Email,
		RecipientEmail: m.to.Email, Amount: money.Micros(m.amount), Status: m.status,
		CreatedBy: m.createdBy, ResolvedBy: m.resolvedBy, CreatedAt: now, AppName: m.appName,
		AppEpPath: m.appEpPath, Memo: m.memo, Metadata: m.metadata, APIKeyID: m.apiKey,
	}
	row := TxRow{ID: tx.ID, Sender: m.from.N, Recipient: m.to.N, Amount: m.amount, Status: m.status,
		CreatedBy: m.createdBy, CreatedAt: ms(now), AppName: m.appName, AppEpPath: m.appEpPath, Memo: m.memo,
		APIKey: m.apiKey}
	if m.status != api.StatusPending {
		tx.ResolvedAt = now
		row.ResolvedAt, row.ResolvedBy = ms(now), m.resolvedBy
	}
	if len(m.metadata) > 0 {
		b, err := json.Marshal(m.metadata)
		if err != nil {
			return tx, err
		}
		row.Metadata = string(b)
	}
	if err := w.Insert(row); err != nil {
		return tx, fmt.Errorf("ledger: insert transaction: %w", err)
	}
	return tx, nil
}

// ReadKept reads the response kept for an account's idempotency key inside the writer: nil when
// none; expired when one is kept but older than ttl (the key may be used again, replacing it).
func ReadKept(w Tx, account int64, key string, ttl time.Duration) (k *ledger.Kept, expired bool, err error) {
	var kept ledger.Kept
	var created int64
	err = w.QueryRow(`SELECT fingerprint, response, created_at FROM idempotency WHERE account = ? AND key = ?`,
		account, key).Scan(&kept.Fingerprint, &kept.Response, &created)
	if noRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("ledger: read idempotency key: %w", err)
	}
	kept.CreatedAt = time.UnixMilli(created)
	if w.Now().Sub(kept.CreatedAt) > ttl {
		return nil, true, nil
	}
	return &kept, false, nil
}

// who names the caller of a money-moving call, the owner of its idempotency key.
type who struct{ id, email string }

// outcome is what a money call returns through the writer: the receipt, and the business refusal
// it keeps for the key (returned to the caller as the call's error once committed).
type outcome struct {
	r       ledger.Receipt
	refused error
}

// moneyOp runs body under the idempotency rules of ledger.Idempotency. The caller's account and
// the others named (emails) are locked first, together and in account order.
func (r *Rules) moneyOp(ctx context.Context, caller who, idem *ledger.Idempotency, emails []string,
	body func(w Tx, caller *Acct) ([]ledger.Transaction, error)) (ledger.Receipt, error) {
	var l *Locks // built only for an engine that locks (Rules.Locking): the others need no hint
	if r.Locking {
		l = &Locks{Emails: append([]string(nil), emails...)}
		if caller.id != "" {
			l.IDs = []string{caller.id}
		} else {
			l.Emails = append(l.Emails, caller.email)
		}
		l.OwnerID, l.OwnerEmail = caller.id, caller.email
		if idem != nil {
			l.Keys = []string{idem.Key}
		}
	}
	o, err := submitLocking(ctx, r, l, func(w Tx) (outcome, error) {
		if l != nil {
			if _, err := w.Lock(l.IDs, l.Emails, nil); err != nil {
				return outcome{}, err
			}
		}
		var c *Acct
		var err error
		if caller.id != "" {
			c, err = w.AccountByID(caller.id)
		} else {
			c, err = w.AccountByEmail(caller.email)
		}
		if err != nil {
			return outcome{}, err
		}
		if idem != nil {
			kept, err := w.Kept(c.N, idem.Key)
			if err != nil {
				return outcome{}, err
			}
			if kept != nil {
				if !bytes.Equal(kept.Fingerprint, idem.Fingerprint) {
					return outcome{}, ledger.ErrKeyReused
				}
				return outcome{r: ledger.Receipt{Replayed: true, Kept: kept.Response}}, nil
			}
		}
		txs, berr := body(w, c)
		if berr != nil {
			if idem == nil || !errors.Is(berr, ledger.ErrInsufficientFunds) {
				return outcome{}, berr
			}
			// A business refusal after the call started is kept, as Stripe keeps a decline. Every
			// body refuses before it writes anything, so the call holds only its locks.
			kept := idem.Keep(nil, berr)
			return outcome{ledger.Receipt{Kept: kept}, berr}, w.Keep(c.N, idem.Key,
				ledger.Kept{Fingerprint: idem.Fingerprint, Response: kept, CreatedAt: w.Now()})
		}
		rc := ledger.Receipt{Transactions: txs}
		if idem != nil {
			rc.Kept = idem.Keep(txs, nil)
			if err := w.Keep(c.N, idem.Key, ledger.Kept{Fingerprint: idem.Fingerprint, Response: rc.Kept,
				CreatedAt: w.Now()}); err != nil {
				return outcome{}, err
			}
		}
		return outcome{r: rc}, nil
	})
	if err != nil {
		return ledger.Receipt{}, err
	}
	return o.r, o.refused
}

// Pay implements ledger.Ledger.
func (r *Rules) Pay(ctx context.Context, p ledger.Payment) (ledger.Receipt, error) {
	return r.moneyOp(ctx, who{id: p.SenderID}, p.Idem, []string{p.RecipientEmail}, func(w Tx, from *Acct) ([]ledger.Transaction, error) {
		to, err := Recipient(w, p.RecipientEmail, from)
		if err != nil {
			return nil, err
		}
		key, err := SpenderFor(w, p.APIKeyID, from)
		if err != nil {
			return nil, err
		}
		if err := key.Fits(0, int64(p.Amount)); err != nil {
			return nil, err
		}
		if from.Available() < int64(p.Amount) {
			return nil, &ledger.InsufficientFunds{Available: money.Micros(from.Available()), Needed: p.Amount}
		}
		tx, err := r.write(w, movement{from: from, to: to, amount: int64(p.Amount), status: api.StatusCompleted,
			createdBy: api.PartySender, resolvedBy: api.PartySender, memo: p.Memo, metadata: p.Metadata,
			apiKey: p.APIKeyID})
		if err != nil {
			return nil, err
		}
		return []ledger.Transaction{tx}, Spend(w, key, int64(p.Amount))
	})
}

// PayBatch implements ledger.Ledger: every item is checked before any is written, and each
// account is posted once for the whole batch (its payment events in item order, then one
// balance.updated), so a batch costs little more than its rows.
func (r *Rules) PayBatch(ctx context.Context, b ledger.Batch) (ledger.Receipt, error) {
	emails := make([]string, 0, len(b.Items))
	for _, it := range b.Items {
		emails = append(emails, it.RecipientEmail)
	}
	return r.moneyOp(ctx, who{id: b.SenderID}, b.Idem, emails, func(w Tx, from *Acct) ([]ledger.Transaction, error) {
		key, err := SpenderFor(w, b.APIKeyID, from)
		if err != nil {
			return nil, err
		}
		tos := make([]*Acct, len(b.Items))
		byEmail := map[string]*Acct{}
		var total int64
		for i, it := range b.Items {
			to, ok := byEmail[it.RecipientEmail]
			if !ok {
				if to, err = Recipient(w, it.RecipientEmail, from); err != nil {
					return nil, &ledger.ItemError{Index: i, Err: err}
				}
				byEmail[it.RecipientEmail] = to
			}
			tos[i] = to
			if err := key.Fits(total, int64(it.Amount)); err != nil {
				return nil, &ledger.ItemError{Index: i, Err: err}
			}
			// Compare before adding: 100 items of the largest amount add up past int64.
			if int64(it.Amount) > from.Available()-total {
				return nil, &ledger.ItemError{Index: i, Err: &ledger.InsufficientFunds{
					Available: money.Micros(from.Available()), Needed: needed(total, int64(it.Amount))}}
			}
			total += int64(it.Amount)
		}
		type credit struct {
			to     *Acct
			amount int64
			evs    []evSpec
		}
		var credits []*credit
		byAcct := map[*Acct]*credit{}
		txs := make([]ledger.Transaction, 0, len(b.Items))
		sent := make([]evSpec, 0, len(b.Items))
		for i, it := range b.Items {
			tx, err := record(w, movement{from: from, to: tos[i], amount: int64(it.Amount), status: api.StatusCompleted,
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
			c.evs = append(c.evs, evSpec{api.EventPaymentReceived, tx.API(tos[i].ID, r.CurrencyCode)})
			sent = append(sent, evSpec{api.EventPaymentSent, tx.API(from.ID, r.CurrencyCode)})
			txs = append(txs, tx)
		}
		if err := post(w, from, -total, 0, sent...); err != nil {
			return nil, err
		}
		for _, c := range credits {
			if err := post(w, c.to, c.amount, 0, c.evs...); err != nil {
				return nil, err
			}
		}
		return txs, Spend(w, key, total)
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
func (r *Rules) Hold(ctx context.Context, h ledger.Hold) (ledger.Receipt, error) {
	caller := who{email: h.SenderEmail}
	if h.CreatedBy == api.PartyRecipient {
		caller = who{email: h.RecipientEmail}
	}
	return r.moneyOp(ctx, caller, h.Idem, []string{h.SenderEmail, h.RecipientEmail}, func(w Tx, c *Acct) ([]ledger.Transaction, error) {
		from, err := w.AccountByEmail(h.SenderEmail)
		if errors.Is(err, ledger.ErrNotFound) || (err == nil && from.System) {
			return nil, ledger.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		to, err := Recipient(w, h.RecipientEmail, from)
		if err != nil {
			return nil, err
		}
		if h.Amount < 0 || h.Amount == 0 && h.CreatedBy != api.PartyRecipient {
			return nil, fmt.Errorf("ledger: hold of %s: only a delegated hold may be zero", h.Amount)
		}
		// The token's state and limits, checked before anything is written.
		tok, err := CheckToken(w, h, from, to)
		if err != nil {
			return nil, err
		}
		// The key is the caller's: its spend limit counts only money leaving its own account.
		key, err := SpenderFor(w, h.APIKeyID, c)
		if err != nil {
			return nil, err
		}
		if c.N != from.N {
			key = key.RecordOnly()
		}
		if err := key.Fits(0, int64(h.Amount)); err != nil {
			return nil, err
		}
		// Funds next: a refused hold (kept under an idempotency key) must not spend its token.
		if from.Available() < int64(h.Amount) {
			return nil, &ledger.InsufficientFunds{Available: money.Micros(from.Available()), Needed: h.Amount}
		}
		if h.CreatedBy == api.PartyRecipient && tok == nil {
			if err := SpendLegacyToken(w, h.TokenID); err != nil {
				return nil, err
			}
		}
		tx, err := r.write(w, movement{from: from, to: to, amount: int64(h.Amount), status: api.StatusPending,
			createdBy: h.CreatedBy, appName: h.AppName, appEpPath: h.AppEpPath, apiKey: h.APIKeyID})
		if err != nil {
			return nil, err
		}
		if tok != nil {
			if err := CountToken(w, r.CurrencyCode, tok, tx, from); err != nil {
				return nil, err
			}
		}
		return []ledger.Transaction{tx}, Spend(w, key, int64(h.Amount))
	})
}

// Resolve implements ledger.Ledger.
func (r *Rules) Resolve(ctx context.Context, res ledger.Resolution) (ledger.Transaction, error) {
	return submit(ctx, r, func(w Tx) (ledger.Transaction, error) {
		tx, sn, rn, err := TransactionByID(w, res.TransactionID)
		if err != nil {
			return tx, err
		}
		if r.Locking {
			if _, err := w.Lock([]string{res.ActorID}, nil, []int64{sn, rn}); err != nil {
				return tx, err
			}
			// Read again under the parties' locks: another writer may have resolved it meanwhile.
			if tx, sn, rn, err = TransactionByID(w, res.TransactionID); err != nil {
				return tx, err
			}
		}
		actor, err := w.AccountByID(res.ActorID)
		if err != nil {
			return tx, err
		}
		by := ""
		switch actor.N {
		case sn:
			by = api.PartySender
		case rn:
			by = api.PartyRecipient
		default:
			return tx, ledger.ErrNotFound // a stranger may not learn it exists
		}
		if tx.Status != api.StatusPending {
			return tx, ledger.ErrConflict
		}
		status := api.StatusCancelled
		if res.Confirm {
			status = api.StatusCompleted
		}
		if err := w.Exec(`UPDATE transactions SET status = ?, resolved_by = ?, resolved_at = ? WHERE id = ?`,
			status, by, ms(w.Now()), tx.ID); err != nil {
			return tx, fmt.Errorf("ledger: resolve: %w", err)
		}
		tx.Status, tx.ResolvedBy, tx.ResolvedAt = status, by, w.Now()
		if !res.Confirm && tx.APIKeyID != "" && tx.CreatedBy == api.PartySender {
			if err := GiveBack(w, tx); err != nil {
				return tx, err
			}
		}
		if !res.Confirm {
			if err := GiveBackToToken(w, tx); err != nil {
				return tx, err
			}
		}
		from, err := w.AccountByN(sn)
		if err != nil {
			return tx, err
		}
		to, err := w.AccountByN(rn)
		if err != nil {
			return tx, err
		}
		cur, amt := r.CurrencyCode, int64(tx.Amount)
		typ := api.EventTransactionCancelled
		if res.Confirm {
			typ = api.EventTransactionCompleted
			if err := post(w, from, -amt, -amt, evSpec{typ, tx.API(from.ID, cur)}); err != nil {
				return tx, err
			}
			return tx, post(w, to, amt, 0, evSpec{typ, tx.API(to.ID, cur)})
		}
		if err := post(w, from, 0, -amt, evSpec{typ, tx.API(from.ID, cur)}); err != nil {
			return tx, err
		}
		return tx, post(w, to, 0, 0, evSpec{typ, tx.API(to.ID, cur)})
	})
}

// credit moves money from the system account to a person's account.
func (r *Rules) credit(w Tx, to *Acct, amount money.Micros) (ledger.Transaction, error) {
	sys, err := w.AccountByN(r.SystemRow)
	if err != nil {
		return ledger.Transaction{}, err
	}
	return r.write(w, movement{from: sys, to: to, amount: int64(amount), status: api.StatusCompleted,
		createdBy: api.PartySystem, resolvedBy: api.PartySystem})
}

// Credit implements ledger.Ledger.
func (r *Rules) Credit(ctx context.Context, c ledger.Credit) (ledger.Account, ledger.Transaction, error) {
	l := &Locks{Emails: []string{c.RecipientEmail}, Ns: []int64{r.SystemRow}}
	tx, err := submitLocking(ctx, r, l, func(w Tx) (ledger.Transaction, error) {
		if _, err := w.Lock(nil, l.Emails, l.Ns); err != nil {
			return ledger.Transaction{}, err
		}
		to, err := w.AccountByEmail(c.RecipientEmail)
		if errors.Is(err, ledger.ErrNotFound) || (err == nil && to.System) {
			return ledger.Transaction{}, ledger.ErrUnknownRecipient
		}
		if err != nil {
			return ledger.Transaction{}, err
		}
		return r.credit(w, to, c.Amount)
	})
	if err != nil {
		return ledger.Account{}, ledger.Transaction{}, err
	}
	a, err := r.AccountByEmail(ctx, c.RecipientEmail)
	return a, tx, err
}

// CreateAccount implements ledger.Ledger.
func (r *Rules) CreateAccount(ctx context.Context, na ledger.NewAccount) (ledger.Account, error) {
	id, err := submit(ctx, r, func(w Tx) (string, error) {
		a := &Acct{ID: NewID(), Email: na.Email}
		err := w.QueryRow(`INSERT INTO accounts (id, email, password_hash, organization, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING RETURNING n`, a.ID, na.Email, na.PasswordHash,
			na.Organization, ms(w.Now())).Scan(&a.N)
		if noRows(err) {
			return "", ledger.ErrAccountExists
		}
		if err != nil {
			return "", fmt.Errorf("ledger: create account: %w", err)
		}
		w.Remember(a)
		if na.WelcomeCredit > 0 {
			if _, err := r.credit(w, a, na.WelcomeCredit); err != nil {
				return "", err
			}
		}
		return a.ID, nil
	})
	if err != nil {
		return ledger.Account{}, err
	}
	return r.AccountByID(ctx, id)
}

// SetPassword implements ledger.Ledger.
func (r *Rules) SetPassword(ctx context.Context, accountID, hash string) (ledger.Account, error) {
	// Other instances forget what they knew of the account's sign-in (Tx.Changed).
	return r.update(ctx, accountID, true, `UPDATE accounts SET password_hash = ? WHERE id = ? AND NOT system`, hash)
}

// SetOrganization implements ledger.Ledger.
func (r *Rules) SetOrganization(ctx context.Context, accountID string, org *string) (ledger.Account, error) {
	return r.update(ctx, accountID, false, `UPDATE accounts SET organization = ? WHERE id = ? AND NOT system`, org)
}

func (r *Rules) update(ctx context.Context, accountID string, signIn bool, query string, value any) (ledger.Account, error) {
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		if signIn {
			w.Changed(accountID)
		}
		return nil, affectOne(w, query, value, accountID)
	})
	if err != nil {
		return ledger.Account{}, err
	}
	return r.AccountByID(ctx, accountID)
}

// AppendEvent implements ledger.Ledger.
func (r *Rules) AppendEvent(ctx context.Context, accountID, typ string, data any) (ledger.Event, error) {
	return submit(ctx, r, func(w Tx) (ledger.Event, error) {
		a, err := w.AccountByID(accountID)
		if err != nil {
			return ledger.Event{}, err
		}
		if a.System {
			return ledger.Event{}, nil // the system account has no events
		}
		if err := w.Move(a, 0, 0, 1); err != nil {
			return ledger.Event{}, fmt.Errorf("ledger: post to account: %w", err)
		}
		return event(w, a, a.LastSeq, typ, data)
	})
}
