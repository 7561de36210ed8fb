package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/hub"
	"github.com/syftbox/syftwallet/server/hub/hubtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// client is a raw WebSocket client of GET /events.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

func dial(t testing.TB, base, token, query string) *client {
	t.Helper()
	return dialWith(t, hubtest.Dialer(), base, token, query)
}

func dialWith(t testing.TB, d *websocket.Dialer, base, token, query string) *client {
	t.Helper()
	ws, resp, err := d.Dial(hubtest.EventsURL(base, query), http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	t.Cleanup(func() { ws.Close() })
	return &client{t: t, ws: ws}
}

// greeted dials one connection for each token and reads its hello, failing the test on any other
// first frame.
func greeted(t testing.TB, base string, tokens ...string) []*client {
	t.Helper()
	cs := make([]*client, len(tokens))
	for i, tok := range tokens {
		cs[i] = dial(t, base, tok, "")
		if h := cs[i].next(); h.Type != api.EventHello {
			t.Fatalf("hello: %+v", h)
		}
	}
	return cs
}

// next reads one frame, failing the test after 5 s.
func (c *client) next() api.Event {
	c.t.Helper()
	e, err := c.read(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return e
}

func (c *client) read(wait time.Duration) (api.Event, error) {
	_ = c.ws.SetReadDeadline(time.Now().Add(wait))
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		return api.Event{}, err
	}
	var e api.Event
	if err := json.Unmarshal(b, &e); err != nil {
		return api.Event{}, fmt.Errorf("frame %q: %w", b, err)
	}
	return e, nil
}

// closeCode reads until the connection ends and returns its close code (-1 without one).
func (c *client) closeCode(wait time.Duration) int {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		_ = c.ws.SetReadDeadline(deadline)
		_, _, err := c.ws.ReadMessage()
		if err == nil {
			continue
		}
		code := hubtest.CloseCode(err)
		if code < 0 {
			c.t.Logf("ended without close frame: %v", err)
		}
		return code
	}
}

// seqs reads events until it has seen seq `until`, checking they run on from `after` without gap
// or duplicate.
func (c *client) seqs(after, until int64) {
	c.t.Helper()
	for after < until {
		e := c.next()
		if e.Seq != after+1 {
			c.t.Fatalf("after seq %d got %d (%s)", after, e.Seq, e.Type)
		}
		after = e.Seq
	}
}

