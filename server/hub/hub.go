// Package hub is the service side of GET /events: it fans committed ledger events out to every
// WebSocket connection of their account, replays an account's outbox to a connection that resumes
// with ?since=N (0: from the first event kept), and closes connections when a consumer falls
// behind (1013), when their session is revoked (4001), when their account opens more than its
// cap (the oldest, 4008) or when the service stops (1001). It caps connections per client
// address too (429 before the upgrade), and answers every refusal with the contract's JSON.
//
// The hub is fed only from committed rows: Publish takes the events the ledger hands to its
// OnCommit (sqlite.Options, postgres.Options) after their transaction commits, and a resuming
// connection reads the rest from the outbox (ledger.Ledger.EventsAfter). Nothing reaches a client
// before it is durable, and the outbox stays the source of truth. Several service instances on one
// PostgreSQL database each keep a hub of their own, fed the same way with what commits anywhere:
// their own commits through OnCommit, the others' through LISTEN/NOTIFY, whose notifications name
// the accounts and seqs committed, read from the outbox for the accounts this hub is Watching
// (service/instances.go); after a lost LISTEN connection each watched account is caught up from the
// outbox. A connection that sees a gap in the seqs it is fed fills it from the outbox by itself,
// so a feed may be late or batched but never needs to be exact.
//
// It knows package ledger's events, the wire shapes of package api and how the service names a
// client's address (server/clientaddr, the default of Options.ClientAddr). It knows no
// authentication scheme (the caller injects an authenticator returning a Subject), nothing of HTTP
// routing, and nothing of the client or Bubble Tea.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/clientaddr"
)

// Options configure a Hub. Zero values take the defaults.
type Options struct {
	Ledger     ledger.Ledger // required: the outbox for hello, replays and resyncs
	Logger     *slog.Logger  // default slog.Default()
	SendBuffer int           // frames waiting for one connection before it is closed with 1013; default 256
	// WriteWait is how long a connection the hub closes for being too slow (1013) has to take the
	// frames already on their way and then the close frame, counted from the decision; after it
	// the socket is cut. It also bounds the upgrade handshake and each outbox read. Default 10 s.
	WriteWait time.Duration
	PingEvery time.Duration // ping period; default 30 s
	// ReadWait: a connection silent this long (no pong, no frame) is dropped; default 60 s. A
	// client that takes no frame for this long is as gone as a silent one: it is the deadline of
	// every data write and ping (a stalled write cannot be framed again, so it is only cut).
	ReadWait  time.Duration
	ReadLimit int64 // largest frame a client may send; default 4 KiB
	// Retention is how long the ledger keeps events (its EventTTL option), for documentation and
	// logs only: the ledger decides, and says so with ledger.ErrResync. Default 7 days.
	Retention time.Duration
	// ReplayPage is how many events one outbox read returns while replaying; default 500.
	ReplayPage int
	// CloseGrace bounds how long a connection that must close (revoked, too slow, shutting down)
	// may take to send its close frame before its socket is cut; default 500 ms.
	CloseGrace time.Duration
	// ReadBufferSize of each connection: clients only send pongs and close frames; default 512.
	ReadBufferSize int
	// CheckOrigin as in websocket.Upgrader; default: same origin or no Origin header.
	CheckOrigin func(r *http.Request) bool
	// MaxPerAccount is the most connections one account keeps open: a new one beyond it closes
	// the account's oldest with 4008 (api.CloseReplaced). Default 20; negative: no cap.
	MaxPerAccount int
	// MaxPerAddress is the most connections open from one client address: an upgrade beyond it is
	// refused before the upgrade with 429 rate_limited. Default 100; negative: no cap.
	MaxPerAddress int
	// ClientAddr names the address a request comes from. Default: the host of r.RemoteAddr, an
	// IPv6 address counting as its /64 (the server's rate limits count clients the same way).
	ClientAddr func(r *http.Request) string
}

// Defaults of the connection caps.
const (
	DefaultMaxPerAccount = 20
	DefaultMaxPerAddress = 100
)

// Subject is who an upgrade request authenticated as.
type Subject struct {
	AccountID string
	SessionID string // "" when the credentials carry no session (they cannot be revoked by session)
}

