// Package viewstest has an in-memory stand-in for the client SDK, for the screens' and the root's
// tests: accounts, transactions with paging and filters, payments with idempotency keys, MFA and
// sessions, with switches to make calls fail. End-to-end tests use the real client instead.
package viewstest

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
)

// Epoch is the fake clock's start: 2026-11-29 10:54:24 UTC.
var Epoch = time.Date(2026, 11, 29, 10, 54, 24, 0, time.UTC)

type account struct {
	user     api.User
	password string
	mfa      bool
}

// Client is a fake client for one person at a time. Its zero value is not ready: use New.
type Client struct {
	mu       sync.Mutex
	accounts map[string]*account
	txs      []api.Transaction // every transaction, newest first, Direction unset
	me       string
	seq      int
	idem     map[string]api.Transaction
	calls    []string
	tokens   []api.TokenInfo // newest first

	// Now is the clock; default Epoch.
	Now func() time.Time
	// Err, when set for a method name ("Pay", "History", ...), is returned by that method.
	Err map[string]error
	// Block, when set for a method name, makes the method wait until the channel is closed.
	Block map[string]chan struct{}
	// Breaker is what BreakerState reports.
	Breaker client.BreakerState
	// Events is what EventsAvailable reports.
	Events bool
	// Stored is the session Resume restores ("" = none).
	Stored string
	// Enrollment is what EnrollMFA returns.
	Enrollment api.MFAEnrollment
	// APIKeys are the account's API keys, newest first (CreateAPIKey adds to the front).
	APIKeys []api.APIKey
	// NoChart makes BalanceHistory answer as a service without it.
	NoChart bool
	// RecoveryLeft is how many recovery codes MFAStatus counts while two-factor is on
	// (recovery.go).
	RecoveryLeft int
}

// New returns a fake with the accounts given as email → balance, every password "password123".
func New(balances map[string]money.Micros) *Client {
	c := &Client{accounts: map[string]*account{}, idem: map[string]api.Transaction{}, Err: map[string]error{},
		Block: map[string]chan struct{}{}, Breaker: client.BreakerClosed}
	c.Now = func() time.Time { return Epoch }
	c.Enrollment = api.MFAEnrollment{Secret: "JBSWY3DPEHPK3PXP",
		OtpauthURL: "otpauth://totp/syftwallet:me@example.com?secret=JBSWY3DPEHPK3PXP&issuer=syftwallet"}
	for email, bal := range balances {
		c.accounts[email] = &account{user: api.User{ID: "u-" + email, Email: email, Balance: bal,
			AvailableBalance: bal, Currency: "USD", CreatedAt: api.At(Epoch.Add(-90 * 24 * time.Hour))},
			password: "password123"}
	}
	return c
}

// AddAccount opens another account (password "password123").
func (c *Client) AddAccount(email string, balance money.Micros) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts[email] = &account{user: api.User{ID: "u-" + email, Email: email, Balance: balance,
		AvailableBalance: balance, Currency: "USD", CreatedAt: api.At(Epoch.Add(-90 * 24 * time.Hour))},
		password: "password123"}
}

// SignIn makes email the signed-in account without a call.
func (c *Client) SignIn(email string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.me = email
}

// SetMFA turns MFA on for an account: Login then asks for a code ("123456" is right).
func (c *Client) SetMFA(email string, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts[email].mfa = on
	c.accounts[email].user.MFAEnabled = on
}

// AddTx records a transaction between two accounts at a time, moving money when completed.
func (c *Client) AddTx(from, to string, amount money.Micros, status, memo string, at time.Time) api.Transaction {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addTx(from, to, amount, status, memo, at)
}

