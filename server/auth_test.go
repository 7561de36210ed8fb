package server

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/testkit"
)

func TestWithoutAuthStoreIsLegacy(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = nil })
	ada := e.newUser("ada@example.com", "5")
	for _, p := range []string{"/auth/login", "/auth/register", "/auth/refresh", "/auth/mfa/verify", "/auth/logout"} {
		e.do("POST", p, `{"email":"ada@example.com","password":"`+testPassword+`"}`).want(t, 404, api.CodeNotFound)
	}
	e.do("GET", "/auth/jwks", nil).want(t, 404, api.CodeNotFound)
	ada.info()
	r := e.do("GET", "/account", nil, "Authorization", "Bearer abc.def.ghi").want(t, 401, api.CodeUnauthenticated)
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("challenge %q", r.header.Get("WWW-Authenticate"))
	}
	if _, _, err := e.s.AuthenticateBearer(httpReq(t, "Bearer abc")); err == nil {
		t.Fatal("bearer accepted without an auth store")
	}
}

func TestLoginIssuesWorkingTokens(t *testing.T) {
	e := newEnv(t)
	var cr api.CreateUserResponse
	e.do("POST", "/auth/register", `{"email":"Ada@Example.com","password":"`+testPassword+`"}`).want(t, 201).decode(t, &cr)
	if cr.User.Email != "ada@example.com" || cr.Password != nil {
		t.Fatalf("%+v", cr)
	}
	e.do("POST", "/auth/register", `{"email":"ada@example.com"}`).want(t, 409, api.CodeAccountExists)
	e.newUser("bob@example.com", "")
	e.admin("POST", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":10}`).want(t, 200)

	tk := e.login(" ADA@example.com ", testPassword)
	c := claims(t, tk.AccessToken)
	for _, k := range []string{"sub", "email", "sid", "iat", "exp", "jti", "iss", "aud"} {
		if _, ok := c[k]; !ok {
			t.Errorf("claim %s missing: %v", k, c)
		}
	}
	if c["sub"] != cr.User.ID || c["email"] != "ada@example.com" || c["iss"] != "syftwallet" ||
		c["exp"].(float64)-c["iat"].(float64) != 300 {
		t.Fatalf("claims %v", c)
	}
	if !stored(e, e.store.Session, c["sid"].(string)).Live() {
		t.Fatal("session not live")
	}

	// The JWKS verifies the token.
	var set api.JWKS
	e.do("GET", "/auth/jwks", nil).want(t, 200).decode(t, &set)
	if len(set.Keys) != 1 || set.Keys[0].Kty != "OKP" || set.Keys[0].Crv != "Ed25519" || set.Keys[0].Alg != "EdDSA" ||
		set.Keys[0].Use != "sig" || set.Keys[0].Kid == "" {
		t.Fatalf("jwks %+v", set)
	}
	x, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	parsed, err := jwt.Parse(tk.AccessToken, func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != set.Keys[0].Kid {
			t.Errorf("kid %v", tok.Header["kid"])
		}
		return ed25519.PublicKey(x), nil
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithAudience("syftwallet-api"))
	if err != nil || !parsed.Valid {
		t.Fatalf("token does not verify with the JWKS: %v", err)
	}

	// The access token works on both layers.
	var ub api.UserBody
	e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 200).decode(t, &ub)
	if ub.User.ID != cr.User.ID {
		t.Fatalf("%+v", ub)
	}
	e.do("GET", "/user/my-info", nil, "Authorization", "bearer "+tk.AccessToken).want(t, 200)
	e.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":2.5}`, bearer(tk.AccessToken)...).want(t, 201)
	if got := e.s.Handler(); got == nil {
		t.Fatal("no handler")
	}
	acct, sid, err := e.s.AuthenticateBearer(httpReq(t, "Bearer "+tk.AccessToken))
	if err != nil || acct != cr.User.ID || sid != c["sid"] {
		t.Fatalf("AuthenticateBearer: %q %q %v", acct, sid, err)
	}
	if _, _, err := e.s.AuthenticateBearer(httpReq(t, basic("ada@example.com", testPassword))); err == nil {
		t.Fatal("AuthenticateBearer took Basic")
	}

	// Bad logins: unknown email and wrong password read the same.
	a := e.do("POST", "/auth/login", api.Credentials{Email: "ada@example.com", Password: "wrong password!"}).want(t, 401, api.CodeUnauthenticated)
	b := e.do("POST", "/auth/login", api.Credentials{Email: "who@example.com", Password: "wrong password!"}).want(t, 401, api.CodeUnauthenticated)
	if a.apiErr(t) != b.apiErr(t) {
		t.Fatalf("different refusals: %s / %s", a.body, b.body)
	}
	e.do("POST", "/auth/login", `{"email":"system@syftbox.org","password":"x"}`).want(t, 401, api.CodeUnauthenticated)
	e.do("POST", "/auth/login", `{"email":"ada@example.com"}`).want(t, 400, api.CodeInvalidRequest, "password")
	e.do("POST", "/auth/login", `{"password":"x"}`).want(t, 400, api.CodeInvalidRequest, "email")
	e.do("POST", "/auth/login", `{"email":1}`).want(t, 400, api.CodeInvalidRequest, "email")
	e.do("GET", "/auth/login", nil).want(t, 405, api.CodeMethodNotAllowed)
	// A Basic caller cannot use the session endpoints.
	e.do("POST", "/auth/logout", nil, "Authorization", basic("ada@example.com", testPassword)).want(t, 401, api.CodeUnauthenticated)
	// MFA initiate on an account without MFA.
	e.do("POST", "/auth/mfa/initiate", api.Credentials{Email: "ada@example.com", Password: testPassword}).want(t, 409, api.CodeConflict)
}

