package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/hub"
	"github.com/syftbox/syftwallet/server/hub/hubtest"
	"github.com/syftbox/syftwallet/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func fixedToken(tok string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return tok, nil }
}

// start runs s in a goroutine; t.Cleanup closes it and checks Run's result.
func start(t testing.TB, s *events.Stream) <-chan error {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- s.Run(context.Background()) }()
	t.Cleanup(func() { s.Close() })
	return res
}

// runResult is what Run returned (start's channel), failing the test when Run has not returned
// within 30 s: a stream that was to end by itself hangs (a bound for a hang, not a speed).
func runResult(t testing.TB, res <-chan error) error {
	t.Helper()
	select {
	case err := <-res:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Run is still running")
		return nil
	}
}

// nextWhere returns the next item that take accepts, skipping the others; it fails the test,
// saying what it was waiting for, when Next fails (the wait has run out, the stream ended).
func nextWhere(t testing.TB, s *events.Stream, wait time.Duration, what string, take func(events.Item) bool) events.Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		it, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if take(it) {
			return it
		}
	}
}

// nextEvent returns the next event (or resync), skipping state changes.
func nextEvent(t testing.TB, s *events.Stream, wait time.Duration) events.Item {
	t.Helper()
	return nextWhere(t, s, wait, "next", func(it events.Item) bool { return it.Kind != events.KindState })
}

// nextState returns the next state in phase p, skipping the others and failing on an event.
func nextState(t testing.TB, s *events.Stream, p events.Phase, wait time.Duration) events.State {
	t.Helper()
	what := fmt.Sprintf("waiting for %v", p)
	return nextWhere(t, s, wait, what, func(it events.Item) bool {
		if it.Kind != events.KindState {
			t.Fatalf("%s: got %+v", what, it)
		}
		return it.State.Phase == p
	}).State
}

// payerAndPayee makes ada, with credit micro-units, who pays bob, who starts with nothing.
func payerAndPayee(t testing.TB, env *hubtest.Env, credit int64) (ada, bob ledger.Account) {
	t.Helper()
	return env.Account(t, "ada@example.com", credit), env.Account(t, "bob@example.com", 0)
}

// TestChaosExactlyOnceInOrder: 10,000 events for one account while every connection is cut at
// random 100 times; the stream delivers each exactly once, in order.
func TestChaosExactlyOnceInOrder(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	proxy := hubtest.NewProxy(t, strings.TrimPrefix(env.URL, "http://"))
	ada, bob := payerAndPayee(t, env, 1_000_000)

	s := events.NewStream(events.Options{
		URL: proxy.URL(), Token: fixedToken(hubtest.Token(bob.ID, "s")),
		MinBackoff: 2 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	})
	runErr := start(t, s)
	nextState(t, s, events.Live, 5*time.Second)

	const payments, total, cuts = 5000, 10_000, 100 // each payment: payment.received + balance.updated
	cutAt := map[int]bool{}
	for len(cutAt) < cuts {
		cutAt[rand.IntN(payments)] = true
	}
	payDone := make(chan error, 1)
	go func() {
		// Four payers, so commits come in groups as in production.
		var wg sync.WaitGroup
		var next atomic.Int64
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= payments {
						return
					}
					if err := env.Pay(ada, bob.Email, int64(i+1)); err != nil {
						errs <- err
						return
					}
					if cutAt[i] {
						proxy.Cut()
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		payDone <- <-errs
	}()

	var last int64
	seen := 0
	var reconnects, resyncs int
	// A lost event shows as a stall: the stream waits for a seq that never comes. So the bound is
	// on each wait, not on the storm, whose length depends on how loaded the machine is.
	for seen < total {
		wait, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		it, err := s.Next(wait)
		cancel()
		if err != nil {
			t.Fatalf("after %d events (seq %d), nothing for 30 s: %v", seen, last, err)
		}
		switch it.Kind {
		case events.KindState:
			if it.State.Phase == events.Reconnecting {
				reconnects++
			}
		case events.KindResync:
			resyncs++
		case events.KindEvent:
			if it.Event.Seq != last+1 {
				t.Fatalf("after seq %d got %d", last, it.Event.Seq)
			}
			last = it.Event.Seq
			seen++
		}
	}
	if err := <-payDone; err != nil {
		t.Fatal(err)
	}
	if resyncs != 0 {
		t.Fatalf("%d resyncs", resyncs)
	}
	latest, _ := env.Ledger.LatestSeq(context.Background(), bob.ID)
	if latest != total || last != total {
		t.Fatalf("latest %d, delivered up to %d", latest, last)
	}
	// Nothing more comes: no duplicate after the last.
	ctx, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	for {
		it, err := s.Next(ctx)
		if err != nil {
			break
		}
		if it.Kind != events.KindState {
			t.Fatalf("extra item after the last: %+v", it)
		}
	}
	t.Logf("%d cuts, %d reconnecting states seen (coalesced)", proxy.Cuts(), reconnects)
	s.Close()
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestResyncNoticeThenLive(t *testing.T) {
	env, clock := hubtest.NewRetention(t)
	ada, bob := payerAndPayee(t, env, 1000)
	env.PayTimes(t, ada, bob.Email, 3)
	clock.Add(2 * time.Hour)
	env.Prune(t)
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "s")), Since: events.FromSeq(2)})
	start(t, s)
	it := nextEvent(t, s, 5*time.Second)
	if it.Kind != events.KindResync || it.Event.Seq != 6 {
		t.Fatalf("want resync at 6: %+v", it)
	}
	env.PayTimes(t, ada, bob.Email, 1)
	if it := nextEvent(t, s, 5*time.Second); it.Kind != events.KindEvent || it.Event.Seq != 7 || it.Event.Type != api.EventPaymentReceived {
		t.Fatalf("after resync: %+v", it)
	}
}

