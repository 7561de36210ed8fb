package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// acct is the writer's view of an account row.
type acct struct {
	n       int64
	id      string
	email   string
	balance int64
	held    int64
	system  bool
}

func (a *acct) available() int64 { return a.balance - a.held }

const acctCols = `n, id, email, balance, held, system`

func (w *wtx) scanAcct(row *sql.Row) (*acct, error) {
	var a acct
	if err := row.Scan(&a.n, &a.id, &a.email, &a.balance, &a.held, &a.system); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ledger.ErrNotFound
		}
		return nil, fmt.Errorf("ledger: read account: %w", err)
	}
	return &a, nil
}

func (w *wtx) acctByEmail(email string) (*acct, error) {
	return w.scanAcct(w.queryRow(`SELECT `+acctCols+` FROM accounts WHERE email = ?`, email))
}

func (w *wtx) acctByID(id string) (*acct, error) {
	return w.scanAcct(w.queryRow(`SELECT `+acctCols+` FROM accounts WHERE id = ?`, id))
}

func (w *wtx) acctByN(n int64) (*acct, error) {
	return w.scanAcct(w.queryRow(`SELECT `+acctCols+` FROM accounts WHERE n = ?`, n))
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

// post changes an account's balance and held amount and appends its events: each of evs, then
// balance.updated when money moved (the system account gets no events).
func (w *wtx) post(a *acct, dBalance, dHeld int64, evs ...evSpec) error {
	count := int64(len(evs))
	if a.system {
		count = 0
	} else if dBalance != 0 || dHeld != 0 {
		count++
	}
	if dBalance > 0 && a.balance > math.MaxInt64-dBalance || dBalance < 0 && a.balance < math.MinInt64-dBalance {
		return ledger.ErrBalanceLimit // SQLite would turn the sum into a float
	}
	var last int64
	err := w.queryRow(`UPDATE accounts SET balance = balance + ?, held = held + ?, last_seq = last_seq + ?
		WHERE n = ? RETURNING balance, held, last_seq`, dBalance, dHeld, count, a.n).Scan(&a.balance, &a.held, &last)
	if err != nil {
		return fmt.Errorf("ledger: post to account: %w", err)
	}
	if a.system {
		return nil
	}
	seq := last - count
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
	var resolvedAt any
	var resolvedBy any
	if m.status != api.StatusPending {
		tx.ResolvedAt = w.now
		resolvedAt, resolvedBy = w.now.UnixMilli(), m.resolvedBy
	}
	var md any
	if len(m.metadata) > 0 {
		b, err := json.Marshal(m.metadata)
		if err != nil {
			return tx, err
		}
		md = string(b)
	}
	var apiKey any
	if m.apiKey != "" {
		apiKey = m.apiKey
	}
	var txn int64
	err := w.queryRow(`INSERT INTO transactions (id, sender, recipient, amount, status, created_by,
		resolved_by, created_at, resolved_at, app_name, app_ep_path, memo, metadata, api_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING n`,
		tx.ID, m.from.n, m.to.n, m.amount, m.status, m.createdBy, resolvedBy, w.now.UnixMilli(),
		resolvedAt, m.appName, m.appEpPath, m.memo, md, apiKey).Scan(&txn)
	if err != nil {
		return tx, fmt.Errorf("ledger: insert transaction: %w", err)
	}
	if _, err := w.exec(`INSERT INTO parties (account, tx, outgoing, counterparty) VALUES (?, ?, 1, ?), (?, ?, 0, ?)`,
		m.from.n, txn, m.to.n, m.to.n, txn, m.from.n); err != nil {
		return tx, fmt.Errorf("ledger: insert parties: %w", err)
	}
	return tx, nil
}

// who names the caller of a money-moving call, the owner of its idempotency key.
type who struct{ id, email string }

func (w *wtx) lookup(c who) (*acct, error) {
	if c.id != "" {
		return w.acctByID(c.id)
	}
	return w.acctByEmail(c.email)
}

// moneyOp runs body under the idempotency rules of ledger.Idempotency.
func (s *Store) moneyOp(ctx context.Context, caller who, idem *ledger.Idempotency,
	body func(w *wtx, caller *acct) ([]ledger.Transaction, error)) (ledger.Receipt, error) {
	o, err := submit(s, ctx, func(w *wtx) (outcome, error) {
		c, err := w.lookup(caller)
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
			kept := idem.Keep(nil, berr)
			return outcome{ledger.Receipt{Kept: kept}, berr}, w.keep(c.n, idem, kept)
		}
		r := ledger.Receipt{Transactions: txs}
		if idem != nil {
			r.Kept = idem.Keep(txs, nil)
			if err := w.keep(c.n, idem, r.Kept); err != nil {
				return outcome{}, err
			}
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
	var k ledger.Kept
	var created int64
	err := w.queryRow(`SELECT fingerprint, response, created_at FROM idempotency WHERE account = ? AND key = ?`,
		account, key).Scan(&k.Fingerprint, &k.Response, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read idempotency key: %w", err)
	}
	if w.now.Sub(time.UnixMilli(created)) > w.s.opts.KeyTTL {
		return nil, nil // expired: the key may be used again
	}
	k.CreatedAt = time.UnixMilli(created)
	return &k, nil
}

func (w *wtx) keep(account int64, idem *ledger.Idempotency, response []byte) error {
	_, err := w.exec(`INSERT INTO idempotency (account, key, fingerprint, response, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, key) DO UPDATE SET fingerprint = excluded.fingerprint,
		response = excluded.response, created_at = excluded.created_at`,
		account, idem.Key, idem.Fingerprint, response, w.now.UnixMilli())
	if err != nil {
		return fmt.Errorf("ledger: keep idempotent response: %w", err)
	}
	return nil
}

// Pay implements ledger.Ledger.
func (s *Store) Pay(ctx context.Context, p ledger.Payment) (ledger.Receipt, error) {
	return s.moneyOp(ctx, who{id: p.SenderID}, p.Idem, func(w *wtx, from *acct) ([]ledger.Transaction, error) {
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
// balance.updated), so a batch costs little more than its rows.
func (s *Store) PayBatch(ctx context.Context, b ledger.Batch) (ledger.Receipt, error) {
	return s.moneyOp(ctx, who{id: b.SenderID}, b.Idem, func(w *wtx, from *acct) ([]ledger.Transaction, error) {
		key, err := w.apiKey(b.APIKeyID, from)
		if err != nil {
			return nil, err
		}
		tos := make([]*acct, len(b.Items))
		byEmail := map[string]*acct{}
		var total int64
		for i, it := range b.Items {
			to, ok := byEmail[it.RecipientEmail]
			if !ok {
				var err error
				if to, err = w.recipient(it.RecipientEmail, from); err != nil {
					return nil, &ledger.ItemError{Index: i, Err: err}
				}
				byEmail[it.RecipientEmail] = to
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
	return s.moneyOp(ctx, caller, h.Idem, func(w *wtx, c *acct) ([]ledger.Transaction, error) {
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
		if _, err := w.exec(`UPDATE transactions SET status = ?, resolved_by = ?, resolved_at = ? WHERE id = ?`,
			status, by, w.now.UnixMilli(), tx.ID); err != nil {
			return ledger.Transaction{}, fmt.Errorf("ledger: resolve: %w", err)
		}
		tx.Status, tx.ResolvedBy, tx.ResolvedAt = status, by, w.now
		if !r.Confirm && tx.APIKeyID != "" && tx.CreatedBy == api.PartySender {
			if err := w.giveBack(tx); err != nil {
				return ledger.Transaction{}, err
			}
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
		if err := w.giveBackToToken(tx); err != nil {
			return ledger.Transaction{}, err
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
	res, err := submit(s, ctx, func(w *wtx) (ledger.Transaction, error) {
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
		if _, err := w.acctByEmail(na.Email); err == nil {
			return "", ledger.ErrAccountExists
		} else if !errors.Is(err, ledger.ErrNotFound) {
			return "", err
		}
		id := newID()
		var n int64
		if err := w.queryRow(`INSERT INTO accounts (id, email, password_hash, organization, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING n`, id, na.Email, na.PasswordHash, na.Organization,
			w.now.UnixMilli()).Scan(&n); err != nil {
			return "", fmt.Errorf("ledger: create account: %w", err)
		}
		if na.WelcomeCredit > 0 {
			a := &acct{n: n, id: id, email: na.Email}
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
	return s.update(ctx, accountID, `UPDATE accounts SET password_hash = ? WHERE id = ? AND system = 0`, hash)
}

// SetOrganization implements ledger.Ledger.
func (s *Store) SetOrganization(ctx context.Context, accountID string, org *string) (ledger.Account, error) {
	return s.update(ctx, accountID, `UPDATE accounts SET organization = ? WHERE id = ? AND system = 0`, org)
}

func (s *Store) update(ctx context.Context, accountID, query string, value any) (ledger.Account, error) {
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		res, err := w.exec(query, value, accountID)
		if err != nil {
			return nil, fmt.Errorf("ledger: update account: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, ledger.ErrNotFound
		}
		return nil, nil
	})
	if err != nil {
		return ledger.Account{}, err
	}
	return s.AccountByID(ctx, accountID)
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