func TestRefreshRotatesAndReuseRevokes(t *testing.T) {
	rl := newRevokeLog()
	e := newEnv(t, rl.hook)
	ada := e.newUser("ada@example.com", "")
	t1 := ada.login()
	sid := claims(t, t1.AccessToken)["sid"].(string)

	var t2 api.Tokens
	e.refresh(t1.RefreshToken).want(t, 200).decode(t, &t2)
	if t2.RefreshToken == t1.RefreshToken || t2.AccessToken == t1.AccessToken || claims(t, t2.AccessToken)["sid"] != sid ||
		t2.User.Email != "ada@example.com" {
		t.Fatalf("rotation: %+v", t2)
	}
	var t3 api.Tokens
	e.refresh(t2.RefreshToken).want(t, 200).decode(t, &t3)
	e.do("GET", "/account", nil, bearer(t3.AccessToken)...).want(t, 200)

	// An old token again: the whole session is revoked, every token of it refused.
	e.refresh(t1.RefreshToken).want(t, 401, api.CodeUnauthenticated)
	if stored(e, e.store.Session, sid).Live() {
		t.Fatal("session still live after reuse")
	}
	if got := rl.got(); !slices.Equal(got, []string{sid}) {
		t.Fatalf("OnRevoke got %v", got)
	}
	e.refresh(t3.RefreshToken).want(t, 401, api.CodeUnauthenticated)
	for _, at := range []string{t1.AccessToken, t2.AccessToken, t3.AccessToken} {
		e.do("GET", "/account", nil, bearer(at)...).want(t, 401, api.CodeUnauthenticated)
	}
	e.refresh("not-a-token").want(t, 401, api.CodeUnauthenticated)
	e.refresh("").want(t, 400, api.CodeInvalidRequest, "refreshToken")

	// Another session is untouched.
	other := ada.login()
	e.refresh(other.RefreshToken).want(t, 200)

	// An expired refresh token.
	t4 := ada.login()
	e.skew.Add(int64(31 * 24 * time.Hour))
	e.refresh(t4.RefreshToken).want(t, 401, api.CodeUnauthenticated)
	// An expired access token says so.
	r := e.do("GET", "/account", nil, bearer(t4.AccessToken)...).want(t, 401, api.CodeUnauthenticated)
	if !strings.Contains(r.apiErr(t).Message, "expired") || !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("%s %v", r.body, r.header)
	}
}

