package client

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// Sessions against the real service's /auth endpoints.

func TestRegisterLoginPayLogout(t *testing.T) {
	s := startAuthService(t)
	ctx := context.Background()
	bob := signUpAt(t, s, "bob@example.com")

	alice := newClient(t, testConfig(t, s.URL))
	reg, err := alice.Register(ctx, "Alice@Example.com", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Password) < 16 || reg.User.Email != "alice@example.com" {
		t.Fatalf("registration %+v", reg)
	}
	var conflict *ConflictError
	if _, err := alice.Register(ctx, "alice@example.com", "", nil); !errors.As(err, &conflict) || conflict.Code != api.CodeAccountExists {
		t.Errorf("second registration: %v", err)
	}
	sess, err := alice.Login(ctx, "alice@example.com", reg.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !sess.SignedIn || sess.Legacy || sess.Email != "alice@example.com" || sess.ExpiresAt.IsZero() || !alice.EventsAvailable() {
		t.Fatalf("session %+v", sess)
	}
	s.credit("alice@example.com", "100")
	alice.Invalidate()

	tx, err := alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "12.34"), Memo: "lunch"})
	if err != nil || tx.Status != api.StatusCompleted || tx.Memo == nil || *tx.Memo != "lunch" {
		t.Fatalf("pay: %+v %v", tx, err)
	}
	// The same key twice pays once.
	key := NewIdempotencyKey()
	tx1, err1 := alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "1"), IdempotencyKey: key})
	tx2, err2 := alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "1"), IdempotencyKey: key})
	if err1 != nil || err2 != nil || tx1.ID != tx2.ID {
		t.Errorf("replay: %v %v %s %s", err1, err2, tx1.ID, tx2.ID)
	}
	if _, err := alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "2"), IdempotencyKey: key}); !errors.As(err, &conflict) || conflict.Code != api.CodeIdempotencyKeyReused {
		t.Errorf("reused key: %v", err)
	}
	got, err := bob.Payment(ctx, tx.ID)
	if err != nil || got.Direction != api.DirectionIn || got.Amount != tx.Amount {
		t.Errorf("payment: %+v %v", got, err)
	}

	// A batch, all or nothing; an unknown recipient names its item.
	batch := []BatchPayment{{Recipient: "bob@example.com", Amount: mustMicros(t, "1")}, {Recipient: "bob@example.com", Amount: mustMicros(t, "2")}}
	txs, err := alice.BatchPay(ctx, batch, "")
	if err != nil || len(txs) != 2 {
		t.Fatalf("batch: %v %v", txs, err)
	}
	var unknown *UnknownRecipientError
	_, err = alice.BatchPay(ctx, append(batch, BatchPayment{Recipient: "ghost@example.com", Amount: 1}), "")
	if !errors.As(err, &unknown) || unknown.Field != "payments[2].recipientEmail" || unknown.Email != "ghost@example.com" {
		t.Errorf("batch with a stranger: %v", err)
	}
	var funds *InsufficientFundsError
	_, err = alice.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "500")})
	if !errors.As(err, &funds) || funds.Available != mustMicros(t, "83.66") || funds.Needed != mustMicros(t, "500") {
		t.Errorf("funds (service): %v", err)
	}

	// Server-side paging with every filter.
	var n, pages int
	for page, err := range bob.HistoryPages(ctx, HistoryQuery{Limit: 2, Direction: api.DirectionIn}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(page.Transactions)
	}
	if n != 4 || pages != 2 {
		t.Errorf("%d transactions in %d pages, want 4 in 2", n, pages)
	}
	page, err := bob.History(ctx, HistoryQuery{Limit: 10, Q: "LUNCH", Counterparty: "alice@example.com",
		Status: api.StatusCompleted, MinAmount: mustMicros(t, "10"), MaxAmount: mustMicros(t, "20"),
		Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour)})
	if err != nil || len(page.Transactions) != 1 || page.Transactions[0].ID != tx.ID {
		t.Errorf("filtered history: %+v %v", page, err)
	}

	if err := alice.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if alice.Session().SignedIn {
		t.Error("still signed in after logout")
	}
	var unauth *UnauthenticatedError
	if _, err := alice.Account(ctx); !errors.As(err, &unauth) {
		t.Errorf("account after logout: %v", err)
	}
	if _, err := alice.Login(ctx, "alice@example.com", "not the password"); !errors.As(err, &unauth) || !unauth.BadCredentials {
		t.Errorf("bad password: %v", err)
	}
}

