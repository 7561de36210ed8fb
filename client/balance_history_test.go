package client

import (
	"context"
	"errors"
	"testing"
	"time"
)

// GET /account/balance-history over the real service: thirty days ending today, the last one the
// balance now, today's net what was paid today; a bad days is refused naming the field.
func TestBalanceHistoryFromTheService(t *testing.T) {
	s := startAuthService(t)
	ctx := context.Background()
	signUpAt(t, s, "bob@example.com")
	alice := signUpAt(t, s, "alice@example.com")
	s.credit("alice@example.com", "100")
	if _, err := alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "12.50")}); err != nil {
		t.Fatal(err)
	}
	days, err := alice.BalanceHistory(ctx, 30, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if len(days) != 30 || days[29].Date != today {
		t.Fatalf("%d days ending %+v, want 30 ending %s", len(days), days[len(days)-1], today)
	}
	last := days[29]
	if last.Balance != mustMicros(t, "87.50") || last.Net != mustMicros(t, "87.50") || days[28].Balance != 0 {
		t.Fatalf("today %+v, yesterday %+v", last, days[28])
	}
	var bad *ValidationError
	if _, err := alice.BalanceHistory(ctx, 400, time.UTC); !errors.As(err, &bad) || bad.Field != "days" {
		t.Fatalf("400 days: %v", err)
	}
}