func (c *Client) addTx(from, to string, amount money.Micros, status, memo string, at time.Time) api.Transaction {
	c.seq++
	tx := api.Transaction{ID: fmt.Sprintf("tx%06d", c.seq), SenderEmail: from, RecipientEmail: to, Amount: amount,
		Status: status, CreatedBy: api.PartySender, CreatedAt: api.At(at), Currency: "USD"}
	if memo != "" {
		tx.Memo = &memo
	}
	if status == api.StatusCompleted {
		rb := api.PartySender
		tx.ResolvedBy, tx.ResolvedAt = &rb, &tx.CreatedAt
	}
	if a := c.accounts[from]; a != nil {
		switch status {
		case api.StatusCompleted:
			a.user.Balance -= amount
			a.user.AvailableBalance -= amount
		case api.StatusPending:
			a.user.AvailableBalance -= amount
		}
	}
	if a := c.accounts[to]; a != nil && status == api.StatusCompleted {
		a.user.Balance += amount
		a.user.AvailableBalance += amount
	}
	i, _ := slices.BinarySearchFunc(c.txs, tx, func(a, b api.Transaction) int { return b.CreatedAt.Compare(a.CreatedAt.Time) })
	c.txs = slices.Insert(c.txs, i, tx)
	return tx
}

// Calls returns the names of the methods called so far, in order.
func (c *Client) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// CountCalls counts the calls of one method.
func (c *Client) CountCalls(name string) int {
	n := 0
	for _, s := range c.Calls() {
		if s == name {
			n++
		}
	}
	return n
}