func TestConcurrentRefreshSucceedsOnce(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits = Limits{Account: Rate{PerMinute: 600, Burst: 100}} })
	ada := e.newUser("ada@example.com", "")
	for round := range 3 {
		tk := ada.login()
		const n = 8
		statuses := make([]int, n)
		testkit.Together(n, func(i int) { statuses[i] = e.refresh(tk.RefreshToken).status })
		ok := 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 401:
			default:
				t.Fatalf("status %d", s)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d successes: %v", round, ok, statuses)
		}
		// The losers presented a spent token: the session is revoked (api.md: reuse revokes).
		if stored(e, e.store.Session, claims(t, tk.AccessToken)["sid"].(string)).Live() {
			t.Fatal("session survived a reused refresh token")
		}
	}
}

func TestLogoutLogoutAllAndPasswordRevoke(t *testing.T) {
	rl := newRevokeLog()
	e := newEnv(t, rl.hook)
	ada, bob := e.payerAndPayee("")
	sid := func(tk api.Tokens) string { return claims(t, tk.AccessToken)["sid"].(string) }

	// logout: that session only.
	a1, a2 := ada.login(), ada.login()
	b1 := bob.login()
	e.do("POST", "/auth/logout", `{"refreshToken":"`+a1.RefreshToken+`"}`, bearer(a1.AccessToken)...).want(t, 204)
	if got := rl.got(); !slices.Equal(got, []string{sid(a1)}) {
		t.Fatalf("OnRevoke %v", got)
	}
	e.do("GET", "/account", nil, bearer(a1.AccessToken)...).want(t, 401, api.CodeUnauthenticated)
	e.refresh(a1.RefreshToken).want(t, 401)
	e.do("GET", "/account", nil, bearer(a2.AccessToken)...).want(t, 200)
	e.do("POST", "/auth/logout", nil, bearer(a2.AccessToken)...).want(t, 204) // no body is fine
	e.do("POST", "/auth/logout", nil, bearer(a2.AccessToken)...).want(t, 401) // already out

	// logout-all: every session of the user, no one else's.
	a3, a4 := ada.login(), ada.login()
	rl.got()
	e.do("POST", "/auth/logout-all", nil, bearer(a3.AccessToken)...).want(t, 204)
	got := rl.got()
	slices.Sort(got)
	want := []string{sid(a3), sid(a4)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("OnRevoke %v, want %v", got, want)
	}
	for _, tk := range []api.Tokens{a3, a4} {
		e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 401)
		e.refresh(tk.RefreshToken).want(t, 401)
	}
	e.do("GET", "/account", nil, bearer(b1.AccessToken)...).want(t, 200)

	// POST /auth/password: the caller's session stays, the others go, Basic with the old password too.
	a5, a6 := ada.login(), ada.login()
	ada.info() // cached
	rl.got()
	e.do("POST", "/auth/password", api.PasswordChange{OldPassword: "wrong password!", NewPassword: "second password"},
		bearer(a5.AccessToken)...).want(t, 400, api.CodeInvalidRequest, "oldPassword")
	e.do("POST", "/auth/password", api.PasswordChange{OldPassword: testPassword, NewPassword: "short"},
		bearer(a5.AccessToken)...).want(t, 400, api.CodeInvalidRequest, "newPassword")
	e.do("POST", "/auth/password", api.PasswordChange{OldPassword: testPassword, NewPassword: "second password"},
		bearer(a5.AccessToken)...).want(t, 204)
	if got := rl.got(); !slices.Equal(got, []string{sid(a6)}) {
		t.Fatalf("OnRevoke %v", got)
	}
	e.do("GET", "/account", nil, bearer(a5.AccessToken)...).want(t, 200)
	e.do("GET", "/account", nil, bearer(a6.AccessToken)...).want(t, 401)
	ada.do("GET", "/account", nil).want(t, 401) // the Basic cache forgot the old password
	ada.pw = "second password"
	ada.info()
	ada.signIn(testPassword).want(t, 401)

	// PUT /user/update-password by Basic: every Bearer session goes.
	a7 := ada.login()
	rl.got()
	ada.do("PUT", "/user/update-password", api.PasswordChange{OldPassword: "second password", NewPassword: "third password"}).want(t, 200)
	got = rl.got()
	slices.Sort(got)
	want = []string{sid(a5), sid(a7)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("OnRevoke %v, want %v", got, want)
	}
	e.do("GET", "/account", nil, bearer(a7.AccessToken)...).want(t, 401)
	// ... and by Bearer: that session stays.
	ada.pw = "third password"
	a8, a9 := ada.login(), ada.login()
	e.do("PUT", "/user/update-password", api.PasswordChange{OldPassword: "third password", NewPassword: "fourth password"},
		bearer(a8.AccessToken)...).want(t, 200)
	e.do("GET", "/account", nil, bearer(a8.AccessToken)...).want(t, 200)
	e.do("GET", "/account", nil, bearer(a9.AccessToken)...).want(t, 401)
	e.do("GET", "/account", nil, bearer(b1.AccessToken)...).want(t, 200)
}

