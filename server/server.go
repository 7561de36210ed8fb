// Package server is the accounting service over HTTP: the SyftBox-compatible layer of
// shared/api.md (Basic auth, wrapped bodies, PENDING holds, delegation tokens, admin endpoints)
// and the enhanced layer: idempotent payments, batches, paging and filters, and sign-in (/auth/*:
// Bearer access tokens with rotating refresh tokens, TOTP MFA with recovery codes, sessions and
// their revocation, rate limits on failed attempts). It turns requests into calls on a
// ledger.Ledger (and a ledger.AuthStore for sign-in) and their answers into the JSON of package
// api; every response, errors included, is JSON and carries X-Request-Id (a 204 has no body).
//
// It must not know SQL or which store is behind the ledger interface, and it never imports the
// wallet's client package. Password hashing, keys and tokens come from server/auth, the client
// address the per-address limits count from server/clientaddr. It never
// writes a password, token, Authorization header or request body to its log, and never puts a Go
// error's text, SQL, a file path or a stack trace in a response.
package server

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server/auth"
	"github.com/syftbox/syftwallet/server/clientaddr"
	"github.com/syftbox/syftwallet/server/metrics"
)

// Config is what a Server needs. Ledger is required; every other zero value takes a default.
type Config struct {
	Ledger        ledger.Ledger
	Currency      string        // the deployment's one currency; default "USD"
	AdminKey      string        // SYFTWALLET_ADMIN_KEY; empty: admin endpoints answer 404
	TokenTTL      time.Duration // lifetime of delegation (transaction) tokens; default 24 h
	Keys          *auth.Keyset  // signs tokens; default a fresh in-memory keyset (tokens die with the process)
	Hasher        *auth.Hasher  // argon2id; default auth.DefaultParams with a cap of NumCPU hashes at once
	Logger        *slog.Logger  // default slog.Default()
	Now           func() time.Time
	SystemEmail   string       // the system account's address; default ledger.SystemEmail
	WelcomeCredit money.Micros // credited to every new account (embedded mode only); default 0

	// KeyStore, when set, is told of the delegation tokens the service signs (how long they may be
	// presented), so that it refuses to start without the keys that verify them.
	KeyStore ledger.KeyStore

	// Events serves GET /events (the live event stream); it authenticates its own requests with
	// AuthenticateBearer. Mounted only with Auth. Nil: GET /events answers 404.
	Events http.Handler

	// ShutdownGrace bounds how long Serve waits for in-flight requests once its context ends;
	// default 10 s. After it, remaining connections are closed.
	ShutdownGrace time.Duration
	// CredentialTTL is how long a successful Basic check is remembered; default (and at most)
	// auth.MaxCredentialTTL.
	CredentialTTL time.Duration

	// Auth keeps sessions, refresh tokens and MFA state. With it the service offers /auth/* and
	// accepts Bearer access tokens; without it (nil) /auth/* answers 404 and only Basic is
	// accepted, like a server that has only the compatible layer.
	Auth ledger.AuthStore
	// APIKeys keeps API keys (/auth/api-keys, "Bearer swk_…"); default: Auth, when it is a
	// ledger.APIKeyStore too. Nil: no API keys (the routes answer 404, a key is 401).
	APIKeys    ledger.APIKeyStore
	AccessTTL  time.Duration // access token lifetime; default 5 min
	RefreshTTL time.Duration // refresh token lifetime (each rotation starts it again); default 30 days
	Issuer     string        // iss of access tokens, and the issuer shown by authenticator apps; default "syftwallet"
	Audience   string        // aud of access tokens; default "syftwallet-api"
	// OnRevoke is called after sessions are revoked (logout, logout-all, password change, a reused
	// refresh token), with their ids, so that live connections of those sessions can be closed.
	// It is called on the request's goroutine and must not block.
	OnRevoke func(sessionIDs []string)
	// Limits bounds failed sign-in attempts and registrations; zero fields take DefaultLimits.
	Limits Limits
	// NewBudget makes the attempt budget called name (see limits.go) with rate r. Default:
	// budgets in memory (auth.FailureLimiter), which one instance of the service keeps to itself;
	// instances that share a ledger share their limits through budgets over a shared store
	// (server/redisbudget, which service uses with --redis).
	NewBudget func(name string, r Rate) Budget
	// ClientAddr names the client a request comes from, for rate limits. Default: the host of
	// r.RemoteAddr (an IPv6 address counts as its /64). Forwarding headers such as
	// X-Forwarded-For are not trusted unless this function trusts them.
	ClientAddr func(r *http.Request) string

	// RequestLimits bound requests per client address and per credential (requests.go); zero
	// fields are no limit. Their budgets come from NewBudget too, so they are shared the same way.
	RequestLimits RequestLimits
	// Metrics records requests and payment latency (package metrics); nil records nothing.
	Metrics *metrics.Metrics
	// Ready are readiness checks beyond the ledger's own, by name (e.g. "redis"), for GET /readyz
	// (ready.go).
	Ready map[string]ReadyCheck
}

