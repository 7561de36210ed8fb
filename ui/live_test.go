package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"go.uber.org/goleak"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// The live feed: events from the stream (toasts, the balance, the status bar), its outages and
// reconnects, and polling where the service has no events.

func TestLivePaymentShowsToastFeedAndBalance(t *testing.T) {
	m, fc, _ := liveModel(t)
	feed(m, events.Item{Kind: events.KindState, State: events.State{Phase: events.Live}})
	if !strings.Contains(screen(m), "● live") {
		t.Fatalf("status does not say live:\n%s", screen(m))
	}
	calls := len(fc.Calls())
	receive(m, 1, "tx-live", 1_250_000)
	liveEvent(m, 2, api.EventBalanceUpdated, api.Balance{Balance: 251_250_000, AvailableBalance: 251_250_000})
	s := screen(m)
	if !strings.Contains(s, "↓ +1.25 from ada@example.com") {
		t.Fatalf("no toast:\n%s", s)
	}
	if !strings.Contains(s, "Available 251.25") {
		t.Fatalf("balance not updated:\n%s", s)
	}
	if got := len(fc.Calls()); got != calls {
		t.Fatalf("live events caused %d calls: %v", got-calls, fc.Calls()[calls:])
	}
	// The toast fades and goes.
	later := viewstest.Epoch.Add(toastLife + time.Second)
	m.opts.Now = func() time.Time { return later }
	m.Update(tickMsg{})
	if strings.Contains(screen(m), "↓ +1.25") {
		t.Fatal("the toast did not go")
	}
}

func TestLiveReconnectingStatus(t *testing.T) {
	m, _, _ := liveModel(t)
	feed(m, events.Item{Kind: events.KindState, State: events.State{Phase: events.Reconnecting,
		NextTry: viewstest.Epoch.Add(4 * time.Second), Attempt: 2}})
	if !strings.Contains(screen(m), "reconnecting in 4s (attempt 2)") {
		t.Fatalf("no reconnecting state:\n%s", screen(m))
	}
}

func TestLiveResyncReloads(t *testing.T) {
	m, fc, _ := liveModel(t)
	before := fc.CountCalls("Account")
	feed(m, events.Item{Kind: events.KindResync})
	if fc.CountCalls("Account") <= before {
		t.Fatal("a resync did not reload the account")
	}
}

func TestLiveRevokedSignsOut(t *testing.T) {
	m, _, _ := liveModel(t)
	settle(m, func() tea.Msg { return liveEndedMsg{gen: m.live.gen, err: events.ErrSessionRevoked} })
	if m.session.SignedIn || !strings.Contains(screen(m), "session was ended") {
		t.Fatalf("a revoked session stays signed in:\n%s", screen(m))
	}
}

func TestLiveStreamLeavesNoGoroutine(t *testing.T) {
	// Timers the screens started (the dashboard's 30 s redraw) are not the stream's.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction("charm.land/bubbletea/v2.Tick.func1"),
		goleak.IgnoreAnyFunction("github.com/syftbox/syftwallet/views/viewstest.Exec.func2"))
	fc := viewstest.Standard()
	fc.Events = true
	var fs *fakeStream
	m := newModel(t, fc, func(o *Options) {
		o.NewStream = func(events.Options) LiveStream { fs = newFakeStream(); return fs }
	})
	// Run the adapter's commands for real, in goroutines, as the program does.
	fc.SignIn("me@example.com")
	_, cmd := m.Update(views.SignedInMsg{Session: fc.Session()})
	done := make(chan struct{})
	go func() { exec(cmd); close(done) }()
	fs.items <- events.Item{Kind: events.KindState, State: events.State{Phase: events.Live}}
	time.Sleep(50 * time.Millisecond)
	_, stop := m.Update(views.SignedOutMsg{Reason: "bye"})
	exec(stop)
	m.Shutdown()
	<-done
}

func TestPollingTurnsChangesIntoToasts(t *testing.T) {
	fc := viewstest.Standard()
	m := newModel(t, fc)
	signIn(t, m, fc) // the first poll primes
	if !strings.Contains(screen(m), "polling") {
		t.Fatalf("no polling state:\n%s", screen(m))
	}
	fc.AddTx("grace@example.com", "me@example.com", 4*money.Scale, api.StatusCompleted, "tea", viewstest.Epoch)
	_, cmd := m.Update(pollTickMsg{gen: m.gen})
	settle(m, cmd)
	s := screen(m)
	if !strings.Contains(s, "↓ +4.00 from grace@example.com") {
		t.Fatalf("no toast from polling:\n%s", s)
	}
	if !strings.Contains(s, "Available 254.00") {
		t.Fatalf("balance not updated from polling:\n%s", s)
	}
}