// Hub is the set of live event connections of one service instance. Create it with New; it is
// safe for concurrent use.
type Hub struct {
	opts     Options
	log      *slog.Logger
	upgrader websocket.Upgrader

	mu        sync.RWMutex
	byAccount map[string]map[*conn]struct{}
	bySession map[string]map[*conn]struct{}
	byAddress map[string]int       // connections open or upgrading, per client address
	revoked   map[string]time.Time // sessions revoked recently, so a racing upgrade cannot slip in
	opened    uint64               // connections registered so far: each one's age
	shut      bool

	wg sync.WaitGroup // every connection goroutine
}

// revokedMemory is how long RevokeSession remembers a session: longer than an access token lives.
const revokedMemory = time.Hour

// writePool lends write buffers to connections only while they write, so an idle connection holds
// none.
var writePool sync.Pool

// New returns a Hub.
func New(opts Options) *Hub {
	if opts.Ledger == nil {
		panic("hub: Options.Ledger is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SendBuffer <= 0 {
		opts.SendBuffer = 256
	}
	if opts.WriteWait <= 0 {
		opts.WriteWait = 10 * time.Second
	}
	if opts.PingEvery <= 0 {
		opts.PingEvery = 30 * time.Second
	}
	if opts.ReadWait <= 0 {
		opts.ReadWait = 60 * time.Second
	}
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = 4 << 10
	}
	if opts.Retention <= 0 {
		opts.Retention = 7 * 24 * time.Hour
	}
	if opts.ReplayPage <= 0 {
		opts.ReplayPage = 500
	}
	if opts.CloseGrace <= 0 {
		opts.CloseGrace = 500 * time.Millisecond
	}
	if opts.ReadBufferSize <= 0 {
		opts.ReadBufferSize = 512
	}
	if opts.MaxPerAccount == 0 {
		opts.MaxPerAccount = DefaultMaxPerAccount
	}
	if opts.MaxPerAddress == 0 {
		opts.MaxPerAddress = DefaultMaxPerAddress
	}
	if opts.ClientAddr == nil {
		opts.ClientAddr = clientaddr.Host
	}
	return &Hub{
		opts: opts,
		log:  opts.Logger.With("component", "events-hub"),
		upgrader: websocket.Upgrader{
			HandshakeTimeout: opts.WriteWait,
			ReadBufferSize:   opts.ReadBufferSize,
			WriteBufferSize:  4096,
			WriteBufferPool:  &writePool,
			CheckOrigin:      opts.CheckOrigin,
			Error:            refuseUpgrade,
		},
		byAccount: map[string]map[*conn]struct{}{},
		bySession: map[string]map[*conn]struct{}{},
		byAddress: map[string]int{},
		revoked:   map[string]time.Time{},
	}
}

// Publish fans committed events out to the connections of their accounts. It is what the ledger's
// OnCommit calls, from the ledger's single writer goroutine, so it never blocks: a connection whose
// send buffer is full is told to close with 1013 (its client resumes with since and loses nothing).
// Events must come in seq order per account, as OnCommit hands them.
func (h *Hub) Publish(events []ledger.Event) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for i := range events {
		conns := h.byAccount[events[i].AccountID]
		if len(conns) == 0 {
			continue
		}
		b, err := json.Marshal(events[i].API())
		if err != nil { // cannot happen: Data is already JSON
			h.log.Error("encode event", "seq", events[i].Seq, "err", err)
			continue
		}
		f := &frame{seq: events[i].Seq, data: b}
		for c := range conns {
			c.enqueue(f)
		}
	}
}

// RevokeSession closes every connection of that session with 4001 within CloseGrace, and refuses
// the session's upgrades for an hour after (an upgrade racing the revocation cannot slip in).
// Call it on logout and whenever a session is revoked, after appending the session.revoked event.
func (h *Hub) RevokeSession(sessionID string) {
	if sessionID == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	for s, at := range h.revoked {
		if now.Sub(at) > revokedMemory {
			delete(h.revoked, s)
		}
	}
	h.revoked[sessionID] = now
	for c := range h.bySession[sessionID] {
		c.close(api.CloseSessionRevoked, "session revoked")
	}
}

// Shutdown closes every connection with 1001 (going away), refuses new ones, and waits until every
// connection goroutine has ended or ctx ends; then it cuts the sockets still open and waits for
// their goroutines, which end at once.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.shut = true
	all := make([]*conn, 0)
	for _, conns := range h.byAccount {
		for c := range conns {
			all = append(all, c)
		}
	}
	h.mu.Unlock()
	for _, c := range all {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range all {
			c.ws.NetConn().Close()
		}
		<-done
		return ctx.Err()
	}
}

