package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// The SDK creates a token with limits, the recipient draws on it (a free call included), the
// payer lists it with its use and revokes it.
func TestTokensCreateListRevoke(t *testing.T) {
	s := startAuthService(t)
	ctx := context.Background()
	alice := signUpAt(t, s, "alice@example.com")
	bob := signUpAt(t, s, "bob@example.com")
	s.credit("alice@example.com", "100")

	made, err := alice.CreateToken(ctx, TokenRequest{Recipient: "Bob@Example.com", MaxAmount: mustMicros(t, "5"),
		MaxUses: 3, ExpiresIn: 2 * time.Hour})
	if err != nil || made.Token == "" || made.Info == nil || made.Info.RecipientEmail != "bob@example.com" ||
		*made.Info.MaxAmount != mustMicros(t, "5") || *made.Info.MaxUses != 3 {
		t.Fatalf("%+v %v", made, err)
	}
	if d := time.Until(made.Info.ExpiresAt.Time); d < 119*time.Minute || d > 2*time.Hour {
		t.Fatalf("expires in %v", d)
	}
	for _, amount := range []string{"0", "5"} {
		if _, err := bob.CreateDelegated(ctx, DelegatedRequest{Sender: "alice@example.com", Amount: mustMicros(t, amount),
			Token: made.Token}); err != nil {
			t.Fatalf("draw %s: %v", amount, err)
		}
	}
	var conflict *ConflictError
	_, err = bob.CreateDelegated(ctx, DelegatedRequest{Sender: "alice@example.com", Amount: mustMicros(t, "1"), Token: made.Token})
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "0") {
		t.Fatalf("over the limit: %v", err)
	}
	list, err := alice.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].UsedCount != 2 || list[0].UsedAmount != mustMicros(t, "5") ||
		list[0].State != api.TokenUsedUp {
		t.Fatalf("%+v %v", list, err)
	}
	rev, err := alice.RevokeToken(ctx, list[0].ID)
	if err != nil || rev.State != api.TokenRevoked {
		t.Fatalf("%+v %v", rev, err)
	}
	var nf *NotFoundError
	if _, err := bob.RevokeToken(ctx, list[0].ID); !errors.As(err, &nf) {
		t.Fatalf("bob revokes alice's token: %v", err)
	}
	if _, err := alice.CreateToken(ctx, TokenRequest{Recipient: "bob@example.com", MaxUses: -1}); err == nil {
		t.Fatal("maxUses -1 accepted")
	}
}

// A compatible-layer service cannot keep limits: the client refuses to ask for a token with
// limits there rather than hand out one without them.
func TestTokenLimitsNeedTheEnhancedLayer(t *testing.T) {
	s := startServiceWith(t, svcOpts{noAuth: true})
	c := signUp(t, s, testConfigLegacy(t, s.URL), "olga@example.com")
	signUp(t, s, testConfigLegacy(t, s.URL), "pete@example.com")
	ctx := context.Background()
	var unsupported *UnsupportedError
	if _, err := c.CreateToken(ctx, TokenRequest{Recipient: "pete@example.com", MaxUses: 1}); !errors.As(err, &unsupported) {
		t.Fatalf("limits in legacy mode: %v", err)
	}
	if tok, err := c.CreateTransactionToken(ctx, "pete@example.com"); err != nil || tok == "" {
		t.Fatalf("plain token: %q %v", tok, err)
	}
	if _, err := c.Tokens(ctx); !errors.As(err, &unsupported) {
		t.Fatalf("list in legacy mode: %v", err)
	}
}
