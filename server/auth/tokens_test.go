package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/syftbox/syftwallet/testkit"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 29, 10, 54, 24, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestIssuer(t *testing.T) (*Issuer, *fakeClock) {
	t.Helper()
	ks, err := GenerateKeyset()
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	return &Issuer{Keys: ks, Issuer: "https://wallet.example", Audience: "syftwallet", TTL: 5 * time.Minute, Now: clk.Now}, clk
}

// segments decodes a JWT's header and claims as JSON objects.
func segments(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestAccessRoundTrip(t *testing.T) {
	iss, clk := newTestIssuer(t)
	tok, c, err := iss.IssueAccess("u1", "alice@example.com", "s1")
	if err != nil {
		t.Fatal(err)
	}
	header, claims := segments(t, tok)
	if header["alg"] != "EdDSA" || header["typ"] != "JWT" || header["kid"] != iss.Keys.KID() {
		t.Errorf("header = %v", header)
	}
	if got, want := keys(claims), []string{"aud", "email", "exp", "iat", "iss", "jti", "sid", "sub"}; !slices.Equal(got, want) {
		t.Errorf("claims %v; want %v", got, want)
	}
	if jti, _ := base64.RawURLEncoding.DecodeString(c.ID); len(jti) != 16 {
		t.Errorf("jti %q is not 128 bits", c.ID)
	}
	if !c.ExpiresAt.Equal(clk.Now().Add(5*time.Minute)) || !c.IssuedAt.Equal(clk.Now()) {
		t.Errorf("iat %v exp %v", c.IssuedAt, c.ExpiresAt)
	}

	got, err := iss.VerifyAccess(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Fatalf("verified claims %+v; issued %+v", got, c)
	}
	want := AccessClaims{UserID: "u1", Email: "alice@example.com", SessionID: "s1", Issuer: iss.Issuer, Audience: iss.Audience}
	got.ID, got.IssuedAt, got.ExpiresAt = "", time.Time{}, time.Time{}
	if got != want {
		t.Errorf("claims %+v; want %+v", got, want)
	}

	_, c2, _ := iss.IssueAccess("u1", "alice@example.com", "s1")
	if c2.ID == c.ID {
		t.Error("jti repeats")
	}
}

func TestAccessExpiry(t *testing.T) {
	iss, clk := newTestIssuer(t)
	tok, _, _ := iss.IssueAccess("u1", "a@example.com", "s1")
	clk.Advance(5*time.Minute - time.Second)
	if _, err := iss.VerifyAccess(tok); err != nil {
		t.Fatalf("just before exp: %v", err)
	}
	clk.Advance(time.Second)
	if _, err := iss.VerifyAccess(tok); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("at exp: err = %v; want ErrTokenExpired", err)
	}
	iss.TTL = 0
	tok, c, _ := iss.IssueAccess("u1", "a@example.com", "s1")
	if c.ExpiresAt.Sub(c.IssuedAt) != DefaultAccessTTL {
		t.Errorf("zero TTL gave lifetime %v", c.ExpiresAt.Sub(c.IssuedAt))
	}
	clk.Advance(-time.Minute) // issued "in the future"
	if _, err := iss.VerifyAccess(tok); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("iat in the future: err = %v", err)
	}
}

