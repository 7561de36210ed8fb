package server

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// fullLedger is a ledger whose storage is full while full is set: payments fail as the SQLite
// ledger's do.
type fullLedger struct {
	ledger.Ledger
	full *atomic.Bool
}

func (l fullLedger) Pay(ctx context.Context, p ledger.Payment) (ledger.Receipt, error) {
	if l.full.Load() {
		return ledger.Receipt{}, fmt.Errorf("%w: ledger: commit: database or disk is full (13) /var/lib/x/ledger.db", ledger.ErrStorageFull)
	}
	return l.Ledger.Pay(ctx, p)
}

// TestStorageFullIs503LoggedOnceAMinute: a full storage answers 503 unavailable with Retry-After
// and a sentence, never the ledger's text, and is logged once a minute with how many requests
// were refused (issue 11, item 6).
func TestStorageFullIs503LoggedOnceAMinute(t *testing.T) {
	full := &atomic.Bool{}
	full.Store(true)
	e := newEnv(t, func(c *Config) { c.Ledger = fullLedger{c.Ledger, full} })
	ada, _ := e.payerAndPayee("10")
	lines := func() int { return strings.Count(e.logs.String(), "ledger storage is full") }
	for i := 0; i < 10; i++ {
		r := ada.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1}`,
			api.HeaderIdempotencyKey, fmt.Sprint("k", i)).want(t, 503, api.CodeUnavailable)
		if r.header.Get(api.HeaderRetryAfter) != "60" || !strings.Contains(r.apiErr(t).Message, "storage is full") ||
			strings.Contains(string(r.body), "disk") {
			t.Fatalf("%v %s", r.header, r.body)
		}
	}
	if n := lines(); n != 1 {
		t.Fatalf("%d log lines for 10 refusals, want 1:\n%s", n, e.logs.String())
	}
	e.skew.Add(int64(61 * time.Second))
	ada.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1}`).want(t, 503, api.CodeUnavailable)
	if n := lines(); n != 2 || !strings.Contains(e.logs.String(), `"refused":10`) {
		t.Fatalf("a minute later: %d lines, want 2 (the second counting 10 refused):\n%s", n, e.logs.String())
	}
	// A refused request did not consume its key.
	full.Store(false) // room again
	ada.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1}`, api.HeaderIdempotencyKey, "k0").
		want(t, 201)
}
