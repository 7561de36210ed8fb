package ledgertest

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
	"github.com/syftbox/syftwallet/money"
)

// BenchPayments measures durable payments per second with payers concurrent payers spread over
// stores (one, or several instances sharing one database). Each payer pays a random other account
// of 32, with an idempotency key, as POST /payments does. It reports what PayStorm reports.
func BenchPayments(b *testing.B, payers int, stores ...Store) {
	ctx := context.Background()
	const nAcct = 32
	accts := make([]ledger.Account, nAcct)
	for i := range accts {
		accts[i] = MkAccount(b, stores[0], fmt.Sprintf("p%d@example.com", i), Units(1_000_000))
	}
	PayStorm(b, payers, nAcct, func(p, i, from, to int) error {
		return BenchPay(ctx, stores[p%len(stores)], accts[from].ID, accts[to].Email, 1000, fmt.Sprintf("k%d", i))
	})
}

// BenchPay is the payment of the payments benchmarks: amount from one account to another's
// email with an idempotency key, keeping what BenchKeep keeps, as POST /payments does.
func BenchPay(ctx context.Context, l ledger.Ledger, fromID, toEmail string, amount money.Micros, key string) error {
	_, err := l.Pay(ctx, ledger.Payment{SenderID: fromID, RecipientEmail: toEmail, Amount: amount,
		Idem: &ledger.Idempotency{Key: key, Fingerprint: []byte("f"), Keep: BenchKeep}})
	return err
}

// BenchKeep is what a benchmark keeps for an idempotency key: about the size of the response
// POST /payments keeps.
func BenchKeep(txs []ledger.Transaction, err error) []byte {
	if err != nil {
		return []byte(`{}`)
	}
	return []byte(`{"transaction":{"id":"` + txs[0].ID + `"}}`)
}

// PayStorm runs b.N payments with payers concurrent payers, each payment i (from 1) from account
// from to another account to of nAcct, made by pay (payer p), and reports payments/s, p50-ms and
// p99-ms of each payment's latency, and cpu-µs/op: this process's CPU (user and system) per
// payment, a figure other processes on a shared machine disturb much less than the rate. A
// failed payment fails the benchmark and stops its payer.
func PayStorm(b *testing.B, payers, nAcct int, pay func(p, i, from, to int) error) {
	var next atomic.Int64
	lat := make([][]time.Duration, payers)
	b.ResetTimer()
	start, cpu0 := time.Now(), CPUTime()
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
				err := pay(p, int(i), from, to)
				lat[p] = append(lat[p], time.Since(t0))
				if err != nil {
					b.Error(err)
					return
				}
			}
		}(p)
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), CPUTime()-cpu0
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

// CPUTime is the CPU time this process has used, user and system.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
