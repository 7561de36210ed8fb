package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

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