// Server is the accounting service. Create it with New; it is safe for concurrent use.
type Server struct {
	cfg      Config
	ledger   ledger.Ledger
	log      *slog.Logger
	now      func() time.Time
	hasher   *auth.Hasher
	issuer   *auth.Issuer
	creds    *auth.CredentialCache
	inflight *inflight
	admin    []byte // SHA-256 of the admin key; nil when none is configured

	auth     ledger.AuthStore   // nil: no /auth endpoints, no Bearer
	keys     ledger.APIKeyStore // nil: no API keys (apikeys.go)
	touch    keyTouch           // when keys were last marked used (apikeys.go)
	limits   *limiters
	requests requestLimiters // per address and per credential (requests.go)
	known    *knownPlaces    // where accounts signed in recently (known.go)
	// sessions remembers verified access tokens of live sessions (sessioncache.go).
	sessions *sessionCache
	payees   *payees // addresses known to be people's accounts (payees.go)
	// basicFlight shares a Basic password check among identical ones in flight (authn.go).
	basicFlight singleflight.Group

	storage storageAlarm // logs a full ledger storage once a minute (storage.go)
	signed  signedNote   // how long the tokens signed so far are valid, as recorded (tokennote.go)

	// authenticators resolve an Authorization header to a principal, by lower-case scheme.
	// Basic is registered here; Bearer access tokens plug in the same way.
	authenticators map[string]Authenticator

	mux     *http.ServeMux
	handler http.Handler
}

