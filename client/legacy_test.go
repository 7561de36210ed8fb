package client

import (
	"context"
	"errors"
	"testing"

	"github.com/syftbox/syftwallet/api"
)

func TestLegacyEndToEnd(t *testing.T) {
	s, alice, bob := aliceAndBob(t, true)
	ctx := context.Background()
	cfg := alice.Config()
	alice.Invalidate() // as a poll (legacy) or an event (enhanced) would

	if alice.EventsAvailable() {
		t.Error("legacy mode offers live events")
	}
	sess := alice.Session()
	if !sess.SignedIn || !sess.Legacy || sess.Email != "alice@example.com" {
		t.Errorf("session %+v", sess)
	}
	u, err := alice.Account(ctx)
	if err != nil || u.Balance != mustMicros(t, "100") {
		t.Fatalf("account %+v %v", u, err)
	}

	// Pay = create + confirm.
	var ids []string
	for _, amt := range []string{"10.5", "1", "2", "3"} {
		tx, err := alice.Pay(ctx, PayRequest{Recipient: "Bob@Example.com ", Amount: mustMicros(t, amt), AppName: "app"})
		if err != nil {
			t.Fatalf("pay %s: %v", amt, err)
		}
		if tx.Status != api.StatusCompleted || tx.RecipientEmail != "bob@example.com" {
			t.Fatalf("tx %+v", tx)
		}
		ids = append(ids, tx.ID)
	}
	if got := s.balance("bob@example.com"); got != mustMicros(t, "16.5") {
		t.Errorf("bob has %s", got)
	}
	// The cache was dropped by the payments.
	if u, _ := alice.Account(ctx); u.Balance != mustMicros(t, "83.5") {
		t.Errorf("alice sees %s", u.Balance)
	}

	// Local checks: self-payment, funds from the cache, bad address.
	var val *ValidationError
	if _, err := alice.Pay(ctx, PayRequest{Recipient: "alice@example.com", Amount: 1}); !errors.As(err, &val) || val.Field != "recipientEmail" {
		t.Errorf("self-payment: %v", err)
	}
	var funds *InsufficientFundsError
	if _, err := alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "1000")}); !errors.As(err, &funds) ||
		funds.Available != mustMicros(t, "83.5") || funds.Needed != mustMicros(t, "1000") {
		t.Errorf("funds: %v", err)
	}
	var unknown *UnknownRecipientError
	if _, err := alice.Pay(ctx, PayRequest{Recipient: "nobody@example.com", Amount: 1}); !errors.As(err, &unknown) || unknown.Email != "nobody@example.com" {
		t.Errorf("unknown recipient: %v", err)
	}

	// Client-side paging, newest first, stable cursor.
	var seen []string
	pages := 0
	for page, err := range bob.HistoryPages(ctx, HistoryQuery{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tx := range page.Transactions {
			seen = append(seen, tx.ID)
		}
	}
	if pages != 2 || len(seen) != 4 || seen[0] != ids[3] || seen[3] != ids[0] {
		t.Errorf("pages %d, ids %v, want reverse of %v", pages, seen, ids)
	}
	page, err := bob.History(ctx, HistoryQuery{Limit: 10, Direction: api.DirectionIn, MinAmount: mustMicros(t, "2"), MaxAmount: mustMicros(t, "3")})
	if err != nil || len(page.Transactions) != 2 || page.HasMore {
		t.Errorf("filtered: %+v %v", page, err)
	}
	page, err = bob.History(ctx, HistoryQuery{Limit: 10, Direction: api.DirectionOut})
	if err != nil || len(page.Transactions) != 0 {
		t.Errorf("out: %+v %v", page, err)
	}
	tx, err := bob.Payment(ctx, ids[1])
	if err != nil || tx.Amount != mustMicros(t, "1") {
		t.Errorf("payment: %+v %v", tx, err)
	}
	var nf *NotFoundError
	if _, err := bob.Payment(ctx, "nope"); !errors.As(err, &nf) {
		t.Errorf("missing payment: %v", err)
	}
	if _, err := alice.BatchPay(ctx, []BatchPayment{{Recipient: "bob@example.com", Amount: 1}}, ""); Code(err) != "unsupported" {
		t.Errorf("batch in legacy: %v", err)
	}

	// Delegation: alice makes a token for bob, bob draws on it, alice confirms.
	tok, err := alice.CreateTransactionToken(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	pending, err := bob.CreateDelegated(ctx, DelegatedRequest{Sender: "alice@example.com", Amount: mustMicros(t, "5"), Token: tok})
	if err != nil || pending.Status != api.StatusPending {
		t.Fatalf("delegated: %+v %v", pending, err)
	}
	if u, _ := alice.Account(ctx); u.AvailableBalance != mustMicros(t, "78.5") {
		t.Errorf("hold not visible: %+v", u)
	}
	if _, err := alice.Confirm(ctx, pending.ID); err != nil {
		t.Fatal(err)
	}
	var conflict *ConflictError
	if _, err := bob.Cancel(ctx, pending.ID); !errors.As(err, &conflict) {
		t.Errorf("cancel after confirm: %v", err)
	}
	if got := s.balance("bob@example.com"); got != mustMicros(t, "21.5") {
		t.Errorf("bob has %s", got)
	}

	// Paying again with a key already used replays the payment instead of failing on its
	// (already confirmed) hold, and moves no money.
	first, err := alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "0.5"), IdempotencyKey: "legacy-k1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "0.5"), IdempotencyKey: "legacy-k1"})
	if err != nil || again.ID != first.ID || again.Status != api.StatusCompleted {
		t.Fatalf("legacy replay: %+v %v", again, err)
	}
	if got := s.balance("bob@example.com"); got != mustMicros(t, "22") {
		t.Errorf("bob has %s after a replay", got)
	}

	// The audit log: one line per money call, outcome ok or the code.
	lines := readAuditLines(t, cfg.DataDir)
	outcomes := map[string]int{}
	for _, l := range lines {
		outcomes[l["action"]+":"+l["outcome"]]++
		for _, v := range l {
			if v == testPassword {
				t.Fatal("the audit log holds the password")
			}
		}
	}
	want := map[string]int{"pay:ok": 6, "pay:invalid_request": 1, "pay:insufficient_funds": 1,
		"pay:unknown_recipient": 1, "batch:unsupported": 1, "token:ok": 1, "confirm:ok": 1}
	for k, n := range want {
		if outcomes[k] != n {
			t.Errorf("audit %s: %d lines, want %d (all: %v)", k, outcomes[k], n, outcomes)
		}
	}

	// The password is in the token store, and resumes a session.
	store := alice.store
	fresh := newClient(t, cfg, WithTokenStore(store))
	sess, err = fresh.Resume(ctx, "")
	if err != nil || sess.Email != "alice@example.com" || !sess.Legacy {
		t.Fatalf("resume: %+v %v", sess, err)
	}
	if err := fresh.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Load(fresh.ServerIdentity(), "alice@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("logout left the secret: %v", err)
	}
}

