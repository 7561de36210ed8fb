package client

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// Benchmarks for BENCHMARKS.md. Run them with
//
//	go test -run '^$' -bench . -benchtime 2s ./client/

// 1. Connection reuse: the pooled client against a new TLS connection per
// request, over loopback, to the real service's GET /healthz.
func BenchmarkConnectionReuse(b *testing.B) {
	s := startService(b)
	var conns atomic.Int64
	ts := httptest.NewUnstartedServer(s.srv.Handler())
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	ts.StartTLS()
	b.Cleanup(ts.Close)
	tlsConf := ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	for _, pooled := range []bool{true, false} {
		name := "pooled"
		if !pooled {
			name = "new-tls-conn-per-request"
		}
		b.Run(name, func(b *testing.B) {
			cfg := testConfig(b, ts.URL)
			cfg.ConnectionPooling = pooled
			c := newClient(b, cfg, WithTLSConfig(tlsConf.Clone()))
			ctx := context.Background()
			if err := c.Ping(ctx); err != nil { // the pooled client's one handshake
				b.Fatal(err)
			}
			before := conns.Load()
			b.ResetTimer()
			for b.Loop() {
				if err := c.Ping(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(conns.Load()-before)/float64(b.N), "conns/op")
		})
	}
}

// 2. Caching: a 5-minute session that reads the account every 2 s (150
// reads, on a fake clock), with a payment to the account every 30 s whose
// balance.updated event reaches the client. Counts the service's account
// fetches with and without the cache, and checks after every read that the
// balance is the one of the last event.
func BenchmarkAccountCache(b *testing.B) {
	for _, cached := range []bool{true, false} {
		name := "cache-on"
		if !cached {
			name = "cache-off"
		}
		b.Run(name, func(b *testing.B) {
			var fetches, reads int
			for b.Loop() {
				f, r := simulateSession(b, cached)
				fetches += f
				reads += r
			}
			b.ReportMetric(float64(fetches)/float64(b.N), "fetches/session")
			b.ReportMetric(float64(reads)/float64(b.N), "reads/session")
		})
	}
}

// TestAccountCacheSession runs the simulation once as a test, with the goal.
func TestAccountCacheSession(t *testing.T) {
	on, reads := simulateSession(t, true)
	off, _ := simulateSession(t, false)
	t.Logf("5-minute session, %d reads: %d fetches with the cache, %d without", reads, on, off)
	if float64(on) > 0.05*float64(off) {
		t.Errorf("the cache saved %.1f%% of fetches, want at least 95%%", 100*(1-float64(on)/float64(off)))
	}
}

func simulateSession(tb testing.TB, cached bool) (fetches, reads int) {
	tb.Helper()
	clk := &fakeClock{}
	s := startServiceWith(tb, svcOpts{clock: clk})
	requireAuth(tb, s)
	payer := signUp(tb, s, testConfig(tb, s.URL), "payer@example.com")
	s.credit("payer@example.com", "1000")
	p := newFaultProxy(tb, s.URL)
	cfg := testConfig(tb, p.URL())
	cfg.CachingEnabled = cached
	c := signUp(tb, s, cfg, "reader@example.com", WithClock(clk.Now))
	ctx := context.Background()
	p.setRule(nil) // count from here
	var lastEvent money.Micros
	for tick := 0; tick < 150; tick++ {
		if tick > 0 && tick%15 == 0 { // every 30 s a payment arrives, and its event
			if _, err := payer.Pay(ctx, PayRequest{Recipient: "reader@example.com", Amount: mustMicros(tb, "1")}); err != nil {
				tb.Fatal(err)
			}
			lastEvent = s.balance("reader@example.com")
			c.ApplyBalance(api.Balance{Balance: lastEvent, AvailableBalance: lastEvent})
		}
		u, err := c.Account(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		reads++
		if u.Balance != lastEvent {
			tb.Fatalf("tick %d: balance %s, last event said %s", tick, u.Balance, lastEvent)
		}
		clk.Advance(2 * time.Second)
	}
	return p.count("GET /account"), reads
}

// 3. 100 concurrent callers that need a session and the account. The
// first round signs in once and fetches once; later rounds (the session
// exists, the account is cached) are timed per call.
func BenchmarkConcurrentSession(b *testing.B) {
	s := startAuthService(b)
	p, c := selfSigningClient(b, s, "kim@example.com")
	ctx := context.Background()
	round := func() time.Duration {
		var wg sync.WaitGroup
		var total atomic.Int64
		for range 100 {
			wg.Go(func() {
				start := time.Now()
				if _, err := c.AccessToken(ctx); err != nil {
					b.Error(err)
				}
				if _, err := c.Account(ctx); err != nil {
					b.Error(err)
				}
				total.Add(int64(time.Since(start)))
			})
		}
		wg.Wait()
		return time.Duration(total.Load() / 100)
	}
	cold := round()
	if p.count("POST /auth/login") != 1 || p.count("GET /account") != 1 {
		b.Fatalf("cold round: %d logins, %d account fetches", p.count("POST /auth/login"), p.count("GET /account"))
	}
	var sum time.Duration
	b.ResetTimer()
	for b.Loop() {
		sum += round()
	}
	b.ReportMetric(float64(cold.Microseconds()), "cold-avg-µs/caller")
	b.ReportMetric(float64(sum.Nanoseconds())/float64(b.N), "warm-avg-ns/caller")
	b.ReportMetric(float64(p.count("POST /auth/login")), "logins")
	b.ReportMetric(float64(p.count("GET /account")), "account-fetches")
}

// 4. 100 payments as one batch against 100 single payments.
func BenchmarkBatchVsSingle(b *testing.B) {
	s := startAuthService(b)
	signUpAt(b, s, "rcpt@example.com")
	cfg := testConfig(b, s.URL)
	cfg.CachingEnabled = false
	c := signUp(b, s, cfg, "sender@example.com", WithLogger(slog.New(slog.DiscardHandler)))
	s.credit("sender@example.com", "1000000000")
	ctx := context.Background()
	items := make([]BatchPayment, 100)
	for i := range items {
		items[i] = BatchPayment{Recipient: "rcpt@example.com", Amount: money.Micros(1_000_000 + i), Memo: fmt.Sprint("item ", i)}
	}
	b.Run("batch-of-100", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.BatchPay(ctx, items, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("100-single", func(b *testing.B) {
		for b.Loop() {
			for _, it := range items {
				if _, err := c.Pay(ctx, PayRequest{Recipient: it.Recipient, Amount: it.Amount, Memo: it.Memo}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