// forge signs claims with the given method, key and header fields.
func forge(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyAccessRefuses(t *testing.T) {
	iss, clk := newTestIssuer(t)
	now := clk.Now()
	good, _, _ := iss.IssueAccess("u1", "a@example.com", "s1")
	header := map[string]any{"kid": iss.Keys.KID(), "typ": "JWT"}
	claims := func(mod func(*jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"sub": "u1", "email": "a@example.com", "sid": "s1", "jti": "j1",
			"iss": iss.Issuer, "aud": iss.Audience,
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	// Sanity: the forging helper with the real key makes an accepted token,
	// so each refusal below is down to the one thing changed.
	if _, err := iss.VerifyAccess(forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(nil))); err != nil {
		t.Fatalf("control token refused: %v", err)
	}

	parts := strings.Split(good, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[10] ^= 0x01
	flipped := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"` + iss.Keys.KID() + `"}`))
	algNone := noneHeader + "." + parts[1] + "."

	other, _ := GenerateKeyset()
	cases := map[string]string{
		"alg none":           algNone,
		"HS256 with pubkey":  forge(t, jwt.SigningMethodHS256, []byte(iss.Keys.PublicKey()), header, claims(nil)),
		"flipped signature":  flipped,
		"other key, our kid": forge(t, jwt.SigningMethodEdDSA, other.priv, header, claims(nil)),
		"other key and kid": forge(t, jwt.SigningMethodEdDSA, other.priv,
			map[string]any{"kid": other.KID(), "typ": "JWT"}, claims(nil)),
		"no kid":      forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, map[string]any{"typ": "JWT"}, claims(nil)),
		"wrong typ":   forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, map[string]any{"kid": iss.Keys.KID(), "typ": "txn+jwt"}, claims(nil)),
		"wrong aud":   forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) { (*c)["aud"] = "other" })),
		"no aud":      forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) { delete(*c, "aud") })),
		"wrong iss":   forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) { (*c)["iss"] = "evil" })),
		"missing exp": forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) { delete(*c, "exp") })),
		"missing sub": forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) { delete(*c, "sub") })),
		"missing sid": forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) { delete(*c, "sid") })),
		"future iat":  forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) { (*c)["iat"] = now.Add(time.Hour).Unix() })),
		"exp in ten years": forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) {
			(*c)["exp"] = now.Add(10 * 365 * 24 * time.Hour).Unix()
		})),
		"lifetime TTL+skew+1s": forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) {
			(*c)["exp"] = now.Add(iss.TTL + DefaultClockSkew + time.Second).Unix()
		})),
		"missing iat":   forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) { delete(*c, "iat") })),
		"garbage":       "not.a.token",
		"empty":         "",
		"extra segment": good + ".x",
	}
	reasons := map[string]string{
		"alg none": "bad signature", "HS256 with pubkey": "bad signature", "flipped signature": "bad signature",
		"other key, our kid": "bad signature", "other key and kid": "unknown kid", "no kid": "unknown kid",
		"wrong typ": "wrong token type", "wrong aud": "wrong audience", "no aud": "missing claims",
		"wrong iss": "wrong issuer", "missing exp": "missing claims", "missing sub": "missing claims",
		"missing sid": "missing claims", "future iat": "not valid yet", "garbage": "malformed",
		"empty": "malformed", "extra segment": "malformed",
		"exp in ten years": "lifetime longer than allowed", "lifetime TTL+skew+1s": "lifetime longer than allowed",
		"missing iat": "missing claims",
	}
	// Clocks of instances may differ a little: iat up to the skew ahead, a lifetime up to the
	// skew longer than the TTL, are accepted.
	for name, mod := range map[string]func(*jwt.MapClaims){
		"iat skew ahead": func(c *jwt.MapClaims) {
			(*c)["iat"], (*c)["exp"] = now.Add(DefaultClockSkew).Unix(), now.Add(DefaultClockSkew+iss.TTL).Unix()
		},
		"lifetime TTL+skew": func(c *jwt.MapClaims) { (*c)["exp"] = now.Add(iss.TTL + DefaultClockSkew).Unix() },
	} {
		if _, err := iss.VerifyAccess(forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(mod))); err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
	}
	for name, tok := range cases {
		_, err := iss.VerifyAccess(tok)
		if !errors.Is(err, ErrTokenInvalid) {
			t.Errorf("%s: err = %v; want ErrTokenInvalid", name, err)
		} else if want := reasons[name]; !strings.HasSuffix(err.Error(), ": "+want) {
			t.Errorf("%s: err = %v; want reason %q", name, err, want)
		}
	}
	expired := forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, header, claims(func(c *jwt.MapClaims) {
		(*c)["iat"], (*c)["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Minute).Unix()
	}))
	if _, err := iss.VerifyAccess(expired); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("expired: err = %v; want ErrTokenExpired", err)
	}

	// Another issuer with the same keys but another audience refuses ours.
	elsewhere := *iss
	elsewhere.Audience = "other-service"
	if _, err := elsewhere.VerifyAccess(good); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("other audience accepted our token: %v", err)
	}
}

func TestTransactionToken(t *testing.T) {
	iss, clk := newTestIssuer(t)
	tok, err := iss.IssueTransactionToken("tx1", "payer@example.com", "shop@example.com", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	header, claims := segments(t, tok)
	if header["typ"] != "txn+jwt" || header["alg"] != "EdDSA" || header["kid"] != iss.Keys.KID() {
		t.Errorf("header = %v", header)
	}
	if got, want := keys(claims), []string{"exp", "iat", "id", "recipientEmail", "senderEmail"}; !slices.Equal(got, want) {
		t.Errorf("claims %v; want exactly %v", got, want)
	}
	c, err := iss.VerifyTransactionToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := TxClaims{ID: "tx1", SenderEmail: "payer@example.com", RecipientEmail: "shop@example.com",
		IssuedAt: clk.Now(), ExpiresAt: clk.Now().Add(24 * time.Hour)}
	if c != want {
		t.Errorf("claims %+v; want %+v", c, want)
	}

	// Neither kind of token passes for the other.
	access, _, _ := iss.IssueAccess("u1", "a@example.com", "s1")
	if _, err := iss.VerifyTransactionToken(access); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("access token accepted as transaction token: %v", err)
	}
	if _, err := iss.VerifyAccess(tok); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("transaction token accepted as access token: %v", err)
	}
	// Even relabelled as typ JWT and signed by us, a transaction token's
	// claims fail access verification (no aud, iss, sub, sid).
	relabelled := forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv,
		map[string]any{"kid": iss.Keys.KID(), "typ": "JWT"},
		txJWT{ID: "tx1", SenderEmail: "p@example.com", RecipientEmail: "s@example.com",
			IssuedAt: jwt.NewNumericDate(clk.Now()), ExpiresAt: jwt.NewNumericDate(clk.Now().Add(time.Hour))})
	if _, err := iss.VerifyAccess(relabelled); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("relabelled transaction token accepted: %v", err)
	}
	other, _ := GenerateKeyset()
	forged := forge(t, jwt.SigningMethodEdDSA, other.priv, map[string]any{"kid": iss.Keys.KID(), "typ": "txn+jwt"},
		txJWT{ID: "tx1", SenderEmail: "p@example.com", RecipientEmail: "s@example.com",
			IssuedAt: jwt.NewNumericDate(clk.Now()), ExpiresAt: jwt.NewNumericDate(clk.Now().Add(time.Hour))})
	if _, err := iss.VerifyTransactionToken(forged); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("forged transaction token accepted: %v", err)
	}
	noExp := forge(t, jwt.SigningMethodEdDSA, iss.Keys.priv, map[string]any{"kid": iss.Keys.KID(), "typ": "txn+jwt"},
		txJWT{ID: "tx1", SenderEmail: "p@example.com", RecipientEmail: "s@example.com", IssuedAt: jwt.NewNumericDate(clk.Now())})
	if _, err := iss.VerifyTransactionToken(noExp); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("transaction token without exp accepted: %v", err)
	}

	clk.Advance(24 * time.Hour)
	if _, err := iss.VerifyTransactionToken(tok); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("expired transaction token: err = %v", err)
	}

	for _, bad := range [][3]string{{"", "a@example.com", "b@example.com"}, {"x", "", "b@example.com"}, {"x", "a@example.com", ""}} {
		if _, err := iss.IssueTransactionToken(bad[0], bad[1], bad[2], time.Hour); err == nil {
			t.Errorf("IssueTransactionToken%v succeeded", bad)
		}
	}
	if _, err := iss.IssueTransactionToken("x", "a@example.com", "b@example.com", 0); err == nil {
		t.Error("zero ttl accepted")
	}
}

func TestIssuerMisconfigured(t *testing.T) {
	if _, _, err := (&Issuer{Issuer: "i", Audience: "a"}).IssueAccess("u", "e", "s"); err == nil {
		t.Error("issued without keys")
	}
	if _, err := (&Issuer{}).VerifyAccess("a.b.c"); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("verify without keys: %v", err)
	}
	ks, _ := GenerateKeyset()
	if _, _, err := (&Issuer{Keys: ks}).IssueAccess("u", "e", "s"); err == nil {
		t.Error("issued without iss and aud")
	}
}

func TestTokensConcurrent(t *testing.T) {
	iss, _ := newTestIssuer(t)
	testkit.Together(8, func(int) {
		for range 50 {
			tok, c, err := iss.IssueAccess("u1", "a@example.com", "s1")
			if err != nil {
				t.Error(err)
				return
			}
			if got, err := iss.VerifyAccess(tok); err != nil || got != c {
				t.Errorf("verify: %v", err)
				return
			}
		}
	})
}
