package ledgertest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// The balance history comes from one query of the store: completed transfers on the day
// they completed, pending holds not at all (until they are confirmed, on the day of that), the
// days worked back from the balance now.
func testBalanceHistory(t *testing.T, open Opener) {
	ctx := context.Background()
	day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := day0.Add(-24 * time.Hour) // the credit comes the day before the window
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	at := func(d int, h int) {
		mu.Lock()
		now = day0.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour)
		mu.Unlock()
	}
	s := open(t, Options{Now: clock})
	me := MkAccount(t, s, "me@example.com", Units(100))
	MkAccount(t, s, "ada@example.com", Units(50))
	ada, _ := s.AccountByEmail(ctx, "ada@example.com")

	at(0, 9)
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: me.ID, RecipientEmail: "ada@example.com", Amount: Units(10)}); err != nil {
		t.Fatal(err)
	}
	at(2, 23)
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: ada.ID, RecipientEmail: "me@example.com", Amount: Units(4)}); err != nil {
		t.Fatal(err)
	}
	// A hold made on day 3 and confirmed on day 5 moves the balance on day 5.
	at(3, 12)
	r, err := s.Hold(ctx, ledger.Hold{SenderEmail: "me@example.com", RecipientEmail: "ada@example.com", Amount: Units(7), CreatedBy: "SENDER"})
	if err != nil {
		t.Fatal(err)
	}
	// A hold still pending moves nothing.
	if _, err := s.Hold(ctx, ledger.Hold{SenderEmail: "me@example.com", RecipientEmail: "ada@example.com", Amount: Units(1), CreatedBy: "SENDER"}); err != nil {
		t.Fatal(err)
	}
	at(5, 1)
	if _, err := s.Resolve(ctx, ledger.Resolution{TransactionID: r.Transactions[0].ID, ActorID: me.ID, Confirm: true}); err != nil {
		t.Fatal(err)
	}
	at(6, 8)

	h, err := s.BalanceHistory(ctx, me.ID, ledger.BalanceQuery{From: day0, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	wantNet := []money.Micros{-Units(10), 0, Units(4), 0, 0, -Units(7), 0}
	if !slices.Equal(h.Net, wantNet) || h.Balance != Units(87) {
		t.Fatalf("net %v balance %s, want %v and 87", h.Net, h.Balance, wantNet)
	}
	wantEnd := []money.Micros{Units(90), Units(90), Units(94), Units(94), Units(94), Units(87), Units(87)}
	if got := h.EndOfDay(); !slices.Equal(got, wantEnd) {
		t.Fatalf("end of day %v, want %v", got, wantEnd)
	}
	// Ada sees the same transfers from the other side.
	h, err = s.BalanceHistory(ctx, ada.ID, ledger.BalanceQuery{From: day0, Days: 7})
	if err != nil || h.Net[0] != Units(10) || h.Net[2] != -Units(4) || h.Net[5] != Units(7) {
		t.Fatalf("ada: %v %v", h, err)
	}
	// An account with nothing in the window: its balance, and days of nothing.
	h, err = s.BalanceHistory(ctx, me.ID, ledger.BalanceQuery{From: day0.AddDate(1, 0, 0), Days: 3})
	if err != nil || h.Balance != Units(87) || !slices.Equal(h.Net, make([]money.Micros, 3)) {
		t.Fatalf("empty window: %v %v", h, err)
	}
	if _, err := s.BalanceHistory(ctx, "nobody", ledger.BalanceQuery{From: day0, Days: 3}); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
}