func TestMFAEnrollEnableAndSignIn(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "3")
	tk := ada.login()

	// Enable needs an enrollment, and a right code from it.
	e.do("POST", "/auth/mfa/enable", `{"code":"123456"}`, bearer(tk.AccessToken)...).want(t, 409, api.CodeConflict)
	e.do("POST", "/auth/mfa/disable", `{"code":"123456"}`, bearer(tk.AccessToken)...).want(t, 409, api.CodeConflict)
	var en api.MFAEnrollment
	e.do("POST", "/auth/mfa/enroll", nil, bearer(tk.AccessToken)...).want(t, 200).decode(t, &en)
	if !strings.Contains(en.OtpauthURL, "secret="+en.Secret) || !strings.Contains(en.OtpauthURL, "issuer=syftwallet") {
		t.Fatalf("%+v", en)
	}
	st := stored(e, e.store.MFA, ada.id)
	if st.Enabled || len(st.Pending) == 0 || strings.Contains(string(st.Pending), en.Secret) {
		t.Fatalf("pending secret not sealed: %+v", st)
	}
	e.do("POST", "/auth/mfa/enable", api.MFACode{Code: e.wrongCode(en.Secret)}, bearer(tk.AccessToken)...).
		want(t, 400, api.CodeInvalidRequest, "code")
	e.do("POST", "/auth/mfa/enable", `{}`, bearer(tk.AccessToken)...).want(t, 400, api.CodeInvalidRequest, "code")
	var rc api.RecoveryCodes
	enableCode := e.code(en.Secret)
	e.do("POST", "/auth/mfa/enable", api.MFACode{Code: enableCode}, bearer(tk.AccessToken)...).want(t, 200).decode(t, &rc)
	if len(rc.RecoveryCodes) != 10 {
		t.Fatalf("%+v", rc)
	}
	e.do("POST", "/auth/mfa/enroll", nil, bearer(tk.AccessToken)...).want(t, 409, api.CodeConflict)
	var ub api.UserBody
	e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 200).decode(t, &ub)
	if !ub.User.MFAEnabled {
		t.Fatal("mfaEnabled false")
	}

	// Basic is refused now, even with the right password; a wrong one is still 401.
	ada.do("GET", "/account", nil).want(t, 403, api.CodeMFARequired)
	e.do("GET", "/account", nil, "Authorization", basic(ada.email, "wrong password!")).want(t, 401)

	// Login gives a challenge only for the right password.
	ada.signIn("wrong password!").want(t, 401)
	ch := e.challenge(ada.email, testPassword)
	// The code that enabled MFA cannot sign in.
	e.verify(ch, enableCode).want(t, 401, api.CodeUnauthenticated)
	e.tick()
	code := e.code(en.Secret)
	var signed api.Tokens
	e.verify(ch, code).want(t, 200).decode(t, &signed)
	if signed.User.ID != ada.id || signed.AccessToken == "" {
		t.Fatalf("%+v", signed)
	}
	e.do("GET", "/account", nil, bearer(signed.AccessToken)...).want(t, 200)
	// The challenge is spent; the code is spent, now and later.
	e.verify(ch, code).want(t, 401)
	e.verify(e.challenge(ada.email, testPassword), code).want(t, 401)
	e.tick()
	e.tick()
	e.verify(e.challenge(ada.email, testPassword), code).want(t, 401)

	// /auth/mfa/initiate gives a challenge too.
	var mc api.MFAChallenge
	e.do("POST", "/auth/mfa/initiate", api.Credentials{Email: ada.email, Password: testPassword}).want(t, 200).decode(t, &mc)
	if mc.ChallengeID == "" || mc.ExpiresIn != 300 || !slices.Equal(mc.Methods, []string{"totp", "recovery"}) {
		t.Fatalf("%+v", mc)
	}
	e.do("POST", "/auth/mfa/initiate", api.Credentials{Email: ada.email, Password: "wrong password!"}).want(t, 401)
	e.verify(mc.ChallengeID, e.code(en.Secret)).want(t, 200)

	// Recovery codes: each works once, in any case and spacing.
	used := map[string]bool{}
	for i, c := range rc.RecoveryCodes[:3] {
		typed := c
		if i == 1 {
			typed = strings.ToUpper(strings.ReplaceAll(c, "-", " "))
		}
		e.verify(e.challenge(ada.email, testPassword), typed).want(t, 200)
		e.verify(e.challenge(ada.email, testPassword), c).want(t, 401)
		used[c] = true
	}
	if st := stored(e, e.store.MFA, ada.id); st.Recovery != 7 {
		t.Fatalf("recovery left %d", st.Recovery)
	}

	// Disable with a recovery code (decided: accepted in place of a TOTP code), then enable again
	// and disable with a TOTP code.
	tk2 := ada.login2(e, en.Secret)
	e.do("POST", "/auth/mfa/disable", api.MFACode{Code: rc.RecoveryCodes[0]}, bearer(tk2.AccessToken)...).want(t, 400, api.CodeInvalidRequest, "code")
	e.do("POST", "/auth/mfa/disable", api.MFACode{Code: rc.RecoveryCodes[5]}, bearer(tk2.AccessToken)...).want(t, 204)
	if st := stored(e, e.store.MFA, ada.id); st.Enabled || st.Recovery != 0 {
		t.Fatalf("%+v", st)
	}
	ada.info() // Basic works again
	tk3 := ada.login()
	secret, _ := ada.enableMFA()
	e.do("POST", "/auth/mfa/disable", api.MFACode{Code: e.wrongCode(secret)}, bearer(tk3.AccessToken)...).want(t, 400, api.CodeInvalidRequest, "code")
	e.do("POST", "/auth/mfa/disable", api.MFACode{Code: e.code(secret)}, bearer(tk3.AccessToken)...).want(t, 204)
	e.login(ada.email, testPassword)
}