func TestRefreshOnceOn401(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	bob := env.Account(t, "bob@example.com", 0)
	var mu sync.Mutex
	tok := "bad:x"
	var refreshes atomic.Int32
	s := events.NewStream(events.Options{
		URL: env.URL,
		Token: func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			return tok, nil
		},
		Refresh: func(context.Context) (string, error) {
			refreshes.Add(1)
			mu.Lock()
			defer mu.Unlock()
			tok = hubtest.Token(bob.ID, "s")
			return tok, nil
		},
		MinBackoff: time.Hour, // a backoff would fail the test: the refresh must retry at once
	})
	start(t, s)
	nextState(t, s, events.Live, 5*time.Second)
	if n := refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes", n)
	}
}

func TestUnauthorizedBacksOffAfterOneRefresh(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	var refreshes atomic.Int32
	s := events.NewStream(events.Options{
		URL: env.URL, Token: fixedToken("bad:x"),
		Refresh:    func(context.Context) (string, error) { refreshes.Add(1); return "bad:x", nil },
		MinBackoff: time.Hour,
	})
	start(t, s)
	st := nextState(t, s, events.Reconnecting, 5*time.Second)
	if !errors.Is(st.Err, events.ErrUnauthorized) || time.Until(st.NextTry) < 0 {
		t.Fatalf("state: %+v", st)
	}
	if n := refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes", n)
	}
}

func TestStatesReconnectAndCloseLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	env := hubtest.New(t, hubtest.Options{})
	proxy := hubtest.NewProxy(t, strings.TrimPrefix(env.URL, "http://"))
	ada, bob := payerAndPayee(t, env, 1000)
	s := events.NewStream(events.Options{URL: proxy.URL() + "/", Token: fixedToken(hubtest.Token(bob.ID, "s")),
		MinBackoff: 100 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	res := make(chan error, 1)
	go func() { res <- s.Run(context.Background()) }()
	if st := nextState(t, s, events.Live, 5*time.Second); st.Seq != 0 {
		t.Fatalf("live: %+v", st)
	}
	proxy.Cut()
	st := nextState(t, s, events.Reconnecting, 5*time.Second)
	if st.Err == nil || st.NextTry.IsZero() || st.Attempt != 1 {
		t.Fatalf("reconnecting: %+v", st)
	}
	if err := env.Pay(ada, bob.Email, 1); err != nil { // while offline
		t.Fatal(err)
	}
	// Back live, with the payment made while offline replayed. The replayed event may come out
	// of Next before the (coalesced) Live state does: take both, in either order.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for live, got := false, false; !live || !got; {
		it, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("after the cut: live %v, event %v: %v", live, got, err)
		}
		switch {
		case it.Kind == events.KindState:
			live = live || it.State.Phase == events.Live
		case it.Event.Seq != 1 || got:
			t.Fatalf("missed or repeated while offline: %+v", it)
		default:
			got = true
		}
	}
	// Close while the stream waits to deliver seq 2 to nobody.
	s.Close()
	if err := <-res; err != nil {
		t.Fatalf("Run: %v", err)
	}
	var lastState events.State
	for st := range s.States() {
		lastState = st
	}
	if lastState.Phase != events.Offline {
		t.Fatalf("final state %+v", lastState)
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, events.ErrClosed) {
		t.Fatalf("Next after close: %v", err)
	}
	proxy.Close()
	env.Close()
}