func TestHelloLiveAndFrameShape(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	ada := env.Account(t, "ada@example.com", 100)
	bob := env.Account(t, "bob@example.com", 0)

	c := dial(t, env.URL, hubtest.Token(bob.ID, "s1"), "")
	if h := c.next(); h.Type != api.EventHello || h.Seq != 0 {
		t.Fatalf("hello: %+v", h)
	}
	if err := env.Pay(ada, bob.Email, 1_500_000); err != nil {
		t.Fatal(err)
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, raw, err := c.ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 4 || m["seq"] == nil || m["type"] == nil || m["at"] == nil || m["data"] == nil {
		t.Fatalf("frame keys: %s", raw)
	}
	var e api.Event
	_ = json.Unmarshal(raw, &e)
	var tx api.Transaction
	if err := json.Unmarshal(e.Data, &tx); err != nil {
		t.Fatal(err)
	}
	if e.Seq != 1 || e.Type != api.EventPaymentReceived || tx.SenderEmail != ada.Email || tx.Amount != 1_500_000 || tx.Direction != api.DirectionIn {
		t.Fatalf("event: %+v %+v", e, tx)
	}
	if e := c.next(); e.Seq != 2 || e.Type != api.EventBalanceUpdated {
		t.Fatalf("balance event: %+v", e)
	}

	// Reconnecting with since=1 replays seq 2, and hello tells the latest.
	c2 := dial(t, env.URL, hubtest.Token(bob.ID, "s1"), "since=1")
	if h := c2.next(); h.Type != api.EventHello || h.Seq != 2 {
		t.Fatalf("hello: %+v", h)
	}
	if e := c2.next(); e.Seq != 2 || e.Type != api.EventBalanceUpdated {
		t.Fatalf("replay: %+v", e)
	}
}

func TestRejectsBeforeUpgrade(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	bob := env.Account(t, "bob@example.com", 0)
	for _, tc := range []struct {
		token, query string
		status       int
		code         string
	}{
		{"", "", 401, api.CodeUnauthenticated},
		{"bad:x", "", 401, api.CodeUnauthenticated},
		{hubtest.Token(bob.ID, "s"), "since=abc", 400, api.CodeInvalidRequest},
		{hubtest.Token(bob.ID, "s"), "since=-1", 400, api.CodeInvalidRequest},
		{"fail", "", 503, api.CodeUnavailable}, // the service failed, not the caller's sign-in
	} {
		h := http.Header{}
		if tc.token != "" {
			h.Set("Authorization", "Bearer "+tc.token)
		}
		_, resp, err := hubtest.Dialer().Dial(hubtest.EventsURL(env.URL, tc.query), h)
		if err == nil || resp == nil || resp.StatusCode != tc.status {
			t.Fatalf("%+v: %v %v", tc, resp, err)
		}
		var body api.Error
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Code != tc.code || body.Message == "" {
			t.Fatalf("%+v: body %+v %v", tc, body, err)
		}
		resp.Body.Close()
	}
}

// TestReplayJoinsLiveWithoutGapOrDuplicate resumes connections at random seqs while payments are
// being committed, so replays and the live feed overlap.
func TestReplayJoinsLiveWithoutGapOrDuplicate(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{Hub: hub.Options{ReplayPage: 7}})
	ada := env.Account(t, "ada@example.com", 1_000_000)
	bob := env.Account(t, "bob@example.com", 0)
	const payments = 600 // 1,200 events for bob
	var committed atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < payments; i++ {
			if err := env.Pay(ada, bob.Email, 1); err != nil {
				t.Error(err)
				return
			}
			committed.Store(int64(2 * (i + 1)))
		}
	}()
	for i := 0; i < 12; i++ {
		since := rand.Int64N(committed.Load() + 1)
		c := dial(t, env.URL, hubtest.Token(bob.ID, fmt.Sprint("s", i)), fmt.Sprint("since=", since))
		if h := c.next(); h.Type != api.EventHello || h.Seq < since {
			t.Fatalf("hello: %+v (since %d)", h, since)
		}
		c.seqs(since, min(since+150, 2*payments))
		c.ws.Close()
	}
	wg.Wait()
	c := dial(t, env.URL, hubtest.Token(bob.ID, "last"), "since=0")
	c.next()
	c.seqs(0, 2*payments)
}

func TestFanOutPerAccount(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	ada := env.Account(t, "ada@example.com", 1000)
	bob := env.Account(t, "bob@example.com", 0)
	cy := env.Account(t, "cy@example.com", 0)
	cs := greeted(t, env.URL, hubtest.Token(bob.ID, "laptop"), hubtest.Token(bob.ID, "phone"), hubtest.Token(cy.ID, "c"))
	b1, b2, c1 := cs[0], cs[1], cs[2]
	env.PayTimes(t, ada, bob.Email, 50)
	b1.seqs(0, 100)
	b2.seqs(0, 100)
	if e, err := c1.read(200 * time.Millisecond); err == nil {
		t.Fatalf("another account got %+v", e)
	}
	// cy's connection was not disturbed by the timeout above only if we use a fresh one.
	c2 := dial(t, env.URL, hubtest.Token(cy.ID, "c"), "")
	c2.next()
	env.PayTimes(t, ada, cy.Email, 1)
	if e := c2.next(); e.Seq != 1 || e.Type != api.EventPaymentReceived {
		t.Fatalf("cy: %+v", e)
	}
}

