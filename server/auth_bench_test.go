package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/server/auth"
)

// Sign-in benchmarks. The service is configured as in production: auth.DefaultParams (argon2id
// m=19456 KiB, t=2, p=1) with the default concurrency cap of runtime.NumCPU() hashes at once (one
// of them reserved for the priority lane), a real SQLite ledger, real HTTP over loopback; the
// queue's wait bounds are lifted (see newBenchService).
//
//	go test -run '^$' -bench 'Argon2id|Login' -benchtime 20x ./server/

// BenchmarkArgon2idHash is the cost of one password hash (what every login pays once).
func BenchmarkArgon2idHash(b *testing.B) {
	h, err := auth.NewHasher(auth.DefaultParams(), 1)
	if err != nil {
		b.Fatal(err)
	}
	p := h.Params()
	b.Logf("argon2id m=%d KiB t=%d p=%d salt=%d key=%d", p.Memory, p.Time, p.Threads, p.SaltLen, p.KeyLen)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

type benchService struct {
	hs     *httptest.Server
	client *http.Client
	users  []string
}

func newBenchService(b *testing.B, users int) *benchService {
	b.Helper()
	store := openStore(b, b.TempDir(), sqlite.Options{})
	// The hasher as in production, but with a queue that holds the whole burst: by default a
	// burst of 100 on 2 cores answers about a third of it 503 at once (the queue's bound; see
	// BenchmarkSignInUnderHashFlood), and this benchmark measures how the queue drains.
	h, err := auth.NewHasherCapacity(auth.DefaultParams(), auth.Capacity{Concurrent: runtime.NumCPU(), MaxWait: time.Minute, MaxQueued: 1000})
	if err != nil {
		b.Fatal(err)
	}
	big := Rate{PerMinute: 1e6, Burst: 1e6}
	s, err := New(Config{Ledger: store, Auth: store, Logger: slog.New(slog.DiscardHandler), Hasher: h,
		// The benchmark signs in from one address; keep the limits out of the way.
		Limits: Limits{Account: big, Address: big, CleanAddress: big, Register: big}})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	b.Cleanup(hs.Close)
	bs := &benchService{hs: hs, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200}}}
	var wg sync.WaitGroup
	errs := make(chan error, users)
	for i := range users {
		email := fmt.Sprintf("user%d@example.com", i)
		bs.users = append(bs.users, email)
		wg.Go(func() {
			if st, err := bs.post("/user/create", map[string]string{"email": email, "password": testPassword}); err != nil || st != 201 {
				errs <- fmt.Errorf("create %s: %d %v", email, st, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return bs
}

func (bs *benchService) post(path string, body any) (int, error) {
	j, _ := json.Marshal(body)
	res, err := bs.client.Post(bs.hs.URL+path, "application/json", bytes.NewReader(j))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

func (bs *benchService) login(email string) error {
	st, err := bs.post("/auth/login", api.Credentials{Email: email, Password: testPassword})
	if err == nil && st != 200 {
		err = fmt.Errorf("login: status %d", st)
	}
	return err
}

// BenchmarkLogin is one POST /auth/login after another: hash + session + token, end to end.
func BenchmarkLogin(b *testing.B) {
	bs := newBenchService(b, 1)
	for b.Loop() {
		if err := bs.login(bs.users[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogin100Concurrent sends 100 logins (100 accounts) at once, b.N times, and reports the
// latency percentiles of single logins and the peak memory above the idle baseline (sampled every
// millisecond: HeapInuse and Sys from runtime.MemStats).
func BenchmarkLogin100Concurrent(b *testing.B) {
	const n = 100
	bs := newBenchService(b, n)
	for _, u := range bs.users[:4] { // warm connections and caches
		if err := bs.login(u); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peakHeap, peakSys atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peakHeap.Load() {
					peakHeap.Store(m.HeapInuse)
				}
				if m.Sys > peakSys.Load() {
					peakSys.Store(m.Sys)
				}
			}
		}
	}()

	var lat []time.Duration
	var mu sync.Mutex
	b.ResetTimer()
	for b.Loop() {
		together(len(bs.users), func(i int) {
			t0 := time.Now()
			if err := bs.login(bs.users[i]); err != nil {
				b.Error(err)
			}
			d := time.Since(t0)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		})
	}
	b.StopTimer()
	close(stop)
	<-sampled

	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i]) / float64(time.Millisecond)
	}
	mib := func(peak, base uint64) float64 {
		if peak < base {
			return 0
		}
		return float64(peak-base) / (1 << 20)
	}
	p := auth.DefaultParams()
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(mib(peakHeap.Load(), base.HeapInuse), "peak-heap-MiB")
	b.ReportMetric(mib(peakSys.Load(), base.Sys), "peak-sys-MiB")
	b.ReportMetric(float64(runtime.NumCPU()), "hash-cap")
	b.Logf("argon2id m=%d KiB t=%d p=%d; concurrency cap %d (NumCPU); %d logins; baseline heap %.1f MiB, sys %.1f MiB",
		p.Memory, p.Time, p.Threads, runtime.NumCPU(), len(lat), float64(base.HeapInuse)/(1<<20), float64(base.Sys)/(1<<20))
}
