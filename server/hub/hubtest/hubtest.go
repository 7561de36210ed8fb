// Package hubtest runs a real events service for tests: a SQLite ledger in a temporary directory
// whose commits feed a hub, served by an httptest server with a toy bearer authenticator, and a TCP
// proxy that can cut every connection through it; beside it, the client side that the tests of
// the hub, of package events and of the service share (dial.go), and the listeners that make the
// server's writes stall (valve.go). It is for tests of the hub, of package events and of the
// end-to-end journeys; production code must not import it.
package hubtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgertest"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server/hub"
	"github.com/syftbox/syftwallet/testkit"
)

// Env is a running events service.
type Env struct {
	Ledger *sqlite.Store
	Hub    *hub.Hub
	Server *httptest.Server
	URL    string // the server's base URL (http://127.0.0.1:port)

	// OnCommit, when set, sees each committed batch before the hub does (benchmarks time it).
	OnCommit func([]ledger.Event)

	mu     sync.Mutex
	closed bool
}

// Options tune an Env.
type Options struct {
	Hub    hub.Options    // Ledger is filled in
	Ledger sqlite.Options // OnCommit is filled in; Synchronous defaults to OFF (tests need no fsync)
	// Dir holds the ledger file; default t.TempDir().
	Dir string
	// SendBufferBytes, when above zero, sets SO_SNDBUF of every accepted connection, so a client
	// that stops reading fills the server's socket quickly.
	SendBufferBytes int
	// NoFeed leaves the hub unfed by commits: the test publishes (as another instance's feed would).
	NoFeed bool
	// Valve, when set, sits on every accepted connection: while it is shut, the server's writes
	// block as they do when a client has stopped reading and the sockets are full, without the
	// kernel's small-window timers (which make draining a full socket take seconds).
	Valve *Valve
}

// Token is the toy bearer token of an account and session: "account:session".
func Token(accountID, sessionID string) string { return accountID + ":" + sessionID }

// Auth is the toy authenticator: "Authorization: Bearer account:session".
func Auth(r *http.Request) (hub.Subject, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return hub.Subject{}, &api.Error{Code: api.CodeUnauthenticated, Message: "no bearer token"}
	}
	if tok == "fail" { // the service cannot check tokens (its store is down, say)
		return hub.Subject{}, errors.New("store unavailable")
	}
	acct, sess, ok := strings.Cut(tok, ":")
	if !ok || acct == "" || acct == "bad" {
		return hub.Subject{}, &api.Error{Code: api.CodeUnauthenticated, Message: "bad token"}
	}
	return hub.Subject{AccountID: acct, SessionID: sess}, nil
}

// New starts an Env; t.Cleanup closes it (Close may be called earlier).
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	e := &Env{}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Ledger.Synchronous == "" {
		opts.Ledger.Synchronous = "OFF"
	}
	var h *hub.Hub
	opts.Ledger.OnCommit = func(evs []ledger.Event) {
		if e.OnCommit != nil {
			e.OnCommit(evs)
		}
		if !opts.NoFeed {
			h.Publish(evs)
		}
	}
	l, err := sqlite.Open(context.Background(), filepath.Join(opts.Dir, "ledger.db"), opts.Ledger)
	if err != nil {
		t.Fatal(err)
	}
	opts.Hub.Ledger = l
	h = hub.New(opts.Hub)
	mux := http.NewServeMux()
	mux.Handle("GET /events", h.Handler(Auth))
	e.Ledger, e.Hub = l, h
	e.Server = httptest.NewUnstartedServer(mux)
	if opts.SendBufferBytes > 0 {
		e.Server.Listener = sndbufListener{e.Server.Listener, opts.SendBufferBytes}
	}
	if opts.Valve != nil {
		e.Server.Listener = valveListener{e.Server.Listener, opts.Valve}
	}
	e.Server.Start()
	e.URL = e.Server.URL
	t.Cleanup(e.Close)
	return e
}

// Close shuts the hub down, then the HTTP server, then the ledger.
func (e *Env) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = e.Hub.Shutdown(ctx)
	e.Server.Close()
	_ = e.Ledger.Close()
}

// Account creates an account holding credit whole units.
func (e *Env) Account(t testing.TB, email string, credit int64) ledger.Account {
	t.Helper()
	return ledgertest.MkAccount(t, e.Ledger, email, ledgertest.Units(credit))
}

// Pay pays micros from one account to another's email.
func (e *Env) Pay(from ledger.Account, to string, micros int64) error {
	_, err := e.Ledger.Pay(context.Background(), ledger.Payment{SenderID: from.ID, RecipientEmail: to,
		Amount: money.Micros(micros)})
	return err
}

// PayTimes makes n payments of one micro-unit from one account to another's email, failing the
// test on the first error.
func (e *Env) PayTimes(t testing.TB, from ledger.Account, to string, n int) {
	t.Helper()
	for range n {
		if err := e.Pay(from, to, 1); err != nil {
			t.Fatal(err)
		}
	}
}

// NewRetention starts an Env whose ledger keeps events for an hour by a clock the test moves by
// hand (from 2026-01-01 UTC); Prune then drops what the clock has put out of retention.
func NewRetention(t testing.TB) (*Env, *ledgertest.Clock) {
	t.Helper()
	clock := ledgertest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return New(t, Options{Ledger: sqlite.Options{EventTTL: time.Hour, Now: clock.Now}}), clock
}

// Prune drops the events and idempotency keys past retention now, failing the test on an error.
func (e *Env) Prune(t testing.TB) {
	t.Helper()
	if err := e.Ledger.Prune(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Proxy is a TCP proxy in front of an address (testkit.Proxy); Cut closes every connection
// through it.
type Proxy = testkit.Proxy

// NewProxy listens on loopback and forwards to target (host:port); t.Cleanup closes it.
func NewProxy(t testing.TB, target string) *Proxy { return testkit.NewProxy(t, target) }
