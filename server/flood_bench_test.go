package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/server/clientaddr"
)

// BenchmarkSignInUnderHashFlood measures one real sign-in (POST /auth/login with the right
// password, from an address and to an account without failures) while 150 registrations and 150
// wrong logins, fired at once, compete for the argon2id hasher; against the same sign-in with the
// service quiet, measured in the same run (interleaved: a quiet sample, then a flooded one, each
// round). The service is configured as in production (default hasher: NumCPU slots and the
// default queue; default limits), except that the client's address is read from a header so that
// the flood can come from many addresses: every registration from its own, and the wrong logins
// from 150 addresses against 5 emails (30 each).
//
//	go test -run '^$' -bench SignInUnderHashFlood -benchtime 5x ./server/
func BenchmarkSignInUnderHashFlood(b *testing.B) {
	const owner = "198.51.100.1"
	post, arrived := floodService(b, owner)
	signIn := func() time.Duration {
		st, d, err := post("/auth/login", owner, api.Credentials{Email: "ada@example.com", Password: testPassword})
		if err != nil || st != 200 {
			b.Fatalf("the real sign-in: %d %v", st, err)
		}
		return d
	}
	signIn() // warm up

	var quiet, flooded []time.Duration
	answers := map[int]int{}
	round := 0
	for b.Loop() {
		round++
		time.Sleep(50 * time.Millisecond)
		quiet = append(quiet, signIn())

		const regs, wrong = 150, 150
		// The real sign-in starts once the whole flood has reached the service.
		wait := fireFlood(b, arrived, regs+wrong, answers, func(i int) (int, time.Duration, error) {
			addr := fmt.Sprintf("10.%d.%d.%d", round%250, i/250, i%250)
			if i < regs {
				return post("/user/create", addr, map[string]string{"email": fmt.Sprintf("flood%d-%d@example.com", round, i), "password": testPassword})
			}
			return post("/auth/login", addr, api.Credentials{Email: fmt.Sprintf("target%d-%d@example.com", round, i%5), Password: "guess guess"})
		})
		flooded = append(flooded, signIn())
		wait()
	}
	b.StopTimer()
	q, f := medianMs(quiet), medianMs(flooded)
	b.ReportMetric(q, "quiet-p50-ms")
	b.ReportMetric(f, "flood-p50-ms")
	b.ReportMetric(maxMs(flooded), "flood-max-ms")
	b.ReportMetric(f/q, "ratio")
	b.Logf("%d rounds; quiet %v; flooded %v; flood answers %v", len(quiet), quiet, flooded, answers)
}

// fireFlood sends n requests at once (send(i) is the i-th) and returns once all of them have
// reached the service (arrived counts that); answers counts their statuses, and wait returns when
// the last has been answered.
func fireFlood(b *testing.B, arrived *atomic.Int64, n int, answers map[int]int, send func(i int) (int, time.Duration, error)) (wait func()) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	before := arrived.Load()
	for i := range n {
		wg.Go(func() {
			<-start
			st, _, err := send(i)
			if err != nil {
				b.Error(err)
			}
			mu.Lock()
			answers[st]++
			mu.Unlock()
		})
	}
	close(start)
	for arrived.Load() < before+int64(n) {
		time.Sleep(100 * time.Microsecond)
	}
	return wg.Wait
}

// medianMs and maxMs are what the flood benchmarks report, in milliseconds.
func medianMs(ds []time.Duration) float64 {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / float64(time.Millisecond)
}

func maxMs(ds []time.Duration) float64 { return float64(slices.Max(ds)) / float64(time.Millisecond) }

// floodPost sends a JSON POST as if from addr and answers its status and how long it took.
type floodPost func(path, addr string, body any) (int, time.Duration, error)

// floodService is the service of the flood benchmarks: production configuration (default hasher
// and limits) over loopback, except that the client's address is read from a header, so that a
// flood can come from many addresses. arrived counts the requests that have reached the service.
// It has one account, ada@example.com (testPassword), created from owner: the owner whose sign-in
// the benchmarks time.
func floodService(b *testing.B, owner string) (post floodPost, arrived *atomic.Int64) {
	store := openStore(b, b.TempDir(), sqlite.Options{})
	s, err := New(Config{Ledger: store, Auth: store, Logger: slog.New(slog.DiscardHandler),
		ClientAddr: func(r *http.Request) string {
			if a := r.Header.Get(testAddrHeader); a != "" {
				return a
			}
			return clientaddr.Host(r)
		}})
	if err != nil {
		b.Fatal(err)
	}
	arrived = new(atomic.Int64)
	h := s.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		h.ServeHTTP(w, r)
	}))
	b.Cleanup(hs.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 400}}
	post = func(path, addr string, body any) (int, time.Duration, error) {
		j, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", hs.URL+path, bytes.NewReader(j))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(testAddrHeader, addr)
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		defer res.Body.Close()
		io.Copy(io.Discard, res.Body)
		return res.StatusCode, time.Since(t0), nil
	}
	if st, _, err := post("/user/create", owner, map[string]string{"email": "ada@example.com", "password": testPassword}); err != nil || st != 201 {
		b.Fatalf("create: %d %v", st, err)
	}
	return post, arrived
}
