package client

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/syftbox/syftwallet/api"
)

// Version is the wallet's version, sent in the User-Agent. The main package
// sets it at build time:
//
//	go build -ldflags "-X github.com/syftbox/syftwallet/client.Version=1.2.3"
//
// It is the package's only mutable global; nothing else changes it.
var Version = "dev"

// Client talks to one accounting service for one person at a time. Create
// it with New; every method takes a context and is safe to call from any
// number of goroutines. Close it when done.
type Client struct {
	cfg      Config
	base     string // service URL without a trailing slash
	serverID string // the token store's key for this service
	hc       *http.Client
	tr       *http.Transport // nil when WithTransport replaced it
	log      *slog.Logger
	now      func() time.Time
	store    TokenStore
	report   StoreReport // where store keeps sessions
	warning  string

	limiter *rate.Limiter
	breaker *gobreaker.CircuitBreaker[*response]
	budget  *retryBudget
	attempt time.Duration // deadline of one attempt (the call's deadline is cfg.Timeout)

	audit   *AuditLog
	legacy  atomic.Bool
	tokens  *tokenManager
	account *accountCache
	closed  atomic.Bool
}

// Option changes how New builds a Client.
type Option func(*options)

type options struct {
	store       TokenStore
	logger      *slog.Logger
	now         func() time.Time
	rt          http.RoundTripper
	tlsConfig   *tls.Config
	serverID    string
	issuer      string
	audience    string
	breakerOpen time.Duration // tests shorten the breaker's open period
	noBudget    bool          // tests that need every retry turn the budget off
	// kernel opens the kernel keyring (newKernelStore); tests of a machine without one replace it.
	kernel func() (TokenStore, bool)
}

// WithTokenStore sets where the refresh token (or, in legacy mode, the
// password) is kept. Without it New calls NewTokenStore(cfg.Keyring), which
// falls back to memory when no keyring answers; Session().Warning then says so.
func WithTokenStore(s TokenStore) Option { return func(o *options) { o.store = s } }

// WithLogger sets the logger. The client logs requests and state changes at
// debug and warn levels, never a secret. Default: slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock the caches and the token manager read (tests and
// simulations). Default: time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithTransport replaces the pooled http.Transport (tests). The client's
// timeouts, retries, breaker and rate limiter still apply.
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.rt = rt } }

// WithTLSConfig sets the TLS configuration of the pooled transport (a
// private CA, a test server's certificate).
func WithTLSConfig(c *tls.Config) Option { return func(o *options) { o.tlsConfig = c } }

// WithServerIdentity names the service in the token store. By default it is
// the service URL; the embedded service, whose loopback port changes at every
// start, passes a stable name instead (e.g. "embedded:" + the data dir) so
// that a restarted wallet finds its session.
func WithServerIdentity(name string) Option { return func(o *options) { o.serverID = name } }

// WithTokenClaims sets the iss and aud an access token must carry. Default:
// DefaultTokenIssuer and DefaultTokenAudience.
func WithTokenClaims(issuer, audience string) Option {
	return func(o *options) { o.issuer, o.audience = issuer, audience }
}

// The iss and aud the service puts in its access tokens.
const (
	DefaultTokenIssuer   = "syftwallet"
	DefaultTokenAudience = "syftwallet-api"
)

// New builds a client for cfg.ServiceURL. It does not touch the network.
// In embedded mode start the service first, set cfg.ServiceURL to its
// loopback address and pass WithServerIdentity.
func New(cfg Config, opts ...Option) (*Client, error) {
	o := options{issuer: DefaultTokenIssuer, audience: DefaultTokenAudience}
	for _, opt := range opts {
		opt(&o)
	}
	if cfg.ServiceURL == "" {
		return nil, errors.New("client: no service URL (start the embedded service and set Config.ServiceURL)")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if o.now == nil {
		o.now = time.Now
	}
	c := &Client{
		cfg:      cfg,
		base:     strings.TrimRight(cfg.ServiceURL, "/"),
		serverID: o.serverID,
		log:      o.logger.With("component", "client"),
		now:      o.now,
		store:    o.store,
	}
	if c.serverID == "" {
		c.serverID = c.base
	}
	if c.store == nil {
		kernel := o.kernel
		if kernel == nil {
			kernel = newKernelStore
		}
		c.store, c.report = chooseTokenStore(cfg.Keyring, os.Getenv, kernel)
		c.warning = c.report.Warning
	} else {
		c.report = StoreReport{Kind: StoreKind(c.store)}
		describeKernel(c.store, &c.report)
		if !c.store.Persistent() && cfg.Keyring {
			c.warning = "Secrets are kept in memory only; you will need to sign in again next time."
		}
	}
	c.legacy.Store(cfg.Legacy)

	rt := o.rt
	if rt == nil {
		c.tr = newTransport(cfg, o.tlsConfig)
		rt = c.tr
	}
	// No client-wide Timeout: every call carries its own deadline.
	c.hc = &http.Client{Transport: rt, CheckRedirect: noRedirects}
	c.attempt = attemptTimeout(cfg)
	c.limiter = newLimiter(cfg.RateLimitPerMinute)
	c.breaker = newBreaker(cfg.BreakerThreshold, o.breakerOpen, c.log)
	c.budget = newRetryBudget(cfg.MaxRetries, o.noBudget)

	audit, err := OpenAuditLog(cfg.DataDir, cfg.AuditLogging)
	if err != nil {
		return nil, err
	}
	c.audit = audit
	c.tokens = newTokenManager(c, o.issuer, o.audience)
	c.account = newAccountCache()
	return c, nil
}

// noRedirects hands a redirect back to the caller as a response: following
// one would resend credentials to wherever it points.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// BaseURL is the service's URL, without a trailing slash (the events stream
// dials BaseURL()+"/events").
func (c *Client) BaseURL() string { return c.base }

// ServerIdentity is the name the token store files this service under.
func (c *Client) ServerIdentity() string { return c.serverID }

// TokenStore reports where the client keeps sessions: which store, and until when.
func (c *Client) SessionStore() StoreReport { return c.report }

// Config returns the configuration the client runs with.
func (c *Client) Config() Config { return c.cfg }

// Legacy reports whether the client talks to the compatible layer only
// (Basic auth, client-side paging, no live events), set in the config or
// detected at sign-in.
func (c *Client) Legacy() bool { return c.legacy.Load() }

// EventsAvailable reports whether the live events stream can be used: the
// service has the enhanced layer and the WEBSOCKET_EVENTS flag is on. When
// false the UI polls instead: Invalidate, then Account and History.
func (c *Client) EventsAvailable() bool { return !c.Legacy() && c.cfg.WebsocketEvents }

// Close releases idle connections and closes the audit log. The session
// stays in the token store (Logout ends it). Close is idempotent.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	if c.tr != nil {
		c.tr.CloseIdleConnections()
	}
	return c.audit.Close()
}

// Ping checks that the service answers (GET /healthz), through the same
// retries, breaker and rate limiter as every call.
func (c *Client) Ping(ctx context.Context) error {
	var h api.Health
	return c.do(ctx, &call{method: http.MethodGet, path: "/healthz"}, &h)
}
