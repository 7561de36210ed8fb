package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgertest"
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
		accts[i] = ledgertest.MkAccount(b, s, fmt.Sprintf("p%d@example.com", i), ledgertest.Units(1_000_000))
		if keyed {
			k, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: accts[i].ID, Name: "bench", Scopes: []string{"pay"},
				Hash: []byte(fmt.Sprintf("hash-%d", i)), Limit: ledgertest.Units(1_000_000), Period: "month",
				ExpiresAt: time.Now().Add(time.Hour)})
			if err != nil {
				b.Fatal(err)
			}
			keys[i] = k.ID
		}
	}
	ledgertest.PayStorm(b, payers, nAcct, func(_, i, from, to int) error {
		_, err := s.Pay(ctx, ledger.Payment{SenderID: accts[from].ID, RecipientEmail: accts[to].Email, Amount: 1000,
			Idem:     &ledger.Idempotency{Key: fmt.Sprintf("k%d", i), Fingerprint: []byte("f"), Keep: ledgertest.BenchKeep},
			APIKeyID: keys[from]})
		return err
	})
}
