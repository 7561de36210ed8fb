package ledgertest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// testTokenLimits: a recorded token is reusable within its limits, checked in the hold's own
// transaction (20 holds of 1 at once against maxAmount 5: exactly 5), a cancel gives the amount
// back and not the use, a 0.00 delegated hold holds nothing, a revoked token refuses, and
// another account cannot revoke it (issue 13).
func testTokenLimits(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", Units(100))
	b := MkAccount(t, s, "bob@example.com", 0)
	exp := time.Now().Add(time.Hour)
	tok, err := s.CreateToken(ctx, ledger.NewToken{ID: "tok_a", SenderID: a.ID, RecipientEmail: b.Email, MaxAmount: Units(5), ExpiresAt: exp})
	if err != nil || tok.RecipientEmail != b.Email || tok.MaxAmount != Units(5) {
		t.Fatalf("%+v %v", tok, err)
	}
	h := ledger.Hold{SenderEmail: a.Email, RecipientEmail: b.Email, Amount: Units(1), CreatedBy: api.PartyRecipient, TokenID: "tok_a"}
	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	ok, limited := 0, 0
	var first string
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := s.Hold(ctx, h)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
				first = r.Transactions[0].ID
			case errors.Is(err, ledger.ErrTokenLimit):
				limited++
			default:
				t.Errorf("hold: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok != 5 || limited != 15 {
		t.Fatalf("%d held, %d limited", ok, limited)
	}
	if _, err := s.Resolve(ctx, ledger.Resolution{TransactionID: first, ActorID: b.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Hold(ctx, h); err != nil {
		t.Fatalf("after a cancel: %v", err)
	}
	zero := h
	zero.Amount = 0
	if _, err := s.Hold(ctx, zero); err != nil {
		t.Fatalf("0.00: %v", err)
	}
	list, err := s.Tokens(ctx, a.ID)
	if err != nil || len(list) != 1 || list[0].UsedCount != 7 || list[0].UsedAmount != Units(5) {
		t.Fatalf("%+v %v", list, err)
	}
	if _, err := s.RevokeToken(ctx, b.ID, "tok_a"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("the recipient revoked it: %v", err)
	}
	if r, err := s.RevokeToken(ctx, a.ID, "tok_a"); err != nil || r.RevokedAt.IsZero() {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := s.Hold(ctx, zero); !errors.Is(err, ledger.ErrTokenRevoked) {
		t.Fatalf("revoked: %v", err)
	}
	if got, _ := s.Tokens(ctx, b.ID); len(got) != 0 {
		t.Fatalf("bob lists ada's token: %+v", got)
	}
	MustCheck(t, s)
}
