package events_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/hub/hubtest"
)

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