func TestLegacyDetectedAtLogin(t *testing.T) {
	s := startServiceWith(t, svcOpts{noAuth: true})
	c := signUpAt(t, s, "carol@example.com")
	if !c.Legacy() || c.EventsAvailable() {
		t.Error("a service without /auth/login did not switch the client to legacy mode")
	}
	var unauth *UnauthenticatedError
	c2 := newClient(t, testConfig(t, s.URL))
	if _, err := c2.Login(context.Background(), "carol@example.com", "wrong password!"); !errors.As(err, &unauth) || !unauth.BadCredentials {
		t.Errorf("wrong password: %v", err)
	}
}

func testConfigLegacy(t testing.TB, url string) Config {
	cfg := testConfig(t, url)
	cfg.Legacy = true
	return cfg
}

// A client configured with email and password but no legacy flag finds a
// compatible-only service on its own and carries on with Basic auth.
func TestAutoLoginFallsBackToLegacy(t *testing.T) {
	s := startServiceWith(t, svcOpts{noAuth: true})
	signUp(t, s, testConfigLegacy(t, s.URL), "olga@example.com")
	cfg := testConfig(t, s.URL)
	cfg.Email, cfg.Password = "olga@example.com", testPassword
	c := newClient(t, cfg)
	u, err := c.Account(context.Background())
	if err != nil || u.Email != "olga@example.com" || !c.Legacy() {
		t.Fatalf("account %+v %v (legacy %v)", u, err, c.Legacy())
	}
}