// login2 signs an MFA account in with a fresh TOTP code.
func (u *user) login2(e *env, secret string) api.Tokens {
	e.t.Helper()
	e.tick()
	var tk api.Tokens
	e.verify(e.challenge(u.email, u.pw), e.code(secret)).want(e.t, 200).decode(e.t, &tk)
	return tk
}

func TestTOTPReplaySucceedsOnce(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits = Limits{Account: Rate{PerMinute: 600, Burst: 100}} })
	ada := e.newUser("ada@example.com", "")
	secret, recovery := ada.enableMFA()
	for round := range 3 {
		const n = 6
		chs := make([]string, n)
		for i := range chs {
			chs[i] = e.challenge(ada.email, testPassword)
		}
		code := e.code(secret)
		if round == 2 {
			code = recovery[0] // a recovery code raced the same way
		}
		statuses := make([]int, n)
		testkit.Together(n, func(i int) { statuses[i] = e.verify(chs[i], code).status })
		if c := count(statuses, 200); c != 1 {
			t.Fatalf("round %d: %d successes: %v", round, c, statuses)
		}
		if c := count(statuses, 401); c != n-1 {
			t.Fatalf("round %d: %v", round, statuses)
		}
		// Later, on a fresh challenge, still refused.
		e.verify(e.challenge(ada.email, testPassword), code).want(t, 401)
		// A good sign-in ends the run of failures (up to 6 a round, in whatever order the race
		// ran), so the rounds do not add up to the 10-failure lockout.
		ada.login2(e, secret)
		e.tick()
	}
	// The same challenge raced with the same code.
	ch := e.challenge(ada.email, testPassword)
	code := e.code(secret)
	statuses := make([]int, 4)
	testkit.Together(len(statuses), func(i int) { statuses[i] = e.verify(ch, code).status })
	if c := count(statuses, 200); c != 1 {
		t.Fatalf("same challenge: %v", statuses)
	}
}