// Privacy mode hides every amount at once: a toast shown before h was pressed must not keep
// showing its amount for the rest of its life.
func TestPrivacyHidesAmountsInToastsAlreadyShown(t *testing.T) {
	m, _, _ := liveModel(t)
	receive(m, 1, "tx-live", 1_250_000)
	if !strings.Contains(screen(m), "+1.25 from ada@example.com") {
		t.Fatalf("no toast:\n%s", screen(m))
	}
	press(m, "h")
	if s := screen(m); strings.Contains(s, "1.25") {
		t.Fatalf("privacy mode still shows an amount in a toast:\n%s", s)
	}
}

// Turning two-factor on from the Security screen reports it there; the event it causes does
// not also raise a toast. A change made elsewhere still does.
func TestOwnMFAChangeRaisesNoToast(t *testing.T) {
	m, _, _ := liveModel(t)
	at := api.At(viewstest.Epoch)
	mfa := func(seq int64) {
		feed(m, events.Item{Kind: events.KindEvent, Event: api.Event{Seq: seq, Type: api.EventSecurityMFAChanged,
			At: &at, Data: json.RawMessage(`{"enabled":true}`)}})
	}
	const toastText = "Two-factor authentication was changed"
	mfa(1)
	if !strings.Contains(screen(m), toastText) {
		t.Fatalf("a change made elsewhere raised no toast:\n%s", screen(m))
	}
	m.toasts = nil
	press(m, "5", "m")
	typeText(m, "123456")
	if !strings.Contains(screen(m), "recovery codes") && !strings.Contains(screen(m), "Recovery codes") {
		t.Fatalf("two-factor not turned on:\n%s", screen(m))
	}
	mfa(2)
	if s := screen(m); strings.Contains(s, toastText) {
		t.Fatalf("the person's own change raised a toast:\n%s", s)
	}
}

// During an outage the balance is marked stale; r asks the stream to reconnect now (not when its
// backoff says) and the balance again; back live, the mark goes.
func TestOutageMarksTheBalanceAndRReconnectsNow(t *testing.T) {
	m, fc, fs := liveModel(t)
	feed(m, events.Item{Kind: events.KindState, State: events.State{Phase: events.Live}})
	if strings.Contains(screen(m), "stale") {
		t.Fatalf("stale while live:\n%s", screen(m))
	}
	feed(m, events.Item{Kind: events.KindState, State: events.State{Phase: events.Reconnecting,
		NextTry: viewstest.Epoch.Add(20 * time.Second), Attempt: 3}})
	if !strings.Contains(screen(m), "stale") {
		t.Fatalf("the balance is not marked stale during the outage:\n%s", screen(m))
	}
	before := fc.CountCalls("Account")
	press(m, "r")
	if fs.Retries() != 1 || fc.CountCalls("Account") <= before {
		t.Fatalf("r: %d retries, %d account loads", fs.Retries(), fc.CountCalls("Account")-before)
	}
	if !strings.Contains(screen(m), "reconnecting now") {
		t.Fatalf("the status still counts down:\n%s", screen(m))
	}
	feed(m, events.Item{Kind: events.KindState, State: events.State{Phase: events.Live}})
	if strings.Contains(screen(m), "stale") {
		t.Fatalf("still stale when live again:\n%s", screen(m))
	}
}

// A flood of incoming payments: the first toasts as they come, then one summary toast that
// keeps counting (how many more, and their sum), never silence.
func TestToastFloodSummarises(t *testing.T) {
	m, _, _ := liveModel(t)
	for i := range 12 {
		receive(m, int64(i+1), fmt.Sprintf("tx-flood-%d", i), money.Micros(i+1)*money.Scale/10)
	}
	s := screen(m)
	// The first two as they came, then the summary of the other ten: 0.3 + ... + 1.2 = 7.50.
	for _, want := range []string{"+0.10 from ada@example.com", "+0.20 from ada@example.com", "+10 more, +7.50"} {
		if !strings.Contains(s, want) {
			t.Errorf("the flood lacks %q:\n%s", want, s)
		}
	}
}