// New checks cfg, fills in defaults and builds the routes.
func New(cfg Config) (*Server, error) {
	if cfg.Ledger == nil {
		return nil, errors.New("server: Config.Ledger is required")
	}
	cfg.Currency = strings.ToUpper(strings.TrimSpace(cfg.Currency))
	if cfg.Currency == "" {
		cfg.Currency = "USD"
	}
	if len(cfg.Currency) != 3 || strings.Trim(cfg.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return nil, fmt.Errorf("server: currency %q is not a three-letter code", cfg.Currency)
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SystemEmail == "" {
		cfg.SystemEmail = ledger.SystemEmail
	}
	if cfg.WelcomeCredit < 0 || cfg.WelcomeCredit > money.MaxAmount {
		return nil, errors.New("server: WelcomeCredit out of range")
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = 10 * time.Second
	}
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = auth.DefaultAccessTTL
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "syftwallet"
	}
	if cfg.Audience == "" {
		cfg.Audience = "syftwallet-api"
	}
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = clientaddr.Host
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.NewBudget == nil {
		cfg.NewBudget = newMemoryBudget(cfg.Now)
	}
	if cfg.Keys == nil {
		ks, err := auth.GenerateKeyset()
		if err != nil {
			return nil, fmt.Errorf("server: keyset: %w", err)
		}
		cfg.Keys = ks
	}
	if cfg.Hasher == nil {
		h, err := auth.NewHasher(auth.DefaultParams(), runtime.NumCPU())
		if err != nil {
			return nil, fmt.Errorf("server: hasher: %w", err)
		}
		cfg.Hasher = h
	}
	s := &Server{
		cfg:    cfg,
		ledger: cfg.Ledger,
		log:    cfg.Logger,
		now:    cfg.Now,
		hasher: cfg.Hasher,
		issuer: &auth.Issuer{Keys: cfg.Keys, Now: cfg.Now,
			Issuer: cfg.Issuer, Audience: cfg.Audience, TTL: cfg.AccessTTL, TokenTTL: cfg.TokenTTL},
		creds:    auth.NewCredentialCache(cfg.CredentialTTL, 0, cfg.Now),
		inflight: newInflight(),
		auth:     cfg.Auth,
		keys:     cfg.APIKeys,
		limits:   newLimiters(cfg.Limits, cfg.NewBudget),
		requests: newRequestLimiters(cfg.RequestLimits, cfg.NewBudget),
		known:    newKnownPlaces(cfg.Now),
		sessions: newSessionCache(cfg.Now),
		payees:   newPayees(),
	}
	if s.keys == nil && s.auth != nil {
		s.keys, _ = s.auth.(ledger.APIKeyStore)
	}
	if cfg.AdminKey != "" {
		sum := sha256.Sum256([]byte(cfg.AdminKey))
		s.admin = sum[:]
	}
	s.authenticators = map[string]Authenticator{"basic": basicAuth{s}}
	if s.auth != nil {
		s.authenticators["bearer"] = bearerAuth{s}
	}
	s.routes()
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// Handler returns the service's http.Handler: routing, request ids, logging, panic recovery,
// body limits and authentication included.
func (s *Server) Handler() http.Handler { return s.handler }

// ClientAddr names the client a request comes from (Config.ClientAddr), so that the event hub's
// per-address cap counts clients as the rate limits do.
func (s *Server) ClientAddr(r *http.Request) string { return s.cfg.ClientAddr(r) }

// ForgetCredentials drops the remembered Basic checks of an account, as this instance does itself
// when the account's password or second factor changes: for another instance's change.
func (s *Server) ForgetCredentials(accountID string) { s.creds.ForgetUser(accountID) }

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully: it stops accepting,
// lets in-flight requests finish for at most Config.ShutdownGrace, closes what is left, and
// returns once every goroutine it started has ended. It does not close the ledger (its owner
// does, after Serve returns). A clean shutdown returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// "OPTIONS *" reaches the service's routing (a JSON 404) instead of net/http's empty 200.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests keep running while shutting down: their context is not the one that ended.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(jsonRefusals(ln)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("server: requests still running after %s were cut off", s.cfg.ShutdownGrace)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("server: %w", serr)
	}
	return err
}

// Who may call a route.
type access int

const (
	public     access = iota // anyone
	userAccess               // a user, by Basic or Bearer
	bearerOnly               // a user, by Bearer only (the /auth endpoints of a signed-in user)
	adminOnly                // the admin key
	stream                   // a WebSocket upgrade that checks its own Bearer token
)

// route is one endpoint. Every endpoint is in routeTable and registered from it only, so the tests
// can walk them all.
type route struct {
	pattern string
	access  access
	h       func(http.ResponseWriter, *http.Request) error // public and admin
	u       userHandler                                    // user and bearer
	auth    bool                                           // exists only with Config.Auth
	keys    bool                                           // exists only with API keys (Config.APIKeys)
	// scope is what an API key needs to call a user route (api.ScopeRead, ScopePay); "": no key
	// may (sign-in, password, two-factor, key management).
	scope string
	raw   http.Handler // stream: served as is (it upgrades)
}

