package server

import (
	"fmt"
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
