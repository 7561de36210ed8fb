package service

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// BenchmarkHTTPPayments measures durable payments per second over HTTP (POST /payments with a
// Bearer token and an idempotency key, as a client sends them) with 1, 8 and 64 payers: on the
// SQLite ledger, on PostgreSQL with one instance, and on PostgreSQL with the payers spread over
// three instances. The load generator runs in the same process, on the same cores; cpu-µs/op is
// that process's CPU per payment.
//
//	go test -run '^$' -bench HTTPPayments -benchtime 2000x ./service/
func BenchmarkHTTPPayments(b *testing.B) {
	for _, st := range served {
		for _, payers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/payers=%d", st.name, payers), func(b *testing.B) {
				urls := startServed(b, st.instances)
				benchHTTP(b, urls, payers)
			})
		}
	}
}

func benchHTTP(b *testing.B, urls []string, payers int) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	const nAcct = 16 // registrations are limited to 20 at once per address
	tokens := make([]string, nAcct)
	emails := make([]string, nAcct)
	for i := range tokens {
		emails[i] = fmt.Sprintf("p%d@example.com", i)
		pw := "password-" + emails[i]
		if st, body, err := call(hc, "POST", urls[0]+"/user/create", "", map[string]any{"email": emails[i], "password": pw}, nil); err != nil || st != 201 {
			b.Fatalf("create: %d %s %v", st, body, err)
		}
		if st, body, err := call(hc, "POST", urls[0]+"/user/add-balance", "Bearer admin-key",
			map[string]any{"recipientEmail": emails[i], "amount": 1_000_000}, nil); err != nil || st != 200 {
			b.Fatalf("add balance: %d %s %v", st, body, err)
		}
		st, body, err := call(hc, "POST", urls[0]+"/auth/login", "", api.Credentials{Email: emails[i], Password: pw}, nil)
		if err != nil || st != 200 {
			b.Fatalf("login: %d %s %v", st, body, err)
		}
		var lr api.LoginResponse
		json.Unmarshal(body, &lr)
		tokens[i] = "Bearer " + lr.AccessToken
	}
	var next atomic.Int64
	lat := make([][]time.Duration, payers)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for p := 0; p < payers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			url := urls[p%len(urls)]
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				from, to := int(i)%nAcct, (int(i)+1+p)%nAcct
				if to == from {
					to = (to + 1) % nAcct
				}
				t0 := time.Now()
				st, body, err := call(hc, "POST", url+"/payments", tokens[from],
					map[string]any{"recipientEmail": emails[to], "amount": json.Number("0.001")},
					map[string]string{api.HeaderIdempotencyKey: fmt.Sprintf("k%d", i)})
				lat[p] = append(lat[p], time.Since(t0))
				if err != nil || st != 201 {
					b.Errorf("payment: %d %s %v", st, body, err)
					return
				}
			}
		}(p)
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "payments/s")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
	// The process's CPU (instances and load generator, not PostgreSQL's) per payment: what a
	// loaded machine disturbs less than the rate.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(0, "ns/op")
}