func TestSessionRevokedEndsRun(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	bob := env.Account(t, "bob@example.com", 0)
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "s"))})
	res := start(t, s)
	nextState(t, s, events.Live, 5*time.Second)
	env.Hub.RevokeSession("s")
	st := nextState(t, s, events.Offline, 5*time.Second)
	if !errors.Is(st.Err, events.ErrSessionRevoked) {
		t.Fatalf("offline: %+v", st)
	}
	if err := runResult(t, res); !errors.Is(err, events.ErrSessionRevoked) {
		t.Fatalf("Run: %v", err)
	}
}

// fake is a scripted events server: each connection gets the frames script returns for its since.
type fake struct {
	mu     sync.Mutex
	sinces []string
	script func(conn int, since string) []string
	hold   bool // keep the connection open and silent after the script
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	n := len(f.sinces)
	f.sinces = append(f.sinces, r.URL.Query().Get("since"))
	f.mu.Unlock()
	up := websocket.Upgrader{}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	for _, fr := range f.script(n, r.URL.Query().Get("since")) {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(fr)); err != nil {
			return
		}
	}
	if f.hold {
		for { // read until the client goes (answers nothing, sends no ping)
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}
}

func (f *fake) connections() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sinces...)
}

func frame(seq int64, typ string) string {
	b, _ := json.Marshal(api.Event{Seq: seq, Type: typ, Data: json.RawMessage(`{}`)})
	return string(b)
}

