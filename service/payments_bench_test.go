package service

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger/ledgertest"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server/auth"
)

// How long each phase of BenchmarkPaymentsHTTP runs: the flag, else $PAYMENTS_BENCH_DURATION,
// else 2 s (so that a plain `go test -bench .` stays usable; the figures of BENCHMARKS.md are
// taken with 10 s).
var paymentsBenchDuration = flag.Duration("payments.duration", 0,
	"how long each phase of BenchmarkPaymentsHTTP runs (default $PAYMENTS_BENCH_DURATION, else 2s)")

func benchDuration(b *testing.B) time.Duration {
	if *paymentsBenchDuration > 0 {
		return *paymentsBenchDuration
	}
	if v := os.Getenv("PAYMENTS_BENCH_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("PAYMENTS_BENCH_DURATION=%q is not a duration", v)
		}
		return d
	}
	return 2 * time.Second
}

const (
	benchClients = 64
	benchAmount  = money.Micros(10_000) // 0.01 a payment
)

// BenchmarkPaymentsHTTP is issue 16's end-to-end figure: the assembled service (SQLite ledger,
// synchronous=FULL, auth, hub, HTTP with its info-level access log written to a file, as `serve`
// logs) on loopback, and 64 concurrent keep-alive clients, each an account of its own signed in
// with a Bearer access token, in one process on the same cores. Three phases, one after the
// other, each for the same fixed duration:
//
//   - healthz: GET /healthz, the HTTP floor of this machine at this moment;
//   - payments: POST /payments to another of the 64 accounts, each with a unique Idempotency-Key;
//     afterwards every account's balance must be what the 201s say (money conserved: the sum is
//     unchanged and each balance is its funding minus what it sent plus what it received);
//   - store: the same payments straight into the ledger (ledger.Pay, 64 goroutines), no HTTP.
//
// payments reports payments/s, p50/p99 and x-healthz, its rate as a fraction of healthz's. Each
// phase also reports cpu-µs/op: the process's CPU time (server and load generator) per request,
// which a busy shared machine disturbs less than the rates.
//
//	go test -run '^$' -bench PaymentsHTTP -benchtime 1x ./service/ -args -payments.duration 10s
func BenchmarkPaymentsHTTP(b *testing.B) {
	d := benchDuration(b)
	dir := b.TempDir()
	logf, err := os.Create(filepath.Join(dir, "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", DBPath: filepath.Join(dir, "ledger.db"),
		Logger: slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := svc.Stop(); err != nil {
			b.Errorf("stop: %v", err)
		}
	}()
	people := benchPeople(b, svc)
	tr := &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var healthz float64
	b.Run("healthz", func(b *testing.B) {
		r := drive(b, d, func(c, n int) (bool, error) {
			req, _ := http.NewRequest("GET", svc.URL+"/healthz", nil)
			return do(hc, req, http.StatusOK)
		})
		healthz = r.rate
		r.report(b, "requests/s")
	})

	b.Run("payments", func(b *testing.B) {
		before := balances(b, svc, people)
		sent := make([][]int, benchClients) // sent[c][to]: 201s from client c to account to
		for c := range sent {
			sent[c] = make([]int, benchClients)
		}
		r := drive(b, d, func(c, n int) (bool, error) {
			to := (c + 1 + n%(benchClients-1)) % benchClients
			body := fmt.Sprintf(`{"recipientEmail":%q,"amount":%s}`, people[to].email, benchAmount)
			req, _ := http.NewRequest("POST", svc.URL+"/payments", bytes.NewBufferString(body))
			req.Header.Set("Authorization", "Bearer "+people[c].token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(api.HeaderIdempotencyKey, fmt.Sprintf("bench-%d-%d", c, n))
			ok, err := do(hc, req, http.StatusCreated)
			if ok {
				sent[c][to]++
			}
			return ok, err
		})
		after := balances(b, svc, people)
		checkConserved(b, before, after, sent)
		r.report(b, "payments/s")
		if healthz > 0 {
			b.ReportMetric(r.rate/healthz, "x-healthz")
		}
	})

	b.Run("store", func(b *testing.B) {
		ctx := context.Background()
		r := drive(b, d, func(c, n int) (bool, error) {
			to := (c + 1 + n%(benchClients-1)) % benchClients
			err := ledgertest.BenchPay(ctx, svc.Ledger, people[c].id, people[to].email, benchAmount, fmt.Sprintf("store-%d-%d", c, n))
			return err == nil, err
		})
		r.report(b, "payments/s")
	})
}

type benchPerson struct{ email, id, token string }

// benchPeople makes the 64 accounts (one argon2id hash shared by all, so setting up costs 64
// logins, not 128 hashes), funds each, and signs each in over HTTP for a Bearer token.
func benchPeople(b *testing.B, svc *Service) []benchPerson {
	ctx := context.Background()
	const password = "correct horse battery staple"
	h, err := auth.NewHasher(auth.DefaultParams(), 1)
	if err != nil {
		b.Fatal(err)
	}
	hash, err := h.Hash(ctx, password)
	if err != nil {
		b.Fatal(err)
	}
	people := make([]benchPerson, benchClients)
	errs := make(chan error, benchClients)
	var wg sync.WaitGroup
	// A few logins at a time: the per-address budget counts attempts in flight.
	slots := make(chan struct{}, 4)
	for i := range people {
		email := fmt.Sprintf("payer%02d@example.com", i)
		a := ledgertest.MkUser(b, svc.Ledger, email, hash, ledgertest.Units(1_000_000))
		people[i] = benchPerson{email: email, id: a.ID}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			tok, err := benchLogin(svc.URL, email, password)
			if err != nil {
				errs <- err
				return
			}
			people[i].token = tok
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return people
}

// benchLogin signs in for an access token; on a loaded machine the hash queue may answer 503
// (a wait past its bound), which is retried.
func benchLogin(url, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	for try := 0; ; try++ {
		res, err := http.Post(url+"/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		var tok api.Tokens
		err = json.NewDecoder(res.Body).Decode(&tok)
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusOK && err == nil:
			return tok.AccessToken, nil
		case res.StatusCode == http.StatusServiceUnavailable && try < 20:
			time.Sleep(500 * time.Millisecond)
		default:
			return "", fmt.Errorf("login %s: %d %v", email, res.StatusCode, err)
		}
	}
}

// result is what one phase measured.
type result struct {
	ok, failed int
	rate       float64 // ok per second
	lat        []time.Duration
	cpuPerOp   time.Duration // CPU time of the whole process per ok
}

func (r result) report(b *testing.B, unit string) {
	b.ReportMetric(r.rate, unit)
	if len(r.lat) > 0 {
		b.ReportMetric(float64(r.lat[len(r.lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(r.lat[len(r.lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(r.cpuPerOp.Microseconds()), "cpu-µs/op")
	b.ReportMetric(0, "ns/op")
	if r.failed > 0 {
		b.Errorf("%d of %d requests failed", r.failed, r.ok+r.failed)
	}
}

// drive runs call from benchClients goroutines, released together, for d; call gets the client
// and its request number. It returns the rate of calls that succeeded and every call's latency.
func drive(b *testing.B, d time.Duration, call func(c, n int) (bool, error)) result {
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		stop    atomic.Bool
		ok, bad atomic.Int64
		lats    = make([][]time.Duration, benchClients)
		firstMu sync.Mutex
		first   error
	)
	for c := range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for n := 0; !stop.Load(); n++ {
				t0 := time.Now()
				good, err := call(c, n)
				lats[c] = append(lats[c], time.Since(t0))
				if good {
					ok.Add(1)
					continue
				}
				bad.Add(1)
				firstMu.Lock()
				if first == nil {
					first = err
				}
				firstMu.Unlock()
			}
		}()
	}
	b.ResetTimer()
	cpu0 := ledgertest.CPUTime()
	t0 := time.Now()
	close(start)
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(t0)
	cpu := ledgertest.CPUTime() - cpu0
	b.StopTimer()
	if first != nil {
		b.Logf("first failure: %v", first)
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	r := result{ok: int(ok.Load()), failed: int(bad.Load()), rate: float64(ok.Load()) / elapsed.Seconds(), lat: all}
	if r.ok > 0 {
		r.cpuPerOp = cpu / time.Duration(r.ok)
	}
	return r
}

// do sends req and reads the whole answer (so the connection is kept alive); ok when the status is
// want.
func do(hc *http.Client, req *http.Request, want int) (bool, error) {
	res, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return false, err
	}
	if res.StatusCode != want {
		return false, fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, body)
	}
	return true, nil
}

func balances(b *testing.B, svc *Service, people []benchPerson) []money.Micros {
	out := make([]money.Micros, len(people))
	for i, p := range people {
		a, err := svc.Ledger.AccountByID(context.Background(), p.id)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = a.Balance
	}
	return out
}

// checkConserved checks that each balance moved by exactly what the 201s say (what it received
// minus what it sent), and so that their sum did not move at all.
func checkConserved(b *testing.B, before, after []money.Micros, sent [][]int) {
	want := slices.Clone(before)
	for from := range sent {
		for to, n := range sent[from] {
			want[from] -= money.Micros(n) * benchAmount
			want[to] += money.Micros(n) * benchAmount
		}
	}
	var sumBefore, sumAfter money.Micros
	for i := range before {
		sumBefore += before[i]
		sumAfter += after[i]
		if after[i] != want[i] {
			b.Errorf("account %d: balance %s, the 201s say %s", i, after[i], want[i])
		}
	}
	if sumBefore != sumAfter {
		b.Errorf("money not conserved: %s before, %s after", sumBefore, sumAfter)
	}
}
