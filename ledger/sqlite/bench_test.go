package sqlite

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/ledger"
)

// BenchmarkDurablePayments measures durable payments per second (synchronous=FULL, WAL) with 1, 8
// and 64 concurrent payers, with group commit and, in the same run, the baseline of one database
// transaction and fsync per payment (MaxGroup=1). Each payer pays a random other account, with an
// idempotency key, as POST /payments does.
//
//	go test -run '^$' -bench DurablePayments -benchtime 4000x ./ledger/sqlite/
func BenchmarkDurablePayments(b *testing.B) {
	for _, mode := range []struct {
		name  string
		group int
	}{{"group", 256}, {"baseline", 1}} {
		for _, payers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/payers=%d", mode.name, payers), func(b *testing.B) {
				benchPayments(b, mode.group, payers)
			})
		}
	}
}

// BenchmarkKeyedPayments is BenchmarkDurablePayments at 64 payers with group commit, each payment
// made with an API key that has a spend limit (read, checked and counted in the payment's
// transaction), against the same payments without a key in the same run.
//
//	go test -run '^$' -bench KeyedPayments -benchtime 4000x ./ledger/sqlite/
func BenchmarkKeyedPayments(b *testing.B) {
	for _, keyed := range []bool{false, true} {
		b.Run(fmt.Sprintf("limited-key=%v", keyed), func(b *testing.B) { benchPaymentsWith(b, 256, 64, keyed) })
	}
}

func benchPayments(b *testing.B, group, payers int) { benchPaymentsWith(b, group, payers, false) }

func benchPaymentsWith(b *testing.B, group, payers int, keyed bool) {
	s := open(b, Options{MaxGroup: group})
	ctx := context.Background()
	const nAcct = 32
	accts := make([]ledger.Account, nAcct)
	keys := make([]string, nAcct)
	for i := range accts {
		accts[i] = mkAccount(b, s, fmt.Sprintf("p%d@example.com", i), units(1_000_000))
		if keyed {
			k, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: accts[i].ID, Name: "bench", Scopes: []string{"pay"},
				Hash: []byte(fmt.Sprintf("hash-%d", i)), Limit: units(1_000_000), Period: "month",
				ExpiresAt: time.Now().Add(time.Hour)})
			if err != nil {
				b.Fatal(err)
			}
			keys[i] = k.ID
		}
	}
	keep := func(txs []ledger.Transaction, err error) []byte {
		if err != nil {
			return []byte(`{}`)
		}
		return []byte(`{"transaction":{"id":"` + txs[0].ID + `"}}`)
	}
	var next atomic.Int64
	lat := make([][]time.Duration, payers)
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for p := 0; p < payers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
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
				_, err := s.Pay(ctx, ledger.Payment{SenderID: accts[from].ID, RecipientEmail: accts[to].Email, Amount: 1000,
					Idem:     &ledger.Idempotency{Key: fmt.Sprintf("k%d", i), Fingerprint: []byte("f"), Keep: keep},
					APIKeyID: keys[from]})
				lat[p] = append(lat[p], time.Since(t0))
				if err != nil {
					b.Error(err)
					return
				}
			}
		}(p)
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "payments/s")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(0, "ns/op")
}

// cpuTime is the CPU time this process has used (user and system): per payment, a figure that
// other processes on a shared machine disturb much less than the rate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