// routeTable lists every endpoint of the service.
func (s *Server) routeTable() []route {
	pub := func(p string, h func(http.ResponseWriter, *http.Request) error) route {
		return route{pattern: p, access: public, h: h}
	}
	usr := func(p, scope string, h userHandler) route {
		return route{pattern: p, access: userAccess, u: s.limited(h), scope: scope}
	}
	const read, pay, none = api.ScopeRead, api.ScopePay, ""
	adm := func(p string, h func(http.ResponseWriter, *http.Request) error) route {
		return route{pattern: p, access: adminOnly, h: h}
	}
	authPub := func(p string, h func(http.ResponseWriter, *http.Request) error) route {
		return route{pattern: p, access: public, h: h, auth: true}
	}
	authBearer := func(p string, h userHandler) route {
		return route{pattern: p, access: bearerOnly, u: s.limited(h), auth: true}
	}
	keysBearer := func(p string, h userHandler) route {
		return route{pattern: p, access: bearerOnly, u: s.limited(h), auth: true, keys: true}
	}
	mfaBearer := func(p string, step mfaCodeStep) route { return authBearer(p, s.mfaCodeHandler(step)) }
	routes := []route{
		pub("GET /healthz", s.healthz),
		pub("GET /readyz", s.readyz),
		pub("POST /user/create", s.createUser),

		usr("GET /user/my-info", read, s.myInfo),
		usr("GET /account", read, s.myInfo),
		usr("GET /account/balance-history", read, s.balanceHistory),
		usr("PUT /user/update-password", none, s.updatePassword),
		usr("PUT /user/update-organization", none, s.updateOrganization),

		usr("POST /transaction/create", pay, s.createTransaction),
		usr("POST /transaction/confirm", pay, s.confirmTransaction),
		usr("POST /transaction/cancel", pay, s.cancelTransaction),
		usr("POST /token/create", pay, s.createToken),
		usr("POST /transactions/token", pay, s.createToken),
		usr("GET /transactions/tokens", read, s.listTokens),              // no token in it: a read
		usr("POST /transactions/tokens/{id}/revoke", pay, s.revokeToken), // tokens are the pay scope's
		usr("GET /transactions", read, s.listTransactions),
		usr("GET /transaction/history", read, s.listTransactions), // the SDK's name for it before /transactions

		usr("POST /payments", pay, s.pay),
		usr("GET /payments/{id}", read, s.getPayment),
		usr("POST /transactions/batch", pay, s.payBatch),

		adm("POST /user/add-balance", s.addBalance),
		adm("GET /user/{email}", s.getUser),
		adm("GET /users", s.listUsers),

		authPub("POST /auth/register", s.createUser),
		authPub("POST /auth/login", s.login),
		authPub("POST /auth/mfa/initiate", s.mfaInitiate),
		authPub("POST /auth/mfa/verify", s.mfaVerify),
		authPub("POST /auth/refresh", s.refresh),
		authPub("GET /auth/jwks", s.jwks),
		authBearer("POST /auth/logout", s.logout),
		authBearer("POST /auth/logout-all", s.logoutAll),
		authBearer("POST /auth/password", s.changePasswordBearer),
		authBearer("POST /auth/mfa/enroll", s.mfaEnroll),
		mfaBearer("POST /auth/mfa/enable", s.mfaEnable),
		mfaBearer("POST /auth/mfa/disable", s.mfaDisable),
		authBearer("GET /auth/mfa", s.mfaStatus),
		authBearer("POST /auth/mfa/recovery-codes", s.mfaRecoveryCodes),
		keysBearer("POST /auth/api-keys", s.createAPIKey),
		keysBearer("GET /auth/api-keys", s.listAPIKeys),
		keysBearer("DELETE /auth/api-keys/{id}", s.revokeAPIKey),
	}
	if s.cfg.Events != nil {
		routes = append(routes, route{pattern: "GET /events", access: stream, raw: s.cfg.Events, auth: true, scope: read})
	}
	return routes
}

