package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/testkit"
)

// An API key takes precedence over a stored session: every call carries the key, the store is
// not read, and a refused key is never "refreshed" (there is nothing to refresh it with).
func TestAPIKeyOverStoredSession(t *testing.T) {
	s := startAuthService(t)
	cfg := testConfig(t, s.URL)
	store := NewMemoryStore()
	signUp(t, s, cfg, "kay@example.com", WithTokenStore(store)) // a session in the store
	if _, err := store.Load(s.URL, "kay@example.com"); err != nil {
		t.Fatalf("no stored session to take precedence over: %v", err)
	}
	cfg.APIKey = "swk_not-a-key-the-service-knows"
	rec := &recorder{}
	c := newClient(t, cfg, WithTokenStore(store), WithTransport(rec))
	_, err := c.Resume(context.Background(), "kay@example.com")
	var unauth *UnauthenticatedError
	if !errors.As(err, &unauth) || !unauth.APIKey || !strings.Contains(err.Error(), "API key") {
		t.Fatalf("Resume with an unknown key: %v", err)
	}
	if _, err := c.Account(context.Background()); !errors.As(err, &unauth) {
		t.Fatalf("Account with an unknown key: %v", err)
	}
	if tok, err := c.AccessToken(context.Background()); err != nil || tok != cfg.APIKey {
		t.Errorf("AccessToken = %q, %v; want the key", tok, err)
	}
	if _, err := c.Refresh(context.Background()); err == nil {
		t.Error("Refresh with an API key succeeded")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.paths) == 0 {
		t.Fatal("no request was sent")
	}
	for i, p := range rec.paths {
		if strings.HasPrefix(p, "/auth/refresh") || strings.HasPrefix(p, "/auth/login") {
			t.Errorf("the client tried %s with an API key", p)
		}
		if rec.authz[i] != "Bearer "+cfg.APIKey {
			t.Errorf("%s sent %q, not the key", p, rec.authz[i])
		}
	}
	if !c.Session().APIKey {
		t.Error("Session does not say it uses an API key")
	}
}