// Connections is how many connections are open (for metrics and tests).
func (h *Hub) Connections() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, conns := range h.byAccount {
		n += len(conns)
	}
	return n
}

// Watching reports whether an account has a connection here: a feed of events committed
// elsewhere (another instance of the service) reads the outbox only for accounts watched.
func (h *Hub) Watching(accountID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byAccount[accountID]) > 0
}

// Accounts lists the accounts with a connection here, for a feed that catches up after it lost
// its source: publishing each one's latest event makes its connections fill any gap from the
// outbox.
func (h *Hub) Accounts() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]string, 0, len(h.byAccount))
	for a, conns := range h.byAccount {
		if len(conns) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// Handler serves GET /events. auth authenticates the upgrade request (the server's Bearer auth);
// on error the answer is 401 before any upgrade. A malformed ?since is a 400.
func (h *Hub) Handler(auth func(r *http.Request) (Subject, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			writeError(w, http.StatusMethodNotAllowed, &api.Error{Message: "use GET", Code: api.CodeMethodNotAllowed})
			return
		}
		sub, err := auth(r)
		var ae *api.Error
		if err != nil && !errors.As(err, &ae) {
			// The service failed to check the token (its store, say): not the caller's sign-in.
			h.log.Warn("events: cannot authenticate", "err", err)
			writeError(w, http.StatusServiceUnavailable, &api.Error{
				Message: "The event stream is unavailable for a moment; try again.", Code: api.CodeUnavailable})
			return
		}
		if ae != nil && ae.Code == api.CodeForbidden {
			// Signed in, but not allowed to read events (an API key without the read scope).
			writeError(w, http.StatusForbidden, ae)
			return
		}
		if err != nil || sub.AccountID == "" {
			msg := "authentication required"
			if ae != nil && ae.Message != "" {
				msg = ae.Message
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="syftwallet"`)
			writeError(w, http.StatusUnauthorized, &api.Error{Message: msg, Code: api.CodeUnauthenticated})
			return
		}
		since, resume := int64(0), false
		if q := r.URL.Query(); q.Has("since") {
			since, err = strconv.ParseInt(q.Get("since"), 10, 64)
			if err != nil || since < 0 {
				writeError(w, http.StatusBadRequest, api.Invalid("since", "since must be a non-negative integer"))
				return
			}
			resume = true
		}
		if !websocket.IsWebSocketUpgrade(r) {
			writeError(w, http.StatusBadRequest, api.Invalid("", "expected a WebSocket upgrade"))
			return
		}
		addr := h.opts.ClientAddr(r)
		switch h.reserve(addr) {
		case errShut:
			writeError(w, http.StatusServiceUnavailable, &api.Error{Message: "shutting down", Code: api.CodeUnavailable})
			return
		case errAddressFull:
			w.Header().Set(api.HeaderRetryAfter, "30")
			writeError(w, http.StatusTooManyRequests, &api.Error{Code: api.CodeRateLimited, Message: fmt.Sprintf(
				"Too many event connections from your address (at most %d); close some, then try again.",
				h.opts.MaxPerAddress)})
			return
		}
		ws, err := h.upgrader.Upgrade(w, r, nil)
		if err != nil {
			h.release(addr)
			return // the upgrader has answered, as JSON (refuseUpgrade)
		}
		c := newConn(h, ws, sub)
		c.addr = addr
		code, reason, replaced := h.register(c)
		if replaced > 0 {
			h.log.Info("closed the oldest event connections of an account at its cap",
				"account", sub.AccountID, "closed", replaced, "max_per_account", h.opts.MaxPerAccount)
		}
		if code != 0 {
			h.release(addr)
			ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason),
				time.Now().Add(h.opts.CloseGrace))
			ws.Close()
			return
		}
		go c.readLoop()
		go c.writeLoop(since, resume)
	})
}

var (
	errShut        = errors.New("hub: shut")
	errAddressFull = errors.New("hub: too many connections from one address")
)

// reserve counts one more connection from addr before its upgrade, unless the address already
// has MaxPerAddress (counting those still upgrading, so a burst cannot overshoot). The
// connection's unregister (or release, when it does not get that far) gives it back.
func (h *Hub) reserve(addr string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shut {
		return errShut
	}
	if h.opts.MaxPerAddress > 0 && h.byAddress[addr] >= h.opts.MaxPerAddress {
		return errAddressFull
	}
	h.byAddress[addr]++
	return nil
}

func (h *Hub) release(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.releaseLocked(addr)
}

func (h *Hub) releaseLocked(addr string) {
	if h.byAddress[addr] <= 1 {
		delete(h.byAddress, addr)
		return
	}
	h.byAddress[addr]--
}

// replacedReason is the reason of a 4008 close (at most 123 bytes).
const replacedReason = "too many connections for this account: the oldest was closed"

// register adds c to the indexes, unless the hub is shut or the session revoked. An account
// already at MaxPerAccount has its oldest connections closed with 4008 to make room (connections
// already closing do not count). From here on Publish queues c's events, so the replay that
// follows overlaps the live feed and misses nothing.
func (h *Hub) register(c *conn) (code int, reason string, replaced int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shut {
		return websocket.CloseGoingAway, "server shutting down", 0
	}
	if _, ok := h.revoked[c.sub.SessionID]; ok && c.sub.SessionID != "" {
		return api.CloseSessionRevoked, "session revoked", 0
	}
	if max := h.opts.MaxPerAccount; max > 0 {
		var open []*conn
		for o := range h.byAccount[c.sub.AccountID] {
			if !o.isClosing() {
				open = append(open, o)
			}
		}
		if excess := len(open) - max + 1; excess > 0 {
			sort.Slice(open, func(i, j int) bool { return open[i].age < open[j].age })
			for _, o := range open[:excess] {
				o.close(api.CloseReplaced, replacedReason)
			}
			replaced = excess
		}
	}
	h.opened++
	c.age = h.opened
	add(h.byAccount, c.sub.AccountID, c)
	if c.sub.SessionID != "" {
		add(h.bySession, c.sub.SessionID, c)
	}
	h.wg.Add(2) // under the lock, so Shutdown never waits before a registered connection counts
	return 0, "", replaced
}

// unregister takes c out of the indexes: it gets no more events. Its address slot is given back
// only once its socket is closed (release, at the end of finish), so that connections still
// closing count against MaxPerAddress and the cap bounds what the server holds.
func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	remove(h.byAccount, c.sub.AccountID, c)
	if c.sub.SessionID != "" {
		remove(h.bySession, c.sub.SessionID, c)
	}
}

func add(m map[string]map[*conn]struct{}, k string, c *conn) {
	s := m[k]
	if s == nil {
		s = map[*conn]struct{}{}
		m[k] = s
	}
	s[c] = struct{}{}
}

func remove(m map[string]map[*conn]struct{}, k string, c *conn) {
	if s := m[k]; s != nil {
		delete(s, c)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

// refuseUpgrade is the upgrader's Error callback: the handshake refusals that gorilla detects
// (another WebSocket version, a cross-origin request, a missing or malformed Sec-WebSocket-Key,
// a connection that cannot be taken over) are answered with the contract's JSON error body, like
// every other response, with the request's headers (X-Request-Id) kept. The sentences are ours:
// gorilla's reason is not sent.
func refuseUpgrade(w http.ResponseWriter, r *http.Request, status int, _ error) {
	e := &api.Error{Code: api.CodeInvalidRequest, Message: "This is not a valid WebSocket upgrade request."}
	switch {
	case status == http.StatusForbidden:
		e = &api.Error{Code: api.CodeForbidden,
			Message: "WebSocket connections from another origin are not allowed."}
	case status == http.StatusMethodNotAllowed:
		w.Header().Set("Allow", http.MethodGet)
		e = &api.Error{Code: api.CodeMethodNotAllowed, Message: "Open the event stream with GET."}
	case status >= 500:
		e = &api.Error{Code: api.CodeInternal, Message: "Something went wrong on our side."}
	case !headerHasToken(r.Header, "Sec-Websocket-Version", "13"):
		// RFC 6455 4.4: say which version the server speaks.
		w.Header().Set("Sec-WebSocket-Version", "13")
		e.Message = "This service speaks WebSocket version 13: send Sec-WebSocket-Version: 13."
	case status == http.StatusBadRequest:
		// Connection and Upgrade were checked before the upgrade: what is left is the key.
		e.Message = "The Sec-WebSocket-Key header is missing or not valid."
	}
	writeError(w, status, e)
}

// headerHasToken reports whether a comma-separated header holds token (case-insensitively).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func writeError(w http.ResponseWriter, status int, e *api.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusServiceUnavailable {
		w.Header().Set(api.HeaderRetryAfter, "1") // api.md: 503 always says when to come back
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
}