// 100 goroutines that need a session and the account cause one login and
// one account fetch.
func TestConcurrentCallersOneLoginOneFetch(t *testing.T) {
	s := startAuthService(t)
	p, c := selfSigningClient(t, s, "dora@example.com")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			if _, err := c.Account(context.Background()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := p.count("POST /auth/login"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	if n := p.count("GET /account"); n != 1 {
		t.Errorf("%d account fetches, want 1", n)
	}
	if n := p.count("GET /auth/jwks"); n != 1 {
		t.Errorf("%d JWKS fetches, want 1", n)
	}
}

// Near expiry the token is refreshed ahead of time, once for 100 callers;
// the rotated refresh token replaces the stored one.
func TestRefreshAheadOfExpiryOnce(t *testing.T) {
	clk := &fakeClock{}
	s := startAuthServiceWith(t, svcOpts{clock: clk})
	signUpAt(t, s, "erin@example.com")
	p := newFaultProxy(t, s.URL)
	store := NewMemoryStore()
	c := newClient(t, testConfig(t, p.URL()), WithTokenStore(store), WithClock(clk.Now))
	ctx := context.Background()
	if _, err := c.Login(ctx, "erin@example.com", testPassword); err != nil {
		t.Fatal(err)
	}
	first, _ := store.Load(c.ServerIdentity(), "erin@example.com")
	tok1, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(4*time.Minute + 10*time.Second) // inside the 1-minute buffer of a 5-minute token
	var wg sync.WaitGroup
	toks := make([]string, 100)
	for i := range toks {
		wg.Go(func() {
			tok, err := c.AccessToken(ctx)
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	wg.Wait()
	if n := p.count("POST /auth/refresh"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	for _, tok := range toks {
		if tok == tok1 || tok != toks[0] {
			t.Fatal("callers got different or stale tokens")
		}
	}
	second, _ := store.Load(c.ServerIdentity(), "erin@example.com")
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Error("the rotated refresh token was not stored")
	}
	// The spent refresh token is refused (and the service revokes the session).
	stale := newClient(t, testConfig(t, s.URL), WithClock(clk.Now))
	stale.store.Save(stale.ServerIdentity(), "erin@example.com", first)
	var unauth *UnauthenticatedError
	if _, err := stale.Resume(ctx, "erin@example.com"); !errors.As(err, &unauth) {
		t.Errorf("resume with a spent token: %v", err)
	}
}

// A restarted wallet resumes from the token store without a password.
func TestResume(t *testing.T) {
	s := startAuthService(t)
	ctx := context.Background()
	store := NewMemoryStore()
	cfg := testConfig(t, s.URL)
	c := signUp(t, s, cfg, "finn@example.com", WithTokenStore(store), WithServerIdentity("embedded:test"))
	c.Close()

	// A new port, the same identity.
	p := newFaultProxy(t, s.URL)
	again := newClient(t, testConfig(t, p.URL()), WithTokenStore(store), WithServerIdentity("embedded:test"))
	sess, err := again.Resume(ctx, "")
	if err != nil || sess.Email != "finn@example.com" || !sess.SignedIn {
		t.Fatalf("resume: %+v %v", sess, err)
	}
	if sess.Persistent || sess.Warning == "" {
		t.Errorf("a memory store must say the session will not survive: %+v", sess)
	}
	if _, err := again.Account(ctx); err != nil {
		t.Fatal(err)
	}
	// Nothing stored for another identity.
	other := newClient(t, testConfig(t, s.URL), WithTokenStore(store))
	var unauth *UnauthenticatedError
	if _, err := other.Resume(ctx, ""); !errors.As(err, &unauth) {
		t.Errorf("resume elsewhere: %v", err)
	}
}

// A refused access token triggers one refresh and one retry.
func TestUnauthorizedRefreshesOnce(t *testing.T) {
	s := startAuthService(t)
	c := signUpAt(t, s, "gus@example.com")
	p := newFaultProxy(t, s.URL)
	c.base = p.URL()
	ctx := context.Background()
	good, _ := c.AccessToken(ctx)
	// A token the service does not accept (its signature is broken) but
	// that looks fresh to the client.
	c.tokens.mu.Lock()
	c.tokens.access = good[:len(good)-4] + "AAAA"
	c.tokens.mu.Unlock()
	c.Invalidate()
	if _, err := c.Account(ctx); err != nil {
		t.Fatal(err)
	}
	if n := p.count("POST /auth/refresh"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if n := p.count("GET /account"); n != 2 {
		t.Errorf("%d account requests, want 2", n)
	}
}

// Tokens are verified against the JWKS: a wrong issuer or audience, or a
// key the service does not publish, is refused.
func TestTokenVerification(t *testing.T) {
	s := startAuthService(t)
	signUpAt(t, s, "hana@example.com")
	ctx := context.Background()
	var tv *TokenVerificationError
	for _, claims := range [][2]string{{"someone-else", DefaultTokenAudience}, {DefaultTokenIssuer, "another-api"}} {
		c := newClient(t, testConfig(t, s.URL), WithTokenClaims(claims[0], claims[1]))
		if _, err := c.Login(ctx, "hana@example.com", testPassword); !errors.As(err, &tv) {
			t.Errorf("claims %v: %v", claims, err)
		}
		if c.Session().SignedIn {
			t.Error("signed in with a token that did not verify")
		}
	}
	// A JWKS with another key.
	p := newFaultProxy(t, s.URL)
	p.setRule(func(r *http.Request, n int) fault {
		if r.URL.Path == "/auth/jwks" {
			return fault{kind: status, code: 200}
		}
		return fault{}
	})
	c := newClient(t, testConfig(t, p.URL()))
	if _, err := c.Login(ctx, "hana@example.com", testPassword); err == nil {
		t.Error("signed in against a JWKS without the token's key")
	}
}

// MFA: enroll, enable, sign in with a TOTP code and with a recovery code,
// Basic refused, disable.
func TestMFA(t *testing.T) {
	s, c, code := enrolledClient(t, "ivy@example.com")
	ctx := context.Background()
	recovery, err := c.EnableMFA(ctx, code())
	if err != nil || len(recovery) != 10 {
		t.Fatalf("enable: %v %v", recovery, err)
	}
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}

	var mfa *MFARequiredError
	_, err = c.Login(ctx, "ivy@example.com", testPassword)
	if !errors.As(err, &mfa) || mfa.Challenge == nil {
		t.Fatalf("login: %v", err)
	}
	var val *ValidationError
	if _, err := c.VerifyMFA(ctx, mfa.Challenge, "000000"); !errors.As(err, &val) {
		t.Errorf("wrong code: %v", err)
	}
	if _, err := c.VerifyMFA(ctx, mfa.Challenge, code()); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if u, err := c.Account(ctx); err != nil || !u.MFAEnabled {
		t.Errorf("account: %+v %v", u, err)
	}
	c.Logout(ctx)
	_, err = c.Login(ctx, "ivy@example.com", testPassword)
	if !errors.As(err, &mfa) {
		t.Fatal(err)
	}
	if _, err := c.VerifyMFA(ctx, mfa.Challenge, recovery[0]); err != nil {
		t.Fatalf("recovery code: %v", err)
	}

	// Basic (legacy) cannot pass the second factor.
	legacy := newClient(t, testConfigLegacy(t, s.URL))
	if _, err := legacy.Login(ctx, "ivy@example.com", testPassword); !errors.As(err, &mfa) || mfa.Challenge != nil {
		t.Errorf("legacy login of an MFA account: %v", err)
	}

	if err := c.DisableMFA(ctx, code()); err != nil {
		t.Fatal(err)
	}
	if _, err := legacy.Login(ctx, "ivy@example.com", testPassword); err != nil {
		t.Errorf("legacy login after disabling MFA: %v", err)
	}
}

func TestChangePasswordAndLogoutAll(t *testing.T) {
	s := startAuthService(t)
	ctx := context.Background()
	a := signUpAt(t, s, "jay@example.com")
	b := newClient(t, testConfig(t, s.URL))
	if _, err := b.Login(ctx, "jay@example.com", testPassword); err != nil {
		t.Fatal(err)
	}
	var val *ValidationError
	if err := a.ChangePassword(ctx, testPassword, "short"); !errors.As(err, &val) || val.Field != "newPassword" {
		t.Errorf("short password: %v", err)
	}
	if err := a.ChangePassword(ctx, testPassword, "a much better passphrase"); err != nil {
		t.Fatal(err)
	}
	// b's session was revoked: its refresh fails.
	var unauth *UnauthenticatedError
	if _, err := b.Refresh(ctx); !errors.As(err, &unauth) {
		t.Errorf("other session after a password change: %v", err)
	}
	if _, err := a.Account(ctx); err != nil {
		t.Errorf("own session after a password change: %v", err)
	}
	if err := a.LogoutAll(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Session().SignedIn {
		t.Error("signed in after logout-all")
	}
}

// An unknown kid makes the client fetch the JWKS again (at most once per
// jwksRefetchEvery).
func TestJWKSRefetchOnUnknownKid(t *testing.T) {
	clk := &fakeClock{}
	s := startAuthServiceWith(t, svcOpts{clock: clk})
	signUpAt(t, s, "pia@example.com")
	p := newFaultProxy(t, s.URL)
	p.setRule(firstN(http.MethodGet, "/auth/jwks", 1, fault{kind: status, code: 200})) // first: a set without the key
	c := newClient(t, testConfig(t, p.URL()), WithClock(clk.Now))
	ctx := context.Background()
	var tv *TokenVerificationError
	if _, err := c.Login(ctx, "pia@example.com", testPassword); !errors.As(err, &tv) {
		t.Fatalf("first login: %v", err)
	}
	if _, err := c.Login(ctx, "pia@example.com", testPassword); !errors.As(err, &tv) {
		t.Fatalf("second login within the refetch interval: %v", err)
	}
	clk.Advance(jwksRefetchEvery + time.Second)
	if _, err := c.Login(ctx, "pia@example.com", testPassword); err != nil {
		t.Fatalf("login after the keys were fetched again: %v", err)
	}
	if n := p.count("GET /auth/jwks"); n != 2 {
		t.Errorf("%d JWKS fetches, want 2", n)
	}
}

// GET /account/balance-history over the real service: thirty days ending today, the last one the
// balance now, today's net what was paid today; a bad days is refused naming the field.
func TestBalanceHistoryFromTheService(t *testing.T) {
	_, alice, _ := aliceAndBob(t, false)
	ctx := context.Background()
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