func count(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

func TestChallengeDiesAfterFiveWrongCodes(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	secret, _ := ada.enableMFA()
	ch := e.challenge(ada.email, testPassword)
	for i := 1; i <= 5; i++ {
		r := e.verify(ch, e.wrongCode(secret)).want(t, 401, api.CodeUnauthenticated)
		if i < 5 && !strings.Contains(r.apiErr(t).Message, "more tries") {
			t.Fatalf("%s", r.body)
		}
	}
	e.verify(ch, e.code(secret)).want(t, 401, api.CodeUnauthenticated) // dead, even for the right code
	// The code was not burnt by the dead challenge: a new challenge takes it.
	e.verify(e.challenge(ada.email, testPassword), e.code(secret)).want(t, 200)

	// An expired challenge.
	e.tick()
	ch = e.challenge(ada.email, testPassword)
	e.skew.Add(int64(5*time.Minute + time.Second))
	e.verify(ch, e.code(secret)).want(t, 401)
	e.verify("no-such-challenge", "123456").want(t, 401)
	e.verify(ch, "").want(t, 400, api.CodeInvalidRequest, "code")
	e.verify("", "123456").want(t, 400, api.CodeInvalidRequest, "challengeId")
}

func TestMFALockoutAfterTenFailures(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits = Limits{Account: Rate{PerMinute: 600, Burst: 100}} })
	ada := e.newUser("ada@example.com", "")
	secret, recovery := ada.enableMFA()
	seqBefore, _ := e.store.LatestSeq(context.Background(), ada.id)

	// 9 failures over two challenges, then a success: the count starts again.
	for _, n := range []int{5, 4} {
		ch := e.challenge(ada.email, testPassword)
		for range n {
			e.verify(ch, e.wrongCode(secret)).want(t, 401)
		}
	}
	e.verify(e.challenge(ada.email, testPassword), e.code(secret)).want(t, 200)
	e.tick()

	// 10 in a row across challenges lock MFA for 15 minutes.
	var r resp
	for _, n := range []int{5, 5} {
		ch := e.challenge(ada.email, testPassword)
		for range n {
			r = e.verify(ch, e.wrongCode(secret))
		}
	}
	r.want(t, 429, api.CodeRateLimited)
	if ra := r.header.Get(api.HeaderRetryAfter); ra != "900" {
		t.Fatalf("Retry-After %q", ra)
	}
	if st := stored(e, e.store.MFA, ada.id); st.LockedUntil.IsZero() {
		t.Fatalf("not locked: %+v", st)
	}
	// A security.mfa_changed event was recorded.
	evs, err := e.store.EventsAfter(context.Background(), ada.id, seqBefore, 100)
	if err != nil {
		t.Fatal(err)
	}
	locked := false
	for _, ev := range evs {
		if ev.Type == api.EventSecurityMFAChanged && strings.Contains(string(ev.Data), "lockedUntil") {
			locked = true
		}
	}
	if !locked {
		t.Fatalf("no lock event in %d events", len(evs))
	}
	// While locked: no challenge, even with the right password; no code, even a right one.
	r = ada.signIn(testPassword).want(t, 429, api.CodeRateLimited)
	if r.header.Get(api.HeaderRetryAfter) == "" {
		t.Fatal("no Retry-After")
	}
	e.do("POST", "/auth/mfa/initiate", api.Credentials{Email: ada.email, Password: testPassword}).want(t, 429)
	// A wrong password is still just wrong (the lock says nothing to someone without it).
	ada.signIn("wrong password!").want(t, 401)
	_ = recovery
	// 15 minutes later it opens again.
	e.skew.Add(int64(15*time.Minute + time.Second))
	e.verify(e.challenge(ada.email, testPassword), e.code(secret)).want(t, 200)
	e.tick()
	e.verify(e.challenge(ada.email, testPassword), recovery[9]).want(t, 200)
}

// httpReq is a request with an Authorization header, for AuthenticateBearer.
func httpReq(t *testing.T, authorization string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("GET", "/events", nil)
	r.Header.Set("Authorization", authorization)
	return r
}