// enter records a call and returns the injected error, after any block.
func (c *Client) enter(ctx context.Context, name string) error {
	c.mu.Lock()
	c.calls = append(c.calls, name)
	ch := c.Block[name]
	err := c.Err[name]
	c.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

// do records a call (see enter) and, when no error was injected, runs f with the fake locked.
func (c *Client) do(ctx context.Context, name string, f func() error) error {
	_, err := locked(c, ctx, name, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// locked is do for a call that answers a value.
func locked[T any](c *Client, ctx context.Context, name string, f func() (T, error)) (T, error) {
	if err := c.enter(ctx, name); err != nil {
		var zero T
		return zero, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return f()
}

func (c *Client) view(tx api.Transaction) api.Transaction {
	switch c.me {
	case tx.SenderEmail:
		tx.Direction = api.DirectionOut
	case tx.RecipientEmail:
		tx.Direction = api.DirectionIn
	}
	return tx
}

func (c *Client) session() client.Session {
	if c.me == "" {
		return client.Session{}
	}
	return client.Session{SignedIn: true, Email: c.me, User: c.accounts[c.me].user, Persistent: true}
}

// Login implements views.LoginClient.
func (c *Client) Login(ctx context.Context, email, password string) (client.Session, error) {
	return locked(c, ctx, "Login", func() (client.Session, error) {
		a := c.accounts[email]
		if a == nil || a.password != password {
			return client.Session{}, &client.UnauthenticatedError{BadCredentials: true}
		}
		if a.mfa {
			return client.Session{}, &client.MFARequiredError{Challenge: &client.MFAChallenge{
				ID: "ch-1", Email: email, Methods: []string{"totp", "recovery"}, ExpiresAt: c.Now().Add(5 * time.Minute)}}
		}
		c.me = email
		return c.session(), nil
	})
}

// Register implements views.LoginClient: an empty password gets a generated one.
func (c *Client) Register(ctx context.Context, email, password string, _ *string) (client.Registration, error) {
	return locked(c, ctx, "Register", func() (client.Registration, error) {
		if c.accounts[email] != nil {
			return client.Registration{}, &client.ConflictError{Code: api.CodeAccountExists}
		}
		gen := ""
		if password == "" {
			password, gen = "gen-pass-0123456789", "gen-pass-0123456789"
		}
		c.accounts[email] = &account{user: api.User{ID: "u-" + email, Email: email, Balance: 100 * money.Scale,
			AvailableBalance: 100 * money.Scale, Currency: "USD", CreatedAt: api.At(c.Now())}, password: password}
		return client.Registration{User: c.accounts[email].user, Password: gen}, nil
	})
}

// VerifyMFA implements views.MFAClient: "123456" is the right code; SpentRecoveryCode was used.
func (c *Client) VerifyMFA(ctx context.Context, ch *client.MFAChallenge, code string) (client.Session, error) {
	if err := c.enter(ctx, "VerifyMFA"); err != nil {
		return client.Session{}, err
	}
	if code == SpentRecoveryCode {
		return client.Session{}, spentRecoveryCode()
	}
	if code != "123456" {
		return client.Session{}, &client.ValidationError{Field: "code", Message: "That code is not valid; try again."}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.me = ch.Email
	return c.session(), nil
}

// Account implements views.AccountClient.
func (c *Client) Account(ctx context.Context) (api.User, error) {
	return locked(c, ctx, "Account", func() (api.User, error) {
		if c.me == "" {
			return api.User{}, &client.UnauthenticatedError{}
		}
		return c.accounts[c.me].user, nil
	})
}

// Invalidate implements views.AccountClient.
func (c *Client) Invalidate() {}

// History implements views.HistoryClient with the service's filters; the cursor is an index.
func (c *Client) History(ctx context.Context, q client.HistoryQuery) (client.HistoryPage, error) {
	return locked(c, ctx, "History", func() (client.HistoryPage, error) {
		if q.Limit == 0 {
			q.Limit = client.DefaultPageSize
		}
		start := 0
		if q.Cursor != "" {
			start, _ = strconv.Atoi(q.Cursor)
		}
		start += q.Offset
		var page client.HistoryPage
		n := 0
		for i, tx := range c.txs {
			if tx.SenderEmail != c.me && tx.RecipientEmail != c.me {
				continue
			}
			tx = c.view(tx)
			if !q.Matches(tx) { // the service's filter, as the client applies it
				continue
			}
			if n >= start {
				if len(page.Transactions) == q.Limit {
					page.HasMore = true
					page.NextCursor = strconv.Itoa(n)
					break
				}
				page.Transactions = append(page.Transactions, tx)
			}
			n++
			_ = i
		}
		return page, nil
	})
}

// HistoryPages implements views.ExportClient: History, page after page.
func (c *Client) HistoryPages(ctx context.Context, q client.HistoryQuery) iter.Seq2[client.HistoryPage, error] {
	return func(yield func(client.HistoryPage, error) bool) {
		for {
			page, err := c.History(ctx, q)
			if err != nil {
				yield(client.HistoryPage{}, err)
				return
			}
			if !yield(page, nil) || !page.HasMore || page.NextCursor == "" {
				return
			}
			q.Cursor, q.Offset = page.NextCursor, 0
		}
	}
}

// Pay implements views.PayClient: the same idempotency key pays once.
func (c *Client) Pay(ctx context.Context, p client.PayRequest) (api.Transaction, error) {
	return locked(c, ctx, "Pay", func() (api.Transaction, error) {
		if tx, ok := c.idem[p.IdempotencyKey]; ok && p.IdempotencyKey != "" {
			return c.view(tx), nil
		}
		to := c.accounts[p.Recipient]
		if to == nil {
			return api.Transaction{}, &client.UnknownRecipientError{Email: p.Recipient, Field: "recipientEmail"}
		}
		me := c.accounts[c.me]
		if me.user.AvailableBalance < p.Amount {
			return api.Transaction{}, &client.InsufficientFundsError{Available: me.user.AvailableBalance, Needed: p.Amount}
		}
		tx := c.addTx(c.me, p.Recipient, p.Amount, api.StatusCompleted, p.Memo, c.Now())
		c.idem[p.IdempotencyKey] = tx
		return c.view(tx), nil
	})
}

func (c *Client) resolve(ctx context.Context, name, id, status string) (api.Transaction, error) {
	if err := c.enter(ctx, name); err != nil {
		return api.Transaction{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, tx := range c.txs {
		if tx.ID != id {
			continue
		}
		if tx.Status != api.StatusPending {
			return api.Transaction{}, &client.ConflictError{Code: api.CodeConflict}
		}
		tx.Status = status
		now := api.At(c.Now())
		tx.ResolvedAt = &now
		if from := c.accounts[tx.SenderEmail]; from != nil {
			from.user.AvailableBalance += tx.Amount
			if status == api.StatusCompleted {
				from.user.Balance -= tx.Amount
				from.user.AvailableBalance -= tx.Amount
			}
		}
		if to := c.accounts[tx.RecipientEmail]; to != nil && status == api.StatusCompleted {
			to.user.Balance += tx.Amount
			to.user.AvailableBalance += tx.Amount
		}
		c.txs[i] = tx
		return c.view(tx), nil
	}
	return api.Transaction{}, &client.NotFoundError{}
}

// Confirm implements views.ResolveClient.
func (c *Client) Confirm(ctx context.Context, id string) (api.Transaction, error) {
	return c.resolve(ctx, "Confirm", id, api.StatusCompleted)
}

// Cancel implements views.ResolveClient.
func (c *Client) Cancel(ctx context.Context, id string) (api.Transaction, error) {
	return c.resolve(ctx, "Cancel", id, api.StatusCancelled)
}

// Resume implements views.SessionClient.
func (c *Client) Resume(ctx context.Context, _ string) (client.Session, error) {
	return locked(c, ctx, "Resume", func() (client.Session, error) {
		if c.Stored == "" {
			return client.Session{}, &client.UnauthenticatedError{}
		}
		c.me = c.Stored
		return c.session(), nil
	})
}

// Logout implements views.SessionClient.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, "Logout", func() error {
		c.me = ""
		return nil
	})
}

// Session implements views.SessionClient.
func (c *Client) Session() client.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session()
}

// BreakerState implements views.SessionClient.
func (c *Client) BreakerState() client.BreakerState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Breaker
}

// EventsAvailable implements views.SessionClient.
func (c *Client) EventsAvailable() bool { return c.Events }

// Legacy implements views.SessionClient.
func (c *Client) Legacy() bool { return !c.Events }

// ApplyBalance implements views.SessionClient.
func (c *Client) ApplyBalance(api.Balance) {}

// AccessToken implements views.SessionClient.
func (c *Client) AccessToken(context.Context) (string, error) { return "access", nil }

// Refresh implements views.SessionClient.
func (c *Client) Refresh(context.Context) (string, error) { return "access", nil }

// BaseURL implements views.SessionClient.
func (c *Client) BaseURL() string { return "http://127.0.0.1:1" }

// BalanceHistory implements views.ChartClient as the service does: the balance at the end of
// each of the last days days in loc, worked back from the balance now. With NoChart set it
// answers as an older service would (client.ErrNoBalanceHistory).
func (c *Client) BalanceHistory(ctx context.Context, days int, loc *time.Location) ([]api.BalanceDay, error) {
	return locked(c, ctx, "BalanceHistory", func() ([]api.BalanceDay, error) {
		if c.NoChart {
			return nil, client.ErrNoBalanceHistory
		}
		if c.me == "" {
			return nil, &client.UnauthenticatedError{}
		}
		if loc == nil {
			loc = time.Local
		}
		y, m, d := c.Now().In(loc).Date()
		day0 := time.Date(y, m, d, 0, 0, 0, 0, loc).AddDate(0, 0, -(days - 1))
		net := make([]money.Micros, days)
		for _, tx := range c.txs {
			if tx.Status != api.StatusCompleted || (tx.SenderEmail != c.me && tx.RecipientEmail != c.me) {
				continue
			}
			at := tx.CreatedAt.Time
			if tx.ResolvedAt != nil {
				at = tx.ResolvedAt.Time
			}
			i := int(at.Sub(day0) / (24 * time.Hour))
			if at.Before(day0) || i >= days {
				continue
			}
			if tx.SenderEmail == c.me {
				net[i] -= tx.Amount
			} else {
				net[i] += tx.Amount
			}
		}
		out := make([]api.BalanceDay, days)
		bal := c.accounts[c.me].user.Balance
		for i := days - 1; i >= 0; i-- {
			out[i] = api.BalanceDay{Date: day0.AddDate(0, 0, i).Format(time.DateOnly), Balance: bal, Net: net[i]}
			bal -= net[i]
		}
		return out, nil
	})
}