// routes registers every endpoint of routeTable. Patterns carry their method (Go 1.22 routing);
// a path that matches with another method gets 405 with Allow, any other path 404, both as JSON.
// Without Config.Auth the /auth endpoints are not registered: they answer 404.
func (s *Server) routes() {
	s.mux = http.NewServeMux()
	for _, rt := range s.routeTable() {
		if rt.auth && s.auth == nil || rt.keys && s.keys == nil {
			continue
		}
		switch rt.access {
		case public:
			s.mux.Handle(rt.pattern, s.handle(rt.h))
		case userAccess:
			s.mux.Handle(rt.pattern, s.requireUser(scoped(rt.scope, rt.u)))
		case bearerOnly:
			s.mux.Handle(rt.pattern, s.requireBearer(rt.u))
		case adminOnly:
			s.mux.Handle(rt.pattern, s.requireAdmin(rt.h))
		case stream:
			s.mux.Handle(rt.pattern, rt.raw)
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, api.Health{Status: "ok"})
	return nil
}

// serveHTTP is the outermost layer: request id, body limit, panic recovery, routing, logging.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := auth.NewID()
	w.Header().Set(api.HeaderRequestID, id)
	rw := &statusWriter{ResponseWriter: w}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(rw, r.Body, api.MaxBodyBytes)
	}
	route := ""
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "requestId", id, "method", r.Method, "route", route,
				"panic", fmt.Sprint(v), "stack", stack())
			if !rw.wrote {
				writeError(rw, &api.Error{Code: api.CodeInternal, Message: "Something went wrong on our side."})
			}
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("requestId", id), slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", rw.status()), slog.Duration("duration", time.Since(start)),
			slog.Int64("bytes", rw.bytes))
		s.cfg.Metrics.Request(route, rw.status(), time.Since(start))
	}()

	h, pattern := s.mux.Handler(r)
	if pattern == "" || r.URL.Path != cleanPath(r.URL.Path) {
		route = "(unrouted)"
		s.unrouted(rw, r, h)
		return
	}
	route = pattern
	if err := s.allowAddress(r, route); err != nil {
		s.fail(rw, r, err)
		return
	}
	s.mux.ServeHTTP(rw, r)
}

// unrouted answers a request no pattern matched: 405 with Allow when the path exists with other
// methods, else 404. The mux's own text answer is captured and thrown away.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request, h http.Handler) {
	cw := &captureWriter{header: http.Header{}}
	if r.URL.Path == cleanPath(r.URL.Path) {
		h.ServeHTTP(cw, r)
	}
	if cw.code == http.StatusMethodNotAllowed {
		if allow := cw.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeError(w, &api.Error{Code: api.CodeMethodNotAllowed,
			Message: "This endpoint does not accept the " + safeMethod(r.Method) + " method."})
		return
	}
	writeError(w, notFound())
}

func notFound() *api.Error {
	return &api.Error{Code: api.CodeNotFound, Message: "There is nothing here."}
}

// cleanPath is path.Clean for a URL path, keeping "/" as is; an unclean path is not routed (the
// mux would answer it with an HTML redirect).
func cleanPath(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	if strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") || p[0] != '/' {
		return ""
	}
	return p
}

func safeMethod(m string) string {
	if len(m) > 16 {
		return "given"
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return "given"
		}
	}
	return m
}

// handle adapts a handler that returns an error: a *api.Error is sent as is, a ledger error is
// mapped, anything else is logged and sent as 500 internal_error.
func (s *Server) handle(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// statusWriter remembers what was written for the access log and for panic recovery.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
	bytes int64
}

// Hijack lets a WebSocket upgrade take the connection over (the access log then says 101).
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: connection cannot be hijacked")
	}
	w.code, w.wrote = http.StatusSwitchingProtocols, true
	return h.Hijack()
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) status() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach Flush and Hijack (the events WebSocket needs them).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// captureWriter swallows what the mux's fallback handler writes, keeping status and headers.
type captureWriter struct {
	header http.Header
	code   int
}

func (w *captureWriter) Header() http.Header         { return w.header }
func (w *captureWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *captureWriter) WriteHeader(code int)        { w.code = code }

var _ io.Writer = (*captureWriter)(nil)