func TestGapReconnectsWithSinceAndDropsDuplicates(t *testing.T) {
	f := &fake{hold: true, script: func(conn int, since string) []string {
		switch conn {
		case 0: // 1, 2, a duplicate 2, then a gap: 4
			return []string{frame(2, "hello"), frame(1, "payment.sent"), frame(2, "balance.updated"),
				frame(2, "balance.updated"), frame(4, "payment.sent")}
		default: // resumed after 2: 3, 4, then live 5
			return []string{frame(5, "hello"), frame(3, "payment.received"), frame(4, "payment.sent"),
				frame(5, "balance.updated")}
		}
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := events.NewStream(events.Options{URL: srv.URL, Token: fixedToken("t"),
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	start(t, s)
	// First connection without since: hello at 2 means "go on from 2": seqs 1 and 2 are duplicates.
	for want := int64(3); want <= 5; want++ {
		it := nextEvent(t, s, 5*time.Second)
		if it.Event.Seq != want {
			t.Fatalf("want seq %d, got %+v", want, it)
		}
	}
	if c := f.connections(); len(c) != 2 || c[0] != "" || c[1] != "2" {
		t.Fatalf("connections' since: %q", c)
	}
	s.Close()
}

func TestDeadAfterSilence(t *testing.T) {
	f := &fake{hold: true, script: func(int, string) []string { return []string{frame(0, "hello")} }}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := events.NewStream(events.Options{URL: srv.URL, Token: fixedToken("t"),
		DeadAfter: 200 * time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	start(t, s)
	nextState(t, s, events.Live, 5*time.Second)
	began := time.Now()
	st := nextState(t, s, events.Reconnecting, 5*time.Second)
	if d := time.Since(began); d < 150*time.Millisecond || !strings.Contains(fmt.Sprint(st.Err), "timeout") {
		t.Fatalf("declared dead after %v: %v", d, st.Err)
	}
	nextState(t, s, events.Live, 5*time.Second)
	if c := f.connections(); len(c) < 2 || c[0] != "" || c[1] != "0" {
		t.Fatalf("connections' since: %q, want resumed from 0", c)
	}
}

// TestSlowStateReaderNeverBlocks: an owner that never reads States still gets every event.
func TestSlowStateReaderNeverBlocks(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	proxy := hubtest.NewProxy(t, strings.TrimPrefix(env.URL, "http://"))
	ada, bob := payerAndPayee(t, env, 1000)
	s := events.NewStream(events.Options{URL: proxy.URL(), Token: fixedToken(hubtest.Token(bob.ID, "s")),
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	start(t, s)
	for i := 0; i < 20; i++ {
		if err := env.Pay(ada, bob.Email, 1); err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 {
			proxy.Cut()
		}
	}
	for want := int64(1); want <= 40; want++ {
		select {
		case e := <-s.Events():
			if e.Seq != want && !(want == 1 && e.Seq > 1) {
				t.Fatalf("want %d got %d", want, e.Seq)
			}
			want = e.Seq
		case <-time.After(30 * time.Second): // a liveness bound, generous for a loaded machine
			t.Fatalf("stuck before seq %d", want)
		}
	}
}

// TestTooSlowOwnerLosesNothing: an owner slower than the payments gets its connection closed with
// 1013 (a tiny send buffer and small sockets here); the stream resumes with since and delivers
// everything in order.
func TestTooSlowOwnerLosesNothing(t *testing.T) {
	var logs testkit.Buffer
	env := hubtest.New(t, hubtest.Options{SendBufferBytes: 4096, Hub: hub.Options{SendBuffer: 4,
		Logger: logs.Logger()}})
	ada, bob := payerAndPayee(t, env, 1000)
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "s")),
		Dialer: hubtest.SmallReadDialer(), MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	start(t, s)
	nextState(t, s, events.Live, 5*time.Second)
	const payments = 300
	payErr := make(chan error, 1)
	go func() {
		for i := 0; i < payments; i++ {
			if err := env.Pay(ada, bob.Email, 1); err != nil {
				payErr <- err
				return
			}
		}
		payErr <- nil
	}()
	// The owner reads nothing until every payment is committed, so its buffers overflow and the
	// hub cuts it off whatever the machine's speed; then it catches up from the outbox.
	if err := <-payErr; err != nil {
		t.Fatal(err)
	}
	last := int64(0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for last < 2*payments {
		it, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("after %d: %v", last, err)
		}
		if it.Kind == events.KindEvent {
			if it.Event.Seq != last+1 {
				t.Fatalf("after %d got %d", last, it.Event.Seq)
			}
			last = it.Event.Seq
			if last < 100 {
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	if n := strings.Count(logs.String(), "too slow"); n == 0 {
		t.Fatal("the slow owner was never cut off with 1013")
	} else {
		t.Logf("cut off %d times with 1013, nothing lost", n)
	}
}

// Retry ends the wait between attempts at once: with an hour of backoff, a stream that was
// refused tries again as soon as it is asked, and waits again after.
func TestRetryReconnectsNow(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken("bad:x"), MinBackoff: time.Hour})
	start(t, s)
	first := nextState(t, s, events.Reconnecting, 5*time.Second)
	s.Retry()
	next := nextState(t, s, events.Reconnecting, 5*time.Second)
	if next.Attempt != first.Attempt+1 {
		t.Fatalf("after Retry: attempt %d, want %d", next.Attempt, first.Attempt+1)
	}
}

// TestSinceZeroReplaysFromTheStart: Since FromSeq(0) sends since=0 and gets every event kept,
// from seq 1 (issue 11, item 10); no Since follows new events only.
func TestSinceZeroReplaysFromTheStart(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	ada, bob := payerAndPayee(t, env, 100)
	env.PayTimes(t, ada, bob.Email, 3) // bob: seqs 1 to 6
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "s")), Since: events.FromSeq(0)})
	start(t, s)
	for want := int64(1); want <= 6; want++ {
		if it := nextEvent(t, s, 5*time.Second); it.Kind != events.KindEvent || it.Event.Seq != want {
			t.Fatalf("want seq %d, got %+v", want, it)
		}
	}
	s.Close()

	live := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "s"))})
	start(t, live)
	nextState(t, live, events.Live, 5*time.Second)
	env.PayTimes(t, ada, bob.Email, 1)
	if it := nextEvent(t, live, 5*time.Second); it.Event.Seq != 7 {
		t.Fatalf("without since: %+v, want the new seq 7 only", it)
	}
}

