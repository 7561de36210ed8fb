// Package sshhost hosts the wallet over SSH (`syftwallet ssh`), with wish v2: every SSH session
// is its own wallet, with its own root model, its own client and its own session, whose tokens
// live in memory only and never touch the host's keyring. The colour profile and the window size
// come from the client's terminal. With no service configured it starts the accounting service
// embedded, once for the host, and every session's client talks to it.
//
// It holds the SSH side only: the host key, who may connect (public keys, an authorized_keys
// allowlist), the limits (sessions, idle time, connection rate per address) and a graceful
// shutdown that tells open sessions. Signing in happens inside the wallet (package ui); this
// package knows no screens, does no HTTP of its own and never logs a secret.
//
// An exception to design.md's import rules, as soft-serve's SSH side is: it imports Bubble Tea
// (and wish's Bubble Tea middleware), because every session is a tea.Program of its own with the
// session's input, output, window size and colour profile. The model itself it does not build:
// app.NewModel does, as for the terminal, from the host's configuration (package config).
package sshhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	"charm.land/wish/v2/ratelimiter"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/time/rate"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/service"
)

// Defaults of the limits.
const (
	DefaultAddr          = "127.0.0.1:23234"
	DefaultMaxSessions   = 100
	DefaultIdleTimeout   = 15 * time.Minute
	DefaultRatePerMinute = 10 // new sessions per minute per client address, after the burst
	DefaultRateBurst     = 10
	// handshakeTimeout bounds how long a connection may take to authenticate.
	handshakeTimeout = 30 * time.Second
	// shutdownGrace is how long Shutdown waits for sessions to leave before closing them.
	shutdownGrace = 10 * time.Second
)

// The one-line messages a person may see instead of the wallet.
const (
	MsgNoPTY        = "syftwallet is a terminal app: connect with a terminal (ssh -t), not ssh -T or a command."
	MsgCommand      = "This host serves the wallet only: connect without a command."
	MsgFull         = "The wallet host is full right now; try again in a few minutes."
	MsgRateLimited  = "Too many connections from your address; try again in a minute."
	MsgShuttingDown = "The wallet host is shutting down."
	MsgIdle         = "Closed after %s without a keypress."
	MsgUnavailable  = "The wallet could not start here; try again later."
)

// Options configure a host.
type Options struct {
	// Addr is the address to listen on; default DefaultAddr ("127.0.0.1:0" picks a free port).
	Addr string
	// Config is the configuration every session starts from: its client's (Config.Client, with
	// no email, no password and no keyring) and the wallet's (theme, keys, pay threshold). An
	// empty Client.ServiceURL starts the service embedded, ledger in Client.DataDir.
	Config config.Config
	// HostKeyPath is the ed25519 host key; default HostKeyFile in Config.DataDir, created on
	// first start with mode 0600.
	HostKeyPath string
	// AuthorizedKeysPath, when set, is an authorized_keys file: only its keys may connect.
	// Without it any public key is accepted. Passwords and keyboard-interactive are never offered.
	AuthorizedKeysPath string
	// MaxSessions caps the wallets open at once; default DefaultMaxSessions.
	MaxSessions int
	// IdleTimeout closes a session after this long without a keypress (and a connection after
	// this long without traffic); default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// RatePerMinute and RateBurst limit new sessions per client address; defaults
	// DefaultRatePerMinute and DefaultRateBurst.
	RatePerMinute, RateBurst int
	// Logger receives the host's log (connections, refusals, errors); default discards.
	Logger *slog.Logger
}

// Host is a running SSH wallet host.
type Host struct {
	opts     Options
	log      *slog.Logger
	srv      *ssh.Server
	ln       net.Listener
	emb      *service.Embedded // the data directory's service, when no server is configured
	svc      *service.Service  // emb's service when this process runs it, or nil
	cfg      client.Config     // what each session's client gets
	clientID []client.Option   // the server identity, for embedded mode
	server   string            // the status bar's name of the service
	embedded bool
	hint     string

	active  atomic.Int64
	nextID  atomic.Uint64
	mu      sync.Mutex
	live    map[*wallet]struct{}
	closing bool
	// handlers are the admitted sessions' handlers; Shutdown waits for them before it stops the
	// embedded service they talk to.
	handlers sync.WaitGroup

	serveErr chan error
	stopOnce sync.Once
	stopErr  error
}

