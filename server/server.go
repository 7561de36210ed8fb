// Package server is the accounting service over HTTP: the SyftBox-compatible layer of
// shared/api.md (Basic auth, wrapped bodies, PENDING holds, delegation tokens, admin endpoints)
// and the payments part of the enhanced layer (idempotent payments, batches, paging and filters).
// It turns requests into calls on a ledger.Ledger and the ledger's answers into the JSON of
// package api; every response, errors included, is JSON and carries X-Request-Id.
//
// It must not know SQL or which store is behind the ledger interface, and it never imports the
// wallet's client package. Password hashing, keys and tokens come from server/auth. It never
// writes a password, token, Authorization header or request body to its log, and never puts a Go
// error's text, SQL, a file path or a stack trace in a response.
package server

import (
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

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server/auth"
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

	// ShutdownGrace bounds how long Serve waits for in-flight requests once its context ends;
	// default 10 s. After it, remaining connections are closed.
	ShutdownGrace time.Duration
	// CredentialTTL is how long a successful Basic check is remembered; default (and at most)
	// auth.MaxCredentialTTL.
	CredentialTTL time.Duration
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
		cfg:      cfg,
		ledger:   cfg.Ledger,
		log:      cfg.Logger,
		now:      cfg.Now,
		hasher:   cfg.Hasher,
		issuer:   &auth.Issuer{Keys: cfg.Keys, Now: cfg.Now},
		creds:    auth.NewCredentialCache(cfg.CredentialTTL, 0, cfg.Now),
		inflight: newInflight(),
	}
	if cfg.AdminKey != "" {
		sum := sha256.Sum256([]byte(cfg.AdminKey))
		s.admin = sum[:]
	}
	s.authenticators = map[string]Authenticator{"basic": basicAuth{s}}
	s.routes()
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// Handler returns the service's http.Handler: routing, request ids, logging, panic recovery,
// body limits and authentication included.
func (s *Server) Handler() http.Handler { return s.handler }

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
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests keep running while shutting down: their context is not the one that ended.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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

// routes registers every endpoint. Patterns carry their method (Go 1.22 routing); a path that
// matches with another method gets 405 with Allow, any other path 404, both as JSON.
func (s *Server) routes() {
	s.mux = http.NewServeMux()
	public := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		s.mux.Handle(pattern, s.handle(h))
	}
	user := func(pattern string, h userHandler) { s.mux.Handle(pattern, s.requireUser(h)) }
	admin := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		s.mux.Handle(pattern, s.requireAdmin(h))
	}

	public("GET /healthz", s.healthz)
	public("POST /user/create", s.createUser)

	user("GET /user/my-info", s.myInfo)
	user("GET /account", s.myInfo)
	user("PUT /user/update-password", s.updatePassword)
	user("PUT /user/update-organization", s.updateOrganization)

	user("POST /transaction/create", s.createTransaction)
	user("POST /transaction/confirm", s.confirmTransaction)
	user("POST /transaction/cancel", s.cancelTransaction)
	user("POST /token/create", s.createToken)
	user("POST /transactions/token", s.createToken)
	user("GET /transactions", s.listTransactions)
	user("GET /transaction/history", s.listTransactions) // the SDK's name for it before /transactions

	user("POST /payments", s.pay)
	user("GET /payments/{id}", s.getPayment)
	user("POST /transactions/batch", s.payBatch)

	admin("POST /user/add-balance", s.addBalance)
	admin("GET /user/{email}", s.getUser)
	admin("GET /users", s.listUsers)
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
	}()

	h, pattern := s.mux.Handler(r)
	if pattern == "" || r.URL.Path != cleanPath(r.URL.Path) {
		route = "(unrouted)"
		s.unrouted(rw, r, h)
		return
	}
	route = pattern
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