// TestReplacedStopsTheStream: a stream closed with 4008 (the account opened more connections than
// the service keeps) ends with ErrReplaced and does not reconnect, which would only close the next
// oldest in turn.
func TestReplacedStopsTheStream(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{Hub: hub.Options{MaxPerAccount: 1}})
	bob := env.Account(t, "bob@example.com", 0)
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "old")),
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	runErr := start(t, s)
	nextState(t, s, events.Live, 5*time.Second)

	ws, _, err := hubtest.Dialer().Dial(hubtest.EventsURL(env.URL, ""), http.Header{"Authorization": {"Bearer " + hubtest.Token(bob.ID, "new")}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := runResult(t, runErr); !errors.Is(err, events.ErrReplaced) {
		t.Fatalf("Run: %v, want ErrReplaced", err)
	}
	// The newer connection was not closed in turn.
	_ = ws.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			if websocket.IsCloseError(err, api.CloseReplaced) {
				t.Fatal("the stream reconnected and closed the newer connection")
			}
			break
		}
		_ = b
	}
	if n := env.Hub.Connections(); n != 1 {
		t.Fatalf("%d connections, want the newer one only", n)
	}
}

// BenchmarkCommitToClient measures, over loopback, the latency from a payment's commit (the
// moment the ledger's writer hands the committed events to OnCommit) to the payment.received event
// coming out of the recipient's events.Stream, one payment at a time. Next to it, the latency a
// client polling every second would see: the wait for the next poll (uniform over the period, as
// payments come at random times) plus one outbox read, measured here for every payment.
//
//	go test -run '^$' -bench CommitToClient -benchtime 1000x ./events/
func BenchmarkCommitToClient(b *testing.B) {
	env := hubtest.New(b, hubtest.Options{})
	ada, bob := payerAndPayee(b, env, 1_000_000)
	var mu sync.Mutex
	committed := map[int64]time.Time{}
	env.OnCommit = func(evs []ledger.Event) {
		now := time.Now()
		mu.Lock()
		for _, e := range evs {
			if e.AccountID == bob.ID {
				committed[e.Seq] = now
			}
		}
		mu.Unlock()
	}
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "s"))})
	start(b, s)
	nextState(b, s, events.Live, 5*time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	push := make([]time.Duration, 0, b.N)
	poll := make([]time.Duration, 0, b.N)
	const period = time.Second
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := env.Pay(ada, bob.Email, 1); err != nil {
			b.Fatal(err)
		}
		for {
			it, err := s.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if it.Kind != events.KindEvent || it.Event.Type != api.EventPaymentReceived {
				continue
			}
			arrived := time.Now()
			mu.Lock()
			at, ok := committed[it.Event.Seq]
			mu.Unlock()
			if !ok {
				b.Fatalf("no commit time for seq %d", it.Event.Seq)
			}
			push = append(push, arrived.Sub(at))
			// A poller would have read the outbox from the previous seq at its next tick.
			t0 := time.Now()
			if _, err := env.Ledger.EventsAfter(ctx, bob.ID, it.Event.Seq-1, 100); err != nil {
				b.Fatal(err)
			}
			read := time.Since(t0)
			poll = append(poll, time.Duration(rand.Int64N(int64(period)))+read)
			break
		}
	}
	b.StopTimer()
	report(b, "push", push)
	report(b, "poll1s", poll)
}

func report(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	q := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), name+"-p50-µs")
	b.ReportMetric(q(0.99), name+"-p99-µs")
	b.ReportMetric(float64((sum / time.Duration(len(d))).Microseconds()), name+"-mean-µs")
}