// Start starts the embedded service (when no server is configured), loads or creates the host
// key and starts listening. It returns once connections are accepted.
func Start(ctx context.Context, o Options) (*Host, error) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.RatePerMinute <= 0 {
		o.RatePerMinute = DefaultRatePerMinute
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HostKeyPath == "" {
		if o.Config.Client.DataDir == "" {
			return nil, errors.New("ssh: no data directory for the host key; pass --host-key or --data-dir")
		}
		o.HostKeyPath = filepath.Join(o.Config.Client.DataDir, HostKeyFile)
	}
	h := &Host{opts: o, log: o.Logger, live: map[*wallet]struct{}{}, serveErr: make(chan error, 1)}

	// Every session's client: no account of the host's, no password, no keyring.
	h.cfg = o.Config.Client
	h.cfg.Email, h.cfg.Password, h.cfg.Keyring = "", "", false

	hostKey, err := loadOrCreateHostKey(o.HostKeyPath)
	if err != nil {
		return nil, err
	}
	var allow *authorizedKeys
	if o.AuthorizedKeysPath != "" {
		if allow, err = loadAuthorizedKeys(o.AuthorizedKeysPath, h.log); err != nil {
			return nil, err
		}
	}

	ok := false
	defer func() {
		if !ok {
			h.stopService()
		}
	}()
	if err := h.startService(ctx); err != nil {
		return nil, err
	}

	limiter := ratelimiter.NewRateLimiter(rate.Limit(float64(o.RatePerMinute)/60), o.RateBurst, 4096)
	srv, err := wish.NewServer(
		wish.WithAddress(o.Addr),
		wish.WithHostKeyPEM(hostKey),
		wish.WithPublicKeyAuth(h.publicKeyHandler(allow)),
		wish.WithIdleTimeout(o.IdleTimeout+time.Minute), // the wallet's own keypress timer speaks first
		wish.WithVersion("syftwallet"),
		// The last middleware listed runs first.
		wish.WithMiddleware(
			bubbletea.MiddlewareWithProgramHandler(h.program),
			h.admit,
			rateLimit(limiter, h.log),
			h.logSessions,
		),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	srv.HandshakeTimeout = handshakeTimeout
	// Nothing but sessions: no port forwarding (ssh's defaults), no subsystems (sftp).
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
	h.srv = srv

	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("ssh: listen on %s: %w", o.Addr, err)
	}
	h.ln = ln
	go func() { h.serveErr <- srv.Serve(ln) }()
	auth := "any public key"
	if allow != nil {
		auth = "keys in " + o.AuthorizedKeysPath
	}
	h.log.Info("wallet host listening", "addr", ln.Addr().String(), "service", h.server,
		"auth", auth, "max_sessions", o.MaxSessions, "idle_timeout", o.IdleTimeout.String(),
		"host_key", o.HostKeyPath)
	ok = true
	return h, nil
}

// Run starts a host, serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, o Options) error {
	h, err := Start(ctx, o)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		h.log.Info("shutting down", "sessions", h.Sessions())
	case err := <-h.serveErr:
		h.serveErr <- err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace+5*time.Second)
	defer cancel()
	err = h.Shutdown(sctx)
	h.log.Info("stopped")
	return err
}

// Addr is the address the host listens on.
func (h *Host) Addr() string { return h.ln.Addr().String() }

// Sessions is the number of sessions open now.
func (h *Host) Sessions() int { return int(h.active.Load()) }

// Service is the embedded service, or nil.
func (h *Host) Service() *service.Service { return h.svc }

// Shutdown stops accepting connections, tells every open session that the host is shutting
// down and ends it, waits for them (until ctx ends or a grace period passes, then closes what
// is left), and stops the embedded service. Safe to call more than once.
func (h *Host) Shutdown(ctx context.Context) error {
	h.stopOnce.Do(func() {
		h.mu.Lock()
		h.closing = true
		open := make([]*wallet, 0, len(h.live))
		for w := range h.live {
			open = append(open, w)
		}
		h.mu.Unlock()
		for _, w := range open {
			w.end(endShutdown)
		}
		gctx, cancel := context.WithTimeout(ctx, shutdownGrace)
		err := h.srv.Shutdown(gctx)
		cancel()
		if err != nil {
			h.log.Warn("sessions still open after the grace period; closing them", "sessions", h.Sessions())
			err = nil
		}
		_ = h.srv.Close()
		waited := make(chan struct{})
		go func() { h.handlers.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(logoutTimeout + time.Second):
		}
		if serr := <-h.serveErr; serr != nil && !errors.Is(serr, ssh.ErrServerClosed) {
			err = serr
		}
		h.stopErr = errors.Join(err, h.stopService())
	})
	return h.stopErr
}

// startService starts the embedded accounting service when no server is configured, the way
// the wallet does (app.Start): ledger and keys in the data directory, the welcome credit, the
// demo accounts to pay. With a server, sessions talk to it.
func (h *Host) startService(ctx context.Context) error {
	if h.cfg.ServiceURL != "" {
		h.server = hostOf(h.cfg.ServiceURL)
		return nil
	}
	if h.cfg.DataDir == "" {
		return errors.New("ssh: no data directory for the embedded ledger; pass --data-dir or --server")
	}
	logger := slog.New(atLeast{h.log.Handler(), slog.LevelWarn}).With("component", "service")
	emb, err := service.StartEmbedded(context.WithoutCancel(ctx), h.cfg.DataDir, logger)
	if err != nil {
		return fmt.Errorf("embedded service: %w", err)
	}
	h.emb, h.svc, h.embedded, h.server = emb, emb.Service, true, "embedded"
	h.cfg.ServiceURL = emb.URL
	h.clientID = []client.Option{client.WithServerIdentity(emb.Identity())}
	h.hint = fmt.Sprintf("New accounts here start with %s to try things with.", money.Micros(service.WelcomeCredit).Grouped())
	return nil
}

