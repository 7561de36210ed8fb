// Package events follows the accounting service's live event stream (GET /events): one goroutine
// keeps a WebSocket open with the current access token, delivers events in seq order, remembers the
// last seq, and on any drop reconnects with full-jitter exponential backoff, resuming with ?since so
// nothing is missed or repeated. It tells its owner when to reload state (resync) and how the
// connection is doing (State).
//
// It knows the wire format (package api) and a token source (two functions); it knows nothing of
// Bubble Tea, of the client SDK's transport, or of the server. The adapter that turns Next into
// Bubble Tea messages lives on the TUI side.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/gorilla/websocket"

	"github.com/syftbox/syftwallet/api"
)

// Options configure a Stream. Zero values take the defaults.
type Options struct {
	// URL is the service's base URL (http://host:port[/prefix]); http becomes ws, https wss, and
	// /events is appended.
	URL string
	// Token returns the current access token.
	Token func(ctx context.Context) (string, error)
	// Refresh forces a new access token; it is called once when the service answers 401, before
	// backing off. Optional.
	Refresh func(ctx context.Context) (string, error)
	// Since is the last seq the owner has seen: the stream first replays every event after it
	// (FromSeq(0): every event the service keeps, from the first). Nil starts from the service's
	// latest seq (hello) with no replay.
	Since      *int64
	Logger     *slog.Logger      // default slog.Default()
	Dialer     *websocket.Dialer // default: a dialer with a 10 s handshake timeout
	MinBackoff time.Duration     // first backoff ceiling; default 500 ms
	MaxBackoff time.Duration     // largest backoff ceiling; default 30 s
	DeadAfter  time.Duration     // a connection with no frame and no ping this long is dead; default 75 s
}

// Phase is where the connection stands.
type Phase int

// Phases.
const (
	Offline      Phase = iota // not running (before Run, after it ended)
	Connecting                // dialling
	Live                      // connected, events flowing
	Reconnecting              // dropped; waiting until NextTry
)

func (p Phase) String() string {
	switch p {
	case Connecting:
		return "connecting"
	case Live:
		return "live"
	case Reconnecting:
		return "reconnecting"
	default:
		return "offline"
	}
}

// State is a change of the connection's state.
type State struct {
	Phase   Phase
	NextTry time.Time // Reconnecting: when the next attempt starts
	Attempt int       // Connecting: this attempt; Reconnecting: the one at NextTry (1 = first since live)
	Err     error     // Reconnecting, Offline: why
	Seq     int64     // the last seq delivered
}

// Kind tells what an Item carries.
type Kind int

// Kinds of Item.
const (
	KindEvent  Kind = iota + 1 // Event is an account event, delivered exactly once, in seq order
	KindResync                 // the owner must reload its state; Event.Seq is where the stream goes on from
	KindState                  // State changed
)

// Item is what Next returns: an event (or resync notice), or a state change.
type Item struct {
	Kind  Kind
	Event api.Event // KindEvent, KindResync
	State State     // KindState
}

// FromSeq is Options.Since for a stream that resumes after seq (0: from the first event kept).
func FromSeq(seq int64) *int64 { return &seq }

// Errors.
var (
	ErrClosed         = errors.New("events: stream closed")
	ErrUnauthorized   = errors.New("events: unauthorized")
	ErrSessionRevoked = errors.New("events: session revoked")
	// ErrReplaced: the account opened more event connections than the service keeps for one
	// account, and this one, the oldest, was closed (4008). The stream does not reconnect, which
	// would only close the next oldest in turn.
	ErrReplaced = errors.New("events: closed to make room for a newer connection of this account")
	ErrGap      = errors.New("events: gap in event seqs")
	ErrRunning  = errors.New("events: Run already called")
)

// Stream follows GET /events. Create it with NewStream, run it with Run (in its own goroutine),
// read it with Next (or Events and States), and end it with Close.
type Stream struct {
	opts   Options
	log    *slog.Logger
	events chan api.Event // domain events and resync notices, in order; closed when Run ends
	states chan State     // one slot holding the newest state; closed when Run ends

	ctx    context.Context // ends on Close
	cancel context.CancelFunc

	mu      sync.Mutex
	started bool
	done    chan struct{} // closed when Run returns

	retry chan struct{} // Retry: end the backoff wait now (one slot)

	last  int64 // the last seq delivered; only the Run goroutine touches it
	known bool  // last is a real position (Since was given, or a hello came): resume with since
}

