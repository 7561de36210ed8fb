// Package service assembles the accounting service from its parts (the ledger on SQLite or
// PostgreSQL, the signing keys, the HTTP server and its event hub) and runs it: for `syftwallet
// serve`, and in-process on loopback for the wallet's embedded mode and for tests. On PostgreSQL
// several instances share one database: each one's hub is also fed the events the others commit,
// and closes the sockets of sessions revoked anywhere (instances.go). The embedded mode itself is
// here too (embedded.go): one process per data directory runs the service, holding the
// directory's lock and writing its address for the others; new accounts get the welcome credit;
// the demo accounts are there to pay.
//
// It holds wiring and lifetimes only, and the start-up rule that the keys must open what the
// ledger holds (keys.go): no HTTP handlers, no SQL, no Bubble Tea.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server"
	"github.com/syftbox/syftwallet/server/clientaddr"
	"github.com/syftbox/syftwallet/server/hub"
)

// Options configure a running service. DBPath or DatabaseURL is required.
type Options struct {
	Addr   string // listen address; default 127.0.0.1:8080 ("127.0.0.1:0" picks a free port)
	DBPath string // the ledger file (SQLite)
	// DatabaseURL, when set (postgres://…), puts the ledger on PostgreSQL instead of DBPath:
	// several instances may share the database. KeysPath is then required, the same keys file for
	// every instance.
	DatabaseURL   string
	KeysPath      string // the signing and encryption keys; default keys.json beside DBPath
	AdminKey      string
	Currency      string
	TokenTTL      time.Duration // delegation tokens; default 24 h
	AccessTTL     time.Duration // access tokens; default 5 min
	Logger        *slog.Logger
	WelcomeCredit money.Micros // embedded mode: credited to each new account
	Listener      net.Listener // optional: serve on this instead of listening on Addr
	// NewKeys makes new keys when the keys file is missing, another keyset's or corrupt while the
	// ledger depends on its keys: every session ends, and two-factor accounts sign in with a
	// recovery code and enroll again (keys.go). Ignored when the keys open the ledger.
	NewKeys bool
	// NewKeysCommand is how the person starts this service with NewKeys, for the advice in a
	// KeysError; default "syftwallet serve --new-keys".
	NewKeysCommand string
	// EventsPerAccount and EventsPerAddress cap live-event connections (hub.Options
	// MaxPerAccount, MaxPerAddress); zero: the defaults, 20 and 100; negative: no cap.
	EventsPerAccount int
	EventsPerAddress int

	// Operations (ops.go). RedisURL (redis://host:port[/db]) keeps the sign-in and request limits
	// in Redis, shared by every instance using it; empty: per instance. MetricsAddr (or
	// MetricsListener) serves GET /metrics there; empty: no metrics. RequestsPerAddress and
	// RequestsPerKey bound requests per minute per client address and per credential; 0: none.
	RedisURL           string
	RedisTimeout       time.Duration // bounds each Redis call; default 300 ms, then the limits fall back
	MetricsAddr        string
	MetricsListener    net.Listener
	RequestsPerAddress int
	RequestsPerKey     int
	// TrustedProxies are the load balancers in front of the service (CIDR prefixes or addresses):
	// from them, and only them, X-Forwarded-For names the client that per-address limits count.
	TrustedProxies []string
	// Limits are the sign-in limits (server.Limits); zero fields take server.DefaultLimits.
	Limits server.Limits
}

// Defaults of Options.EventsPerAccount and EventsPerAddress.
const (
	DefaultEventsPerAccount = hub.DefaultMaxPerAccount
	DefaultEventsPerAddress = hub.DefaultMaxPerAddress
)

// Store is what the service needs of its ledger: ledger/sqlite's and ledger/postgres's stores.
type Store interface {
	ledger.Ledger
	ledger.AuthStore
	ledger.KeyStore
}

// Service is a running accounting service.
type Service struct {
	URL    string // http://host:port
	Ledger Store
	Server *server.Server

	ops    *ops
	cancel context.CancelFunc
	done   chan error
}

