package server

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// BenchmarkSignInUnderCleanLookingFlood measures a real sign-in while 300 wrong logins that look
// clean (each from an address of its own, against an unknown email of its own) are fired at once:
// from the address the owner signed in from before (a known place) and, in the same round, from a
// fresh address, against the owner's sign-in with the service quiet. Production configuration
// (default hasher and limits) but for the client's address, read from a header.
//
//	go test -run '^$' -bench SignInUnderCleanLookingFlood -benchtime 5x ./server/
func BenchmarkSignInUnderCleanLookingFlood(b *testing.B) {
	post, arrived := floodService(b)
	const home = "198.51.100.1"
	if st, _, err := post("/user/create", home, map[string]string{"email": "ada@example.com", "password": testPassword}); err != nil || st != 201 {
		b.Fatalf("create: %d %v", st, err)
	}
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
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		before := arrived.Load()
		for i := range n {
			wg.Go(func() {
				<-start
				st, _, err := post("/auth/login", fmt.Sprintf("10.%d.%d.%d", round%250, i/250, i%250),
					api.Credentials{Email: fmt.Sprintf("ghost%d-%d@example.com", round, i), Password: "guess guess"})
				if err != nil {
					b.Error(err)
				}
				mu.Lock()
				answers[st]++
				mu.Unlock()
			})
		}
		close(start)
		for arrived.Load() < before+n {
			time.Sleep(100 * time.Microsecond)
		}
		var kst, fst int
		var kd, fd time.Duration
		var pair sync.WaitGroup
		pair.Go(func() { kst, kd = signIn(home) })
		pair.Go(func() { fst, fd = signIn(fmt.Sprintf("203.0.113.%d", round%250)) })
		pair.Wait()
		knownSt[kst]++
		freshSt[fst]++
		known, fresh = append(known, kd), append(fresh, fd)
		wg.Wait()
	}
	b.StopTimer()
	med := func(ds []time.Duration) float64 {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return float64(ds[len(ds)/2]) / float64(time.Millisecond)
	}
	b.ReportMetric(med(quiet), "quiet-p50-ms")
	b.ReportMetric(med(known), "known-p50-ms")
	b.ReportMetric(float64(slices.Max(known))/float64(time.Millisecond), "known-max-ms")
	b.ReportMetric(float64(knownSt[200]), "known-200s")
	b.ReportMetric(float64(freshSt[200]), "fresh-200s")
	b.Logf("%d rounds; quiet %v; known place %v %v; fresh address %v %v; flood answers %v",
		len(quiet), quiet, known, knownSt, fresh, freshSt, answers)
}