// NewStream returns a Stream; nothing happens until Run.
func NewStream(opts Options) *Stream {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Dialer == nil {
		opts.Dialer = &websocket.Dialer{
			Proxy:            http.ProxyFromEnvironment,
			HandshakeTimeout: 10 * time.Second,
			ReadBufferSize:   4096,
			WriteBufferSize:  512,
		}
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.DeadAfter <= 0 {
		opts.DeadAfter = 75 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Stream{
		opts: opts, log: opts.Logger.With("component", "events"),
		events: make(chan api.Event), states: make(chan State, 1),
		ctx: ctx, cancel: cancel, done: make(chan struct{}), retry: make(chan struct{}, 1),
	}
	if opts.Since != nil {
		s.last, s.known = *opts.Since, true
	}
	return s
}

// Events delivers account events and resync notices (Type api.EventResync) in order. The stream
// waits for the reader: an event is never dropped. Closed when Run ends.
func (s *Stream) Events() <-chan api.Event { return s.events }

// States delivers the newest connection state; a slow reader sees only the latest one. Closed
// when Run ends, after the final Offline state.
func (s *Stream) States() <-chan State { return s.states }

// Next returns the next event, resync notice or state change, or ErrClosed once the stream has
// ended and everything was read, or ctx's error. Events and states stay apart: a state change never
// replaces an event. Call it from one goroutine.
func (s *Stream) Next(ctx context.Context) (Item, error) {
	evs, sts := s.events, s.states
	for evs != nil || sts != nil {
		select {
		case e, ok := <-evs:
			if !ok {
				evs = nil
				continue
			}
			if e.Type == api.EventResync {
				return Item{Kind: KindResync, Event: e}, nil
			}
			return Item{Kind: KindEvent, Event: e}, nil
		case st, ok := <-sts:
			if !ok {
				sts = nil
				continue
			}
			return Item{Kind: KindState, State: st}, nil
		case <-ctx.Done():
			return Item{}, ctx.Err()
		}
	}
	return Item{}, ErrClosed
}

// Retry asks a stream that is waiting out its backoff to try again now (a person pressed r);
// while connecting or live it does nothing. It never blocks.
func (s *Stream) Retry() {
	select {
	case s.retry <- struct{}{}:
	default:
	}
}

// Close ends the stream and waits until its goroutine has ended (if Run was called). Safe to call
// more than once and from any goroutine.
func (s *Stream) Close() error {
	s.cancel()
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if started {
		<-s.done
	}
	return nil
}

// Run follows the stream until ctx ends, Close is called, the session is revoked
// (ErrSessionRevoked), or the service closed it for a newer connection of the account
// (ErrReplaced). It returns nil when stopped by ctx or Close. Call it once.
func (s *Stream) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return ErrRunning
	}
	s.started = true
	s.mu.Unlock()
	defer close(s.done)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) // Close ends Run
	defer stop()

	err := s.loop(ctx)
	if ctx.Err() != nil && !errors.Is(err, ErrSessionRevoked) && !errors.Is(err, ErrReplaced) {
		err = nil
	}
	s.setState(State{Phase: Offline, Err: err, Seq: s.last})
	close(s.events)
	close(s.states)
	return err
}

func (s *Stream) loop(ctx context.Context) error {
	// Full jitter: the ceiling grows exponentially (no randomization in it), the wait is uniform
	// below it.
	ceiling := &backoff.ExponentialBackOff{
		InitialInterval: s.opts.MinBackoff, RandomizationFactor: 0, Multiplier: 2,
		MaxInterval: s.opts.MaxBackoff,
	}
	ceiling.Reset()
	attempt := 0
	refreshed := false // Refresh was tried since the last 401 streak began
	for {
		attempt++
		select { // a Retry asked while connecting or live is not one for the next wait
		case <-s.retry:
		default:
		}
		s.setState(State{Phase: Connecting, Attempt: attempt, Seq: s.last})
		wasLive, err := s.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrSessionRevoked) || errors.Is(err, ErrReplaced) {
			return err
		}
		if wasLive {
			ceiling.Reset()
			attempt, refreshed = 0, false
		}
		if errors.Is(err, ErrUnauthorized) && !refreshed && s.opts.Refresh != nil {
			refreshed = true
			if _, rerr := s.opts.Refresh(ctx); rerr == nil {
				continue // try again at once with the fresh token
			} else if ctx.Err() != nil {
				return ctx.Err()
			} else {
				s.log.Warn("token refresh failed", "err", rerr)
			}
		}
		wait := time.Duration(rand.Int64N(int64(ceiling.NextBackOff()) + 1))
		next := time.Now().Add(wait)
		s.log.Debug("events stream dropped", "err", err, "retry_in", wait, "since", s.last)
		s.setState(State{Phase: Reconnecting, NextTry: next, Attempt: attempt + 1, Err: err, Seq: s.last})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		case <-s.retry:
			t.Stop()
		}
	}
}

