package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

var seedPeople = []string{"ada@example.com", "grace@example.com", "alan@example.com", "edsger@example.com",
	"barbara@example.com", "ken@example.com"}

var seedMemos = []string{"coffee ☕", "lunch split", "rent share", "book club 📚", "taxi home", "", "concert tickets",
	"漢字のメモ", "groceries", "team gift 🎁"}

// seedLedger gives me (an existing account) n transactions with six counterparties, half in and half out,
// in batches of 100 (the ledger's own path, not HTTP: it is the setup, not what is measured).
func seedLedger(tb testing.TB, l ledger.Ledger, me string, n int) {
	tb.Helper()
	ctx := context.Background()
	big := money.Micros(1_000_000_000) * money.Scale
	meAcct, _, err := l.Credit(ctx, ledger.Credit{RecipientEmail: me, Amount: big})
	if err != nil {
		tb.Fatal(err)
	}
	ids := map[string]string{}
	for _, p := range seedPeople {
		a, err := l.AccountByEmail(ctx, p)
		if err != nil {
			a, err = l.CreateAccount(ctx, ledger.NewAccount{Email: p, WelcomeCredit: big})
			if err != nil {
				tb.Fatal(err)
			}
		}
		ids[p] = a.ID
	}
	for b := 0; b*100 < n; b++ {
		var batch ledger.Batch
		out := b%2 == 0
		from := meAcct.ID
		if !out {
			from = ids[seedPeople[b%len(seedPeople)]]
		}
		batch.SenderID = from
		for i := 0; i < 100 && b*100+i < n; i++ {
			k := b*100 + i
			to := me
			if out {
				to = seedPeople[k%len(seedPeople)]
			}
			memo := seedMemos[k%len(seedMemos)]
			var mp *string
			if memo != "" {
				m := fmt.Sprintf("%s #%d", memo, k)
				mp = &m
			}
			batch.Items = append(batch.Items, ledger.BatchItem{RecipientEmail: to,
				Amount: money.Micros(1+k%5000) * money.Scale / 100, Memo: mp})
		}
		if _, err := l.PayBatch(ctx, batch); err != nil {
			tb.Fatalf("batch %d: %v", b, err)
		}
	}
}
