package ledgertest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/ledger"
)

// BenchPayments measures durable payments per second with payers concurrent payers spread over
// stores (one, or several instances sharing one database). Each payer pays a random other account
// of 32, with an idempotency key, as POST /payments does. It reports payments/s, p50-ms and
// p99-ms.
func BenchPayments(b *testing.B, payers int, stores ...Store) {
	ctx := context.Background()
	const nAcct = 32
	accts := make([]ledger.Account, nAcct)
	for i := range accts {
		accts[i] = MkAccount(b, stores[0], fmt.Sprintf("p%d@example.com", i), Units(1_000_000))
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
	start := time.Now()
	var wg sync.WaitGroup
	for p := 0; p < payers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			s := stores[p%len(stores)]
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
					Idem: &ledger.Idempotency{Key: fmt.Sprintf("k%d", i), Fingerprint: []byte("f"), Keep: keep}})
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
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "payments/s")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(0, "ns/op")
}