// TestSlowConsumerCutFastKeepsUp: a client that stops reading fills its socket, then its send
// buffer, and is closed with 1013; another connection of the same account gets every event.
func TestSlowConsumerCutFastKeepsUp(t *testing.T) {
	// The slow client reads nothing until every payment is in, so the hub's writes to it (and
	// then the close frame) wait in a full socket until it drains. On a loaded machine making the
	// payments can outlast the 10 s write deadline, which would cut the socket (1006) before the
	// 1013 frame gets through: give the writes longer here (TestRevokeStuckWriter and
	// TestPingsAndSilentClientDropped cover the deadlines).
	env := hubtest.New(t, hubtest.Options{SendBufferBytes: 4096,
		Hub: hub.Options{SendBuffer: 256, WriteWait: time.Minute, CloseGrace: time.Minute}})
	ada := env.Account(t, "ada@example.com", 1_000_000)
	bob := env.Account(t, "bob@example.com", 0)
	slow := dialWith(t, hubtest.SmallReadDialer(), env.URL, hubtest.Token(bob.ID, "slow"), "")
	fast := dial(t, env.URL, hubtest.Token(bob.ID, "fast"), "")
	slow.next()
	fast.next()

	const payments = 1000 // 2,000 events
	var fastErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for after := int64(0); after < 2*payments; after++ {
			e, err := fast.read(10 * time.Second)
			if err != nil || e.Seq != after+1 {
				fastErr = fmt.Errorf("fast: after %d: %+v %v", after, e, err)
				return
			}
		}
	}()
	env.PayTimes(t, ada, bob.Email, payments)
	// The slow client now reads what got through, then the close frame.
	code := slow.closeCode(time.Minute)
	<-done
	if fastErr != nil {
		t.Fatal(fastErr)
	}
	if code != api.CloseTryAgainLater {
		t.Fatalf("slow consumer closed with %d, want 1013", code)
	}
}

