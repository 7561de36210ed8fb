package server

import (
	"context"
	"fmt"
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
	"github.com/syftbox/syftwallet/server/clientaddr"
	"github.com/syftbox/syftwallet/testkit"
)

// Sign-in benchmarks. For the hash and login ones the service is configured as in production:
// auth.DefaultParams (argon2id m=19456 KiB, t=2, p=1) with the default concurrency cap of
// runtime.NumCPU() hashes at once (one of them reserved for the priority lane), a real SQLite
// ledger, real HTTP over loopback; the queue's wait bounds are lifted (see newBenchService). The
// flood benchmarks further down run the service of floodService, each as its doc says.
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
	st, _, err := timedPost(bs.client, bs.hs.URL+path, body)
	return st, err
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
		testkit.Together(len(bs.users), func(i int) {
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
		return timedPost(client, hs.URL+path, body, testAddrHeader, addr)
	}
	if st, _, err := post("/user/create", owner, map[string]string{"email": "ada@example.com", "password": testPassword}); err != nil || st != 201 {
		b.Fatalf("create: %d %v", st, err)
	}
	return post, arrived
}

// BenchmarkSignInUnderCleanLookingFlood measures a real sign-in while 300 wrong logins that look
// clean (each from an address of its own, against an unknown email of its own) are fired at once:
// from the address the owner signed in from before (a known place) and, in the same round, from a
// fresh address, against the owner's sign-in with the service quiet. Production configuration
// (default hasher and limits) but for the client's address, read from a header.
//
//	go test -run '^$' -bench SignInUnderCleanLookingFlood -benchtime 5x ./server/
func BenchmarkSignInUnderCleanLookingFlood(b *testing.B) {
	const home = "198.51.100.1"
	post, arrived := floodService(b, home)
	signIn := func(addr string) (int, time.Duration) {
		st, d, err := post("/auth/login", addr, api.Credentials{Email: "ada@example.com", Password: testPassword})
		if err != nil {
			b.Fatal(err)
		}
		return st, d
	}
	signIn(home) // warm up; home is now a known place

	var quiet, known, fresh []time.Duration
	knownSt, freshSt, answers := map[int]int{}, map[int]int{}, map[int]int{}
	round := 0
	for b.Loop() {
		round++
		time.Sleep(50 * time.Millisecond)
		st, d := signIn(home)
		if st != 200 {
			b.Fatalf("quiet sign-in: %d", st)
		}
		quiet = append(quiet, d)
		const n = 300
		wait := fireFlood(b, arrived, n, answers, func(i int) (int, time.Duration, error) {
			return post("/auth/login", fmt.Sprintf("10.%d.%d.%d", round%250, i/250, i%250),
				api.Credentials{Email: fmt.Sprintf("ghost%d-%d@example.com", round, i), Password: "guess guess"})
		})
		var kst, fst int
		var kd, fd time.Duration
		var pair sync.WaitGroup
		pair.Go(func() { kst, kd = signIn(home) })
		pair.Go(func() { fst, fd = signIn(fmt.Sprintf("203.0.113.%d", round%250)) })
		pair.Wait()
		knownSt[kst]++
		freshSt[fst]++
		known, fresh = append(known, kd), append(fresh, fd)
		wait()
	}
	b.StopTimer()
	b.ReportMetric(medianMs(quiet), "quiet-p50-ms")
	b.ReportMetric(medianMs(known), "known-p50-ms")
	b.ReportMetric(maxMs(known), "known-max-ms")
	b.ReportMetric(float64(knownSt[200]), "known-200s")
	b.ReportMetric(float64(freshSt[200]), "fresh-200s")
	b.Logf("%d rounds; quiet %v; known place %v %v; fresh address %v %v; flood answers %v",
		len(quiet), quiet, known, knownSt, fresh, freshSt, answers)
}