func (h *Host) stopService() error {
	if h.emb == nil {
		return nil
	}
	err := h.emb.Close()
	h.emb, h.svc = nil, nil
	return err
}

// publicKeyHandler accepts the keys in allow, or any key when allow is nil.
func (h *Host) publicKeyHandler(allow *authorizedKeys) ssh.PublicKeyHandler {
	return func(ctx ssh.Context, key ssh.PublicKey) bool {
		if allow == nil {
			return true
		}
		if allow.allowed(key) {
			return true
		}
		h.log.Warn("public key refused", "remote", ctx.RemoteAddr().String(), "user", ctx.User(),
			"key", fingerprint(key))
		return false
	}
}

// logSessions logs each session's start and end (never what is typed in it).
func (h *Host) logSessions(next ssh.Handler) ssh.Handler {
	return func(s ssh.Session) {
		start := time.Now()
		pty, _, hasPTY := s.Pty()
		h.log.Info("session start", "remote", s.RemoteAddr().String(), "user", s.User(),
			"key", fingerprint(s.PublicKey()), "pty", hasPTY, "term", pty.Term,
			"width", pty.Window.Width, "height", pty.Window.Height,
			"client", s.Context().ClientVersion())
		next(s)
		h.log.Info("session end", "remote", s.RemoteAddr().String(), "duration", time.Since(start).Round(time.Millisecond).String())
	}
}

// rateLimit refuses a session when its address opens them too fast (wish's rate limiter, with a
// one-line message of ours).
func rateLimit(l ratelimiter.RateLimiter, log *slog.Logger) wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(s ssh.Session) {
			if err := l.Allow(s); err != nil {
				log.Warn("session refused: rate limit", "remote", s.RemoteAddr().String())
				refuse(s, MsgRateLimited)
				return
			}
			next(s)
		}
	}
}

// admit lets a session through to the wallet when it has a terminal, asks for no command, and
// there is room; it closes the wallet afterwards and says why it ended if the person did not
// end it themselves.
func (h *Host) admit(next ssh.Handler) ssh.Handler {
	return func(s ssh.Session) {
		if _, _, ok := s.Pty(); !ok {
			refuse(s, MsgNoPTY)
			return
		}
		if len(s.RawCommand()) > 0 {
			refuse(s, MsgCommand)
			return
		}
		if n := h.active.Add(1); n > int64(h.opts.MaxSessions) {
			h.active.Add(-1)
			h.log.Warn("session refused: host full", "remote", s.RemoteAddr().String(), "max", h.opts.MaxSessions)
			refuse(s, MsgFull)
			return
		}
		defer h.active.Add(-1)
		w := &wallet{host: h, id: h.nextID.Add(1), sess: s}
		h.mu.Lock()
		closing := h.closing
		if !closing {
			h.live[w] = struct{}{}
			h.handlers.Add(1)
		}
		h.mu.Unlock()
		if closing {
			refuse(s, MsgShuttingDown)
			return
		}
		defer h.handlers.Done()
		s.Context().SetValue(walletKey{}, w)
		next(s)
		h.mu.Lock()
		delete(h.live, w)
		h.mu.Unlock()
		reason := w.close()
		switch reason {
		case endShutdown:
			refuse(s, MsgShuttingDown)
		case endIdle:
			refuse(s, fmt.Sprintf(MsgIdle, human(h.opts.IdleTimeout)))
		case endFailed:
			refuse(s, MsgUnavailable)
		default:
			_ = s.Exit(0)
		}
	}
}

// refuse writes one line to the session and ends it with status 1.
func refuse(s ssh.Session, line string) {
	wish.Errorf(s, "%s\r\n", line)
	_ = s.Exit(1)
	_ = s.Close()
}

func fingerprint(k ssh.PublicKey) string {
	if k == nil {
		return ""
	}
	return gossh.FingerprintSHA256(k)
}

// human writes a duration as a person would say it: "15 minutes", "90 seconds".
func human(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	case d >= time.Second && d%time.Second == 0:
		return plural(int(d/time.Second), "second")
	}
	return d.String()
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// atLeast drops records below min unless the host logs at debug level: the embedded service
// logs every request at info, which is noise in the host's log.
type atLeast struct {
	slog.Handler
	min slog.Level
}

func (a atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	if a.Handler.Enabled(ctx, slog.LevelDebug) {
		return true
	}
	return l >= a.min && a.Handler.Enabled(ctx, l)
}

func (a atLeast) WithAttrs(attrs []slog.Attr) slog.Handler {
	return atLeast{a.Handler.WithAttrs(attrs), a.min}
}

func (a atLeast) WithGroup(name string) slog.Handler {
	return atLeast{a.Handler.WithGroup(name), a.min}
}