func TestParseSpendLimitAndExpiry(t *testing.T) {
	l, err := ParseSpendLimit("50.00/day")
	if err != nil || l.Period != api.PeriodDay || l.Amount.String() != "50" {
		t.Fatalf("50.00/day: %+v, %v", l, err)
	}
	if l, err := ParseSpendLimit("1,000 / Month"); err != nil || l.Period != api.PeriodMonth || l.Amount.String() != "1000" {
		t.Errorf("1,000 / Month: %+v, %v", l, err)
	}
	if l, err := ParseSpendLimit(""); err != nil || l != nil {
		t.Errorf("empty: %+v, %v", l, err)
	}
	for _, bad := range []string{"50", "50/year", "0,50/day", "0/day", "/day", "-5/day"} {
		if _, err := ParseSpendLimit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"90d": now.Add(90 * 24 * time.Hour), "12h": now.Add(12 * time.Hour), "2w": now.Add(14 * 24 * time.Hour),
		"1y": now.Add(365 * 24 * time.Hour), "2027-03-01": time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "": {},
	} {
		if got, err := ParseKeyExpiry(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"90", "d", "-1d", "0d", "soon", "90m"} {
		if _, err := ParseKeyExpiry(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Against the real service: create, list and revoke keys; a read key reads and cannot pay (a
// ForbiddenError naming the scope); a pay key stops at its spend limit (a SpendLimitError with
// what is left); a revoked key is refused as a key; and the key is in no log, error, file,
// config print-out or token store.
func TestAPIKeysEndToEnd(t *testing.T) {
	s := startAuthService(t)
	ctx := context.Background()
	logs := &testkit.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := testConfig(t, s.URL)
	owner := signUp(t, s, cfg, "owner@example.com", WithLogger(logger))
	signUp(t, s, cfg, "payee@example.com")
	s.credit("owner@example.com", "100")

	if _, err := owner.CreateAPIKey(ctx, APIKeyRequest{Name: "x", Scopes: []string{"admin"}}); err == nil {
		t.Fatal("the admin scope was accepted")
	}
	read, err := owner.CreateAPIKey(ctx, APIKeyRequest{Name: "reader", Scopes: []string{api.ScopeRead}})
	if err != nil {
		t.Fatal(err)
	}
	limit, _ := ParseSpendLimit("5.00/day")
	payer, err := owner.CreateAPIKey(ctx, APIKeyRequest{Name: "payer", Scopes: []string{api.ScopePay}, SpendLimit: limit,
		ExpiresAt: time.Now().Add(90 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := owner.ListAPIKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListAPIKeys: %v, %v", keys, err)
	}

	keyClient := func(key string) (*Client, Config) {
		kc := testConfig(t, s.URL)
		kc.APIKey = key
		return newClient(t, kc, WithLogger(logger), WithTokenStore(NewMemoryStore())), kc
	}
	rc, rcfg := keyClient(read.Key)
	sess, err := rc.Resume(ctx, "")
	if err != nil || sess.Email != "owner@example.com" || !sess.APIKey {
		t.Fatalf("Resume with a read key: %+v, %v", sess, err)
	}
	_, perr := rc.Pay(ctx, PayRequest{Recipient: "payee@example.com", Amount: mustMicros(t, "1"), IdempotencyKey: NewIdempotencyKey()})
	var forb *ForbiddenError
	if !errors.As(perr, &forb) || forb.Scope != api.ScopePay || !strings.Contains(perr.Error(), `"pay" scope`) {
		t.Fatalf("a read key paying: %v", perr)
	}
	if _, err := rc.ListAPIKeys(ctx); !errors.As(err, &forb) {
		t.Fatalf("a key listing keys: %v", err)
	}

	pc, pcfg := keyClient(payer.Key)
	if _, err := pc.Pay(ctx, PayRequest{Recipient: "payee@example.com", Amount: mustMicros(t, "3"), IdempotencyKey: NewIdempotencyKey()}); err != nil {
		t.Fatalf("a pay key within its limit: %v", err)
	}
	_, lerr := pc.Pay(ctx, PayRequest{Recipient: "payee@example.com", Amount: mustMicros(t, "3"), IdempotencyKey: NewIdempotencyKey()})
	var sl *SpendLimitError
	if !errors.As(lerr, &sl) || sl.Remaining != mustMicros(t, "2") || Code(lerr) != api.CodeSpendLimitExceeded {
		t.Fatalf("past the limit: %v", lerr)
	}

	if err := owner.RevokeAPIKey(ctx, read.ID); err != nil {
		t.Fatal(err)
	}
	_, aerr := rc.Account(ctx)
	var unauth *UnauthenticatedError
	if !errors.As(aerr, &unauth) || !unauth.APIKey {
		t.Fatalf("a revoked key: %v", aerr)
	}
	if err := owner.RevokeAPIKey(ctx, read.ID); err == nil {
		t.Error("revoking twice succeeded")
	}

	secrets := []string{read.Key, payer.Key}
	for _, sec := range secrets {
		for name, text := range map[string]string{"log": logs.String(), "pay error": perr.Error(), "limit error": lerr.Error(),
			"revoked error": aerr.Error(), "config": rcfg.String() + pcfg.String() + fmt.Sprintf("%+v %#v", rcfg, pcfg)} {
			if strings.Contains(text, sec) {
				t.Errorf("the %s holds an API key", name)
			}
		}
	}
	for _, c := range []*Client{rc, pc} {
		if _, err := c.store.Load(s.URL, "owner@example.com"); !errors.Is(err, ErrNotFound) {
			t.Error("a key client stored a session")
		}
		assertNoSecretUnder(t, c.Config().DataDir, secrets) // the audit log of the payments made with it
	}
	assertNoSecretUnder(t, cfg.DataDir, secrets)
	assertNoSecretUnder(t, s.dbDir, secrets) // the ledger keeps only hashes
}

// The SDK creates a token with limits, the recipient draws on it (a free call included), the
// payer lists it with its use and revokes it.
func TestTokensCreateListRevoke(t *testing.T) {
	_, alice, bob := aliceAndBob(t, false)
	ctx := context.Background()

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
