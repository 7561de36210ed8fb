package server

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// withKeys is a second service on e's ledger that runs with other keys, as after keys.json was
// replaced.
func (e *env) withKeys(keys *auth.Keyset) *env {
	e.t.Helper()
	s, err := New(Config{
		Ledger: e.led, Auth: e.store, AdminKey: testAdminKey, Hasher: sharedHasher(), Now: e.now,
		Keys: keys, Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e2 := &env{t: e.t, s: s, hs: httptest.NewServer(s.Handler()), led: e.led, store: e.store, logs: e.logs, keys: keys, dir: e.dir}
	e.t.Cleanup(e2.hs.Close)
	return e2
}

// A TOTP secret sealed by keys the service does not have is never a 500: TOTP codes get a
// sentence asking for a recovery code, the recovery code signs in on the same challenge, and the
// account may enroll again while two-factor is on, which replaces the lost secret.
func TestTOTPSealedByLostKeysIsACleanAnswer(t *testing.T) {
	e := newEnv(t)
	u := e.newUser("ada@example.com", "")
	secret, recovery := u.enableMFA()
	other, err := auth.GenerateKeyset()
	if err != nil {
		t.Fatal(err)
	}
	e2 := e.withKeys(other)

	ch := e2.challenge(u.email, u.pw)
	r := e2.verify(ch, e.code(secret))
	if r.status != 401 || !strings.Contains(string(r.body), "recovery code") {
		t.Fatalf("TOTP code for a secret sealed by other keys: %d %s", r.status, r.body)
	}
	var tk api.Tokens
	e2.verify(ch, recovery[0]).want(t, 200).decode(t, &tk)

	var en api.MFAEnrollment
	e2.do("POST", "/auth/mfa/enroll", nil, bearer(tk.AccessToken)...).want(t, 200).decode(t, &en)
	e2.do("POST", "/auth/mfa/enable", api.MFACode{Code: e.code(en.Secret)}, bearer(tk.AccessToken)...).want(t, 200)
	e.tick()
	e2.verify(e2.challenge(u.email, u.pw), e.code(en.Secret)).want(t, 200)
	// The old secret is gone for good.
	if r := e2.verify(e2.challenge(u.email, u.pw), e.code(secret)); r.status != 401 {
		t.Errorf("the old secret still signs in: %d %s", r.status, r.body)
	}
}

// A token the service could not have issued under its configuration is refused even though its
// signature is genuine: a lifetime longer than the access TTL, or an iat in the future (beyond
// the clock skew). Tokens are signed with the service's own key.
func TestAccessTokenLifetimeIsBounded(t *testing.T) {
	e := newEnv(t)
	u := e.newUser("ada@example.com", "")
	c := claims(t, u.login().AccessToken)
	sub, sid := c["sub"].(string), c["sid"].(string)
	sign := func(ttl time.Duration, shift time.Duration) string {
		iss := &auth.Issuer{Keys: e.keys, Issuer: "syftwallet", Audience: "syftwallet-api", TTL: ttl,
			Now: func() time.Time { return time.Now().Add(shift) }}
		tok, _, err := iss.IssueAccess(sub, u.email, sid)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, tc := range []struct {
		name string
		tok  string
		want int
	}{
		{"as issued", sign(5*time.Minute, 0), 200},
		{"a year long", sign(365*24*time.Hour, 0), 401},
		{"an hour long", sign(time.Hour, 0), 401},
		{"ten seconds over the TTL (within skew)", sign(5*time.Minute+10*time.Second, 0), 200},
		{"issued an hour ahead", sign(5*time.Minute, time.Hour), 401},
		{"issued ten seconds ahead (within skew)", sign(5*time.Minute, 10*time.Second), 200},
	} {
		if r := e.do("GET", "/account", nil, bearer(tc.tok)...); r.status != tc.want {
			t.Errorf("%s: %d %s (want %d)", tc.name, r.status, r.body, tc.want)
		}
	}
}