// Start opens the ledger and keys and starts serving. Keys that cannot open what the ledger
// holds (missing, another keyset, corrupt) are refused with a *KeysError, unless NewKeys. It
// returns once the listener is open, so URL answers at once. Stop (or ending ctx) shuts it down:
// in-flight requests finish, then the ledger commits what it was given and closes.
func Start(ctx context.Context, o Options) (*Service, error) {
	if o.DBPath == "" && o.DatabaseURL == "" {
		return nil, errors.New("service: no ledger path")
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8080"
	}
	if o.DatabaseURL != "" && o.KeysPath == "" {
		return nil, errors.New("service: a ledger on PostgreSQL needs a keys file (--keys), the same for every instance")
	}
	if o.KeysPath == "" {
		o.KeysPath = filepath.Join(filepath.Dir(o.DBPath), "keys.json")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DatabaseURL == "" {
		if err := os.MkdirAll(filepath.Dir(o.DBPath), 0o700); err != nil {
			return nil, fmt.Errorf("service: data directory: %w", err)
		}
	}
	if o.NewKeysCommand == "" {
		o.NewKeysCommand = "syftwallet serve --new-keys"
	}
	trusted, err := clientaddr.ParsePrefixes(o.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("service: a trusted proxy is not an address or CIDR prefix: %w", err)
	}
	op, err := startOps(ctx, o)
	if err != nil {
		return nil, err
	}
	m := op.metrics
	// The hub is fed from committed rows only: the ledger hands each commit's events to it, and to
	// the server, whose session cache forgets the sessions they revoke.
	var events *hub.Hub
	var served atomic.Pointer[server.Server] // srv, for the ledger's and the feed's goroutines once it exists
	publish := func(evs []ledger.Event) {
		if m != nil && len(evs) > 0 {
			m.EventLag(evs[0].At, time.Now())
		}
		events.Publish(evs)
		if p := served.Load(); p != nil {
			p.Committed(evs)
		}
	}
	var store Store
	var pg *postgres.Store
	where := o.DBPath
	if o.DatabaseURL != "" {
		var err error
		if pg, err = postgres.Open(ctx, o.DatabaseURL, postgres.Options{Currency: o.Currency, OnCommit: publish, OnGroup: m.Group,
			OnError: func() { m.StoreError("postgres") }}); err != nil {
			op.close()
			return nil, fmt.Errorf("service: ledger: %w", err)
		}
		store, where = pg, "postgres"
	} else {
		sq, err := sqlite.Open(ctx, o.DBPath, sqlite.Options{Currency: o.Currency, OnCommit: publish, OnGroup: m.Group})
		if err != nil {
			op.close()
			return nil, fmt.Errorf("service: ledger: %w", err)
		}
		store = sq
	}
	var srv *server.Server
	events = hub.New(hub.Options{Ledger: store, Logger: o.Logger,
		MaxPerAccount: o.EventsPerAccount, MaxPerAddress: o.EventsPerAddress,
		ClientAddr: func(r *http.Request) string { return srv.ClientAddr(r) }})
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var feed chan error
	if pg != nil {
		// Events committed and sessions revoked by the other instances reach this one's hub.
		feed = make(chan error, 1)
		go func() {
			feed <- followInstances(runCtx, pg, events, func(id string) {
				if p := served.Load(); p != nil {
					p.ForgetCredentials(id)
				}
			}, func(ids []string) {
				if p := served.Load(); p != nil {
					p.SessionsRevoked(ids) // the session cache, as the hub closes their streams
				}
			}, o.Logger)
		}()
	}
	closeStore := func() error {
		cancel()
		if feed != nil {
			<-feed
			feed = nil
		}
		return store.Close()
	}
	// The keys are checked once the hub exists: replacing them revokes sessions, which posts events.
	keys, err := openKeys(ctx, store, o.KeysPath, o.NewKeys, o.NewKeysCommand, time.Now(), o.Logger)
	if err != nil {
		closeStore()
		op.close()
		return nil, err
	}
	op.gauges(events.Connections)
	stream := events.Handler(func(r *http.Request) (hub.Subject, error) {
		account, session, err := srv.AuthenticateBearer(r)
		return hub.Subject{AccountID: account, SessionID: session}, err
	})
	srv, err = server.New(server.Config{
		Ledger: store, Auth: store, KeyStore: store, Events: stream, Currency: o.Currency, AdminKey: o.AdminKey,
		TokenTTL: o.TokenTTL, AccessTTL: o.AccessTTL, Keys: keys, Logger: o.Logger,
		WelcomeCredit: o.WelcomeCredit,
		NewBudget:     op.budgets(), Ready: op.ready(), Metrics: m, ClientAddr: clientaddr.Forwarded(trusted), Limits: o.Limits,
		RequestLimits: server.RequestLimits{
			Address: server.Rate{PerMinute: o.RequestsPerAddress},
			Key:     server.Rate{PerMinute: o.RequestsPerKey},
		},
		OnRevoke: func(ids []string) {
			for _, id := range ids {
				events.RevokeSession(id)
			}
		},
	})
	if err != nil {
		closeStore()
		op.close()
		return nil, err
	}
	served.Store(srv)
	ln := o.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", o.Addr); err != nil {
			closeStore()
			op.close()
			return nil, fmt.Errorf("service: listen on %s: %w", o.Addr, err)
		}
	}
	s := &Service{URL: "http://" + ln.Addr().String(), Ledger: store, Server: srv, ops: op, cancel: cancel, done: make(chan error, 1)}
	go func() {
		serveErr := make(chan error, 1)
		go func() { serveErr <- srv.Serve(runCtx, ln) }()
		metricsErr := make(chan error, 1)
		go func() { metricsErr <- op.serveMetrics(runCtx, o.Logger) }()
		<-runCtx.Done()
		// WebSockets first (the HTTP server does not track hijacked connections): 1001 to each.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		herr := events.Shutdown(sctx)
		cancel()
		err := <-serveErr
		merr := <-metricsErr
		s.done <- errors.Join(err, herr, merr, closeStore(), op.close())
	}()
	go func() {
		select {
		case <-ctx.Done():
			cancel()
		case <-runCtx.Done():
		}
	}()
	o.Logger.Info("accounting service listening", "url", s.URL, "ledger", where)
	if u := s.MetricsURL(); u != "" {
		o.Logger.Info("metrics", "url", u)
	}
	return s, nil
}

// Wait blocks until the service has stopped and returns why.
func (s *Service) Wait() error {
	err := <-s.done
	s.done <- err
	return err
}

// Stop shuts the service down and waits for it.
func (s *Service) Stop() error {
	s.cancel()
	return s.Wait()
}