// session runs one connection until it drops. wasLive reports whether it got as far as hello.
func (s *Stream) session(ctx context.Context) (wasLive bool, err error) {
	token, err := s.opts.Token(ctx)
	if err != nil {
		return false, fmt.Errorf("events: token: %w", err)
	}
	u, err := s.endpoint()
	if err != nil {
		return false, err
	}
	hdr := http.Header{"Authorization": {"Bearer " + token}}
	ws, resp, err := s.opts.Dialer.DialContext(ctx, u, hdr)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return false, ErrUnauthorized
		}
		if resp != nil {
			return false, fmt.Errorf("events: dial: %s: %w", resp.Status, err)
		}
		return false, fmt.Errorf("events: dial: %w", err)
	}
	// When ctx ends, say goodbye and close the socket, so a blocked read returns at once.
	stop := context.AfterFunc(ctx, func() {
		_ = ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(100*time.Millisecond))
		ws.NetConn().Close()
	})
	defer stop()
	defer ws.Close()

	ws.SetReadLimit(1 << 20)
	dead := s.opts.DeadAfter
	ws.SetPingHandler(func(data string) error {
		_ = ws.SetReadDeadline(time.Now().Add(dead))
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(10*time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	for {
		// The deadline counts from when the stream is ready to read: time spent waiting for a
		// slow owner is not the network's silence.
		_ = ws.SetReadDeadline(time.Now().Add(dead))
		_, b, err := ws.ReadMessage()
		if err != nil {
			return wasLive, closeErr(err)
		}
		var e api.Event
		if err := json.Unmarshal(b, &e); err != nil {
			return wasLive, fmt.Errorf("events: bad frame: %w", err)
		}
		switch {
		case e.Type == api.EventHello:
			if !s.known || e.Seq < s.last {
				// First connection without a since: go on from the latest seq. A service whose
				// latest seq is behind ours lost or restored its ledger: reload.
				if s.known {
					if err := s.deliver(ctx, api.Event{Seq: e.Seq, Type: api.EventResync, At: e.At}); err != nil {
						return true, err
					}
				}
				s.last, s.known = e.Seq, true
			}
			wasLive = true
			s.setState(State{Phase: Live, Seq: s.last})
		case e.Type == api.EventResync:
			if err := s.deliver(ctx, e); err != nil {
				return wasLive, err
			}
			s.last = e.Seq
		case e.Seq <= s.last:
			// a duplicate: already delivered
		case e.Seq > s.last+1:
			return wasLive, fmt.Errorf("%w: after %d came %d", ErrGap, s.last, e.Seq)
		default:
			if err := s.deliver(ctx, e); err != nil {
				return wasLive, err
			}
			s.last = e.Seq
		}
	}
}

// deliver hands e to the owner, waiting as long as it takes unless ctx ends.
func (s *Stream) deliver(ctx context.Context, e api.Event) error {
	select {
	case s.events <- e:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// setState replaces the waiting state with st. Only the Run goroutine sends, so it never blocks.
func (s *Stream) setState(st State) {
	for {
		select {
		case s.states <- st:
			return
		default:
		}
		select {
		case <-s.states:
		default:
		}
	}
}

func (s *Stream) endpoint() (string, error) {
	u, err := url.Parse(s.opts.URL)
	if err != nil {
		return "", fmt.Errorf("events: url: %w", err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("events: url %q: scheme must be http or https", s.opts.URL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/events"
	u.RawPath = ""
	q := u.Query()
	q.Del("since")
	if s.known {
		q.Set("since", strconv.FormatInt(s.last, 10))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func closeErr(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case api.CloseSessionRevoked:
			return ErrSessionRevoked
		case api.CloseReplaced:
			return ErrReplaced
		}
		return fmt.Errorf("events: closed by the service: %w", err)
	}
	return fmt.Errorf("events: read: %w", err)
}
