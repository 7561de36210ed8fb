package server

import (
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// TestDelegationTokenLongerThanTheTTLIsRefused: a delegation token signed with the service's own
// key but living longer than the configured token TTL (as a leaked key, or a TTL lowered since,
// would make) is refused like any invalid token, and holds nothing; one of the configured
// lifetime is taken.
func TestDelegationTokenLongerThanTheTTLIsRefused(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.TokenTTL = time.Hour })
	ada, bob := e.payerAndPayee("10")
	forge := &auth.Issuer{Keys: e.keys, Now: e.now}
	hold := func(tok string) resp {
		return bob.do("POST", "/transaction/create", map[string]any{"senderEmail": ada.email, "recipientEmail": bob.email,
			"amount": "1", "token": tok})
	}
	for _, ttl := range []time.Duration{10 * 365 * 24 * time.Hour, 2 * time.Hour, time.Hour + time.Minute} {
		tok, err := forge.IssueTransactionToken(auth.NewID(), ada.email, bob.email, ttl)
		if err != nil {
			t.Fatal(err)
		}
		hold(tok).want(t, 400, api.CodeInvalidRequest, "token")
	}
	if got := ada.info().AvailableBalance.String(); got != "10" {
		t.Fatalf("available %s after refused tokens; want 10", got)
	}
	tok, err := forge.IssueTransactionToken(auth.NewID(), ada.email, bob.email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	hold(tok).want(t, 201)
}