func TestRevokeSession(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	ada := env.Account(t, "ada@example.com", 1000)
	bob := env.Account(t, "bob@example.com", 0)
	cs := greeted(t, env.URL, hubtest.Token(bob.ID, "stolen"), hubtest.Token(bob.ID, "stolen"), hubtest.Token(bob.ID, "mine"))
	gone, gone2, kept := cs[0], cs[1], cs[2]
	start := time.Now()
	env.Hub.RevokeSession("stolen")
	for _, c := range []*client{gone, gone2} {
		if code := c.closeCode(time.Second); code != api.CloseSessionRevoked {
			t.Fatalf("revoked: close code %d", code)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("revocation took %v", d)
	}
	// The revoked session cannot come back; the other session goes on.
	again := dial(t, env.URL, hubtest.Token(bob.ID, "stolen"), "")
	if code := again.closeCode(time.Second); code != api.CloseSessionRevoked {
		t.Fatalf("revoked session reconnected: %d", code)
	}
	env.PayTimes(t, ada, bob.Email, 1)
	kept.seqs(0, 2)
}

// TestRevokeStuckWriter: revocation takes effect within a second even when the connection's writer
// is stuck writing to a client that stopped reading.
func TestRevokeStuckWriter(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{SendBufferBytes: 4096, Hub: hub.Options{SendBuffer: 100_000}})
	ada := env.Account(t, "ada@example.com", 1_000_000)
	bob := env.Account(t, "bob@example.com", 0)
	c := dialWith(t, hubtest.SmallReadDialer(), env.URL, hubtest.Token(bob.ID, "s"), "")
	c.next()
	env.PayTimes(t, ada, bob.Email, 300) // far more than the sockets hold
	start := time.Now()
	env.Hub.RevokeSession("s")
	for env.Hub.Connections() > 0 {
		if time.Since(start) > time.Second {
			t.Fatalf("still connected %v after revocation", time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("stuck connection closed %v after revocation", time.Since(start))
}

func TestResyncWhenOlderThanRetention(t *testing.T) {
	env, clock := hubtest.NewRetention(t)
	ada := env.Account(t, "ada@example.com", 1000)
	bob := env.Account(t, "bob@example.com", 0)
	env.PayTimes(t, ada, bob.Email, 3) // seqs 1..6
	clock.Add(2 * time.Hour)
	env.PayTimes(t, ada, bob.Email, 1) // seqs 7, 8
	env.Prune(t)
	c := dial(t, env.URL, hubtest.Token(bob.ID, "s"), "since=2")
	if h := c.next(); h.Type != api.EventHello || h.Seq != 8 {
		t.Fatalf("hello: %+v", h)
	}
	if r := c.next(); r.Type != api.EventResync || r.Seq != 8 {
		t.Fatalf("want resync at 8: %+v", r)
	}
	env.PayTimes(t, ada, bob.Email, 1)
	c.seqs(8, 10) // live from the latest seq

	// Within retention: a plain replay.
	c2 := dial(t, env.URL, hubtest.Token(bob.ID, "s"), "since=6")
	c2.next()
	c2.seqs(6, 10)

	// A since beyond the latest seq (a restored ledger) is a resync too.
	c3 := dial(t, env.URL, hubtest.Token(bob.ID, "s"), "since=99")
	c3.next()
	if r := c3.next(); r.Type != api.EventResync || r.Seq != 10 {
		t.Fatalf("since beyond latest: %+v", r)
	}
}

// TestGapInFeedFilledFromOutbox: a hub fed late and partially (as by another instance polling the
// outbox) still sends every event once, in order.
func TestGapInFeedFilledFromOutbox(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{NoFeed: true})
	var mu sync.Mutex
	var committed []ledger.Event
	env.OnCommit = func(evs []ledger.Event) { mu.Lock(); committed = append(committed, evs...); mu.Unlock() }
	ada := env.Account(t, "ada@example.com", 1000)
	bob := env.Account(t, "bob@example.com", 0)
	c := dial(t, env.URL, hubtest.Token(bob.ID, "s"), "")
	c.next()
	env.PayTimes(t, ada, bob.Email, 5)
	mu.Lock()
	var lastOfBob ledger.Event
	for _, e := range committed {
		if e.AccountID == bob.ID {
			lastOfBob = e
		}
	}
	mu.Unlock()
	env.Hub.Publish([]ledger.Event{lastOfBob}) // seq 10 only
	c.seqs(0, 10)
	env.Hub.Publish(committed) // all of it again, late: nothing is repeated
	env.PayTimes(t, ada, bob.Email, 1)
	mu.Lock()
	env.Hub.Publish(committed[len(committed)-2:])
	mu.Unlock()
	c.seqs(10, 12)
}

func TestPingsAndSilentClientDropped(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{Hub: hub.Options{PingEvery: 50 * time.Millisecond, ReadWait: 300 * time.Millisecond}})
	bob := env.Account(t, "bob@example.com", 0)
	// A client that answers pings (gorilla does while reading) stays connected.
	alive := dial(t, env.URL, hubtest.Token(bob.ID, "a"), "")
	var pings atomic.Int32
	alive.ws.SetPingHandler(func(d string) error {
		pings.Add(1)
		return alive.ws.WriteControl(websocket.PongMessage, []byte(d), time.Now().Add(time.Second))
	})
	alive.next()
	readErr := make(chan error, 1)
	go func() {
		_, err := alive.read(1500 * time.Millisecond)
		readErr <- err
	}()
	// A client that never reads never answers: the server drops it after ReadWait.
	silent := dial(t, env.URL, hubtest.Token(bob.ID, "b"), "")
	_ = silent
	waitFor(t, 2*time.Second, func() bool { return env.Hub.Connections() == 2 })
	waitFor(t, 2*time.Second, func() bool { return env.Hub.Connections() == 1 })
	if err := <-readErr; err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("live client: %v", err) // it only ever timed out reading, never got dropped
	}
	if pings.Load() < 10 {
		t.Fatalf("only %d pings in 1.5 s", pings.Load())
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestReadLimit(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{Hub: hub.Options{ReadLimit: 64}})
	bob := env.Account(t, "bob@example.com", 0)
	c := dial(t, env.URL, hubtest.Token(bob.ID, "a"), "")
	c.next()
	if err := c.ws.WriteMessage(websocket.TextMessage, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if code := c.closeCode(2 * time.Second); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code %d, want 1009", code)
	}
}

func TestShutdownClosesEveryConnectionAndLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	env := hubtest.New(t, hubtest.Options{})
	bob := env.Account(t, "bob@example.com", 0)
	var cs []*client
	for i := 0; i < 20; i++ {
		c := dial(t, env.URL, hubtest.Token(bob.ID, fmt.Sprint(i)), "")
		c.next()
		cs = append(cs, c)
	}
	if n := env.Hub.Connections(); n != 20 {
		t.Fatalf("%d connections", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := env.Hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if code := c.closeCode(time.Second); code != websocket.CloseGoingAway {
			t.Fatalf("close code %d, want 1001", code)
		}
		c.ws.Close()
	}
	// New connections are refused.
	_, resp, err := hubtest.Dialer().Dial(hubtest.EventsURL(env.URL, ""), http.Header{"Authorization": {"Bearer " + hubtest.Token(bob.ID, "x")}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after shutdown: %v %v", resp, err)
	}
	// api.md: 503 unavailable comes with Retry-After.
	if resp.Header.Get(api.HeaderRetryAfter) == "" {
		t.Fatalf("503 without Retry-After: %v", resp.Header)
	}
	env.Close()
}
