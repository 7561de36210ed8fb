package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// matrixCall is how a user endpoint is called in the matrix, as its owner (ada) would call it.
type matrixCall struct {
	path string // with {id} replaced
	body any
	hdr  []string
	// strangerOK: with another user's valid token the call may succeed, acting for that user
	// (reading their own data, making a token of their own). Otherwise it must be refused.
	strangerOK bool
	// scope is the API key scope the call needs (api.ScopeRead, ScopePay); "": no API key may make
	// it, whatever its scopes (sign-in, password, two-factor and API key management).
	scope string
}

// TestAuthorizationMatrix calls every user endpoint (compatible and enhanced, taken from the
// route table, so a new route cannot escape) with every kind of bad credentials, and checks each
// is refused with the documented status and that nothing changed.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Limits = Limits{Account: Rate{PerMinute: 1000, Burst: 1000}, Address: Rate{PerMinute: 1000, Burst: 1000}}
	})
	ada, bob := e.payerAndPayee("100") // bob has no money: nothing bob's token does can move any
	keys := matrixKeys(e, ada, bob)
	bob.do("PUT", "/user/update-password", api.PasswordChange{OldPassword: testPassword, NewPassword: "bob's own password"}).want(t, 200)
	bob.pw = "bob's own password"
	carol := e.newUser("carol@example.com", "")
	mia := e.newUser("mia@example.com", "10")
	mia.enableMFA()

	// Ada's payment to carol, and a hold for carol: bob is a stranger to both.
	var paid, held api.TransactionBody
	ada.do("POST", "/payments", `{"recipientEmail":"carol@example.com","amount":1}`).want(t, 201).decode(t, &paid)
	ada.do("POST", "/transaction/create", `{"senderEmail":"ada@example.com","recipientEmail":"carol@example.com","amount":2}`).
		want(t, 201).decode(t, &held)
	_ = carol
	var adaToken api.TokenBody // ada's token for carol: only ada may revoke it
	ada.do("POST", "/transactions/token", `{"recipientEmail":"carol@example.com"}`).want(t, 201).decode(t, &adaToken)

	calls := map[string]matrixCall{
		"GET /user/my-info":                     {path: "/user/my-info", strangerOK: true, scope: api.ScopeRead},
		"GET /account":                          {path: "/account", strangerOK: true, scope: api.ScopeRead},
		"GET /account/balance-history":          {path: "/account/balance-history?days=7", strangerOK: true, scope: api.ScopeRead},
		"PUT /user/update-password":             {path: "/user/update-password", body: api.PasswordChange{OldPassword: testPassword, NewPassword: "taken over!"}},
		"PUT /user/update-organization":         {path: "/user/update-organization", body: `{"organization":"Mallory Inc"}`, strangerOK: true},
		"POST /transaction/create":              {path: "/transaction/create", body: `{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":3}`, scope: api.ScopePay},
		"POST /transaction/confirm":             {path: "/transaction/confirm", body: `{"transactionId":"` + held.Transaction.ID + `"}`, scope: api.ScopePay},
		"POST /transaction/cancel":              {path: "/transaction/cancel", body: `{"transactionId":"` + held.Transaction.ID + `"}`, scope: api.ScopePay},
		"POST /token/create":                    {path: "/token/create", body: `{"recipientEmail":"carol@example.com"}`, strangerOK: true, scope: api.ScopePay},
		"POST /transactions/token":              {path: "/transactions/token", body: `{"recipientEmail":"carol@example.com"}`, strangerOK: true, scope: api.ScopePay},
		"GET /transactions":                     {path: "/transactions", strangerOK: true, scope: api.ScopeRead},
		"GET /transactions/tokens":              {path: "/transactions/tokens", strangerOK: true, scope: api.ScopeRead},
		"POST /transactions/tokens/{id}/revoke": {path: "/transactions/tokens/" + adaToken.TokenInfo.ID + "/revoke", scope: api.ScopePay},
		"GET /transaction/history":              {path: "/transaction/history", strangerOK: true, scope: api.ScopeRead},
		"POST /payments":                        {path: "/payments", body: `{"recipientEmail":"carol@example.com","amount":4}`, hdr: []string{api.HeaderIdempotencyKey, "matrix-key"}, scope: api.ScopePay},
		"GET /payments/{id}":                    {path: "/payments/" + paid.Transaction.ID, scope: api.ScopeRead},
		"POST /transactions/batch":              {path: "/transactions/batch", body: `{"payments":[{"recipientEmail":"carol@example.com","amount":5}]}`, hdr: []string{api.HeaderIdempotencyKey, "matrix-batch"}, scope: api.ScopePay},
		"POST /auth/logout":                     {path: "/auth/logout", strangerOK: true},
		"POST /auth/logout-all":                 {path: "/auth/logout-all", strangerOK: true},
		"POST /auth/password":                   {path: "/auth/password", body: api.PasswordChange{OldPassword: testPassword, NewPassword: "taken over!"}},
		"POST /auth/mfa/enroll":                 {path: "/auth/mfa/enroll", strangerOK: true},
		"POST /auth/mfa/enable":                 {path: "/auth/mfa/enable", body: `{"code":"123456"}`},
		"POST /auth/mfa/disable":                {path: "/auth/mfa/disable", body: `{"code":"123456"}`},
		"GET /auth/mfa":                         {path: "/auth/mfa", strangerOK: true},
		"POST /auth/mfa/recovery-codes":         {path: "/auth/mfa/recovery-codes", body: `{"code":"123456"}`},
		"POST /auth/api-keys":                   {path: "/auth/api-keys", body: `{"name":"matrix","scopes":["read","pay"]}`, strangerOK: true},
		"GET /auth/api-keys":                    {path: "/auth/api-keys", strangerOK: true},
		"DELETE /auth/api-keys/{id}":            {path: "/auth/api-keys/" + keys.both.ID},
	}

	// Every user and bearer route is in the matrix, and the matrix names only real routes.
	var routes []route
	seen := map[string]bool{}
	for _, rt := range e.s.routeTable() {
		if rt.access != userAccess && rt.access != bearerOnly {
			continue
		}
		routes = append(routes, rt)
		seen[rt.pattern] = true
		if _, ok := calls[rt.pattern]; !ok {
			t.Errorf("route %s is not in the authorization matrix", rt.pattern)
		}
	}
	for p := range calls {
		if !seen[p] {
			t.Errorf("matrix names %s, which is not a user route", p)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].pattern < routes[j].pattern })

	// Credentials that must never work.
	adaTk := ada.login()
	adaClaims := claims(t, adaTk.AccessToken)
	sid := adaClaims["sid"].(string)
	revoked := ada.login()
	e.do("POST", "/auth/logout", nil, bearer(revoked.AccessToken)...).want(t, 204)

	forge := func(mod func(*auth.Issuer)) string {
		is := &auth.Issuer{Keys: e.keys, Issuer: "syftwallet", Audience: "syftwallet-api", Now: e.now}
		mod(is)
		tok, _, err := is.IssueAccess(ada.id, ada.email, sid)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	expired := forge(func(is *auth.Issuer) { is.Now = func() time.Time { return e.now().Add(-10 * time.Minute) } })
	wrongAud := forge(func(is *auth.Issuer) { is.Audience = "someone-else" })
	wrongIss := forge(func(is *auth.Issuer) { is.Issuer = "evil" })
	otherKeys, _ := auth.GenerateKeyset()
	foreignKey := forge(func(is *auth.Issuer) { is.Keys = otherKeys })
	parts := strings.Split(adaTk.AccessToken, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[10] ^= 0x01
	flipped := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	seg := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	algNone := seg(map[string]any{"alg": "none", "typ": "JWT", "kid": e.keys.KID()}) + "." + parts[1] + "."
	hsHead := seg(map[string]any{"alg": "HS256", "typ": "JWT", "kid": e.keys.KID()}) + "." + parts[1]
	mac := hmac.New(sha256.New, e.keys.PublicKey())
	mac.Write([]byte(hsHead))
	hs256 := hsHead + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	// The signed claims of a genuine token moved into ada's: only the payload is swapped.
	bobTk := bob.login()
	spliced := parts[0] + "." + strings.Split(bobTk.AccessToken, ".")[1] + "." + parts[2]

	type cred struct {
		name   string
		hdr    []string
		status int
		code   string
		// bearerStatus is the status on the Bearer-only /auth routes when it differs.
		bearerStatus int
	}
	creds := []cred{
		{name: "no auth", status: 401, code: api.CodeUnauthenticated},
		{name: "empty bearer", hdr: []string{"Authorization", "Bearer "}, status: 401, code: api.CodeUnauthenticated},
		{name: "wrong password", hdr: []string{"Authorization", basic(ada.email, "wrong password!")}, status: 401, code: api.CodeUnauthenticated},
		{name: "unknown user", hdr: []string{"Authorization", basic("eve@example.com", testPassword)}, status: 401, code: api.CodeUnauthenticated},
		{name: "expired token", hdr: bearer(expired), status: 401, code: api.CodeUnauthenticated},
		{name: "flipped signature byte", hdr: bearer(flipped), status: 401, code: api.CodeUnauthenticated},
		{name: "alg none", hdr: bearer(algNone), status: 401, code: api.CodeUnauthenticated},
		{name: "HS256 with the public key", hdr: bearer(hs256), status: 401, code: api.CodeUnauthenticated},
		{name: "wrong audience", hdr: bearer(wrongAud), status: 401, code: api.CodeUnauthenticated},
		{name: "wrong issuer", hdr: bearer(wrongIss), status: 401, code: api.CodeUnauthenticated},
		{name: "another key", hdr: bearer(foreignKey), status: 401, code: api.CodeUnauthenticated},
		{name: "spliced payload", hdr: bearer(spliced), status: 401, code: api.CodeUnauthenticated},
		{name: "revoked session", hdr: bearer(revoked.AccessToken), status: 401, code: api.CodeUnauthenticated},
		{name: "refresh token as access token", hdr: bearer(adaTk.RefreshToken), status: 401, code: api.CodeUnauthenticated},
		{name: "admin key as user", hdr: bearer(testAdminKey), status: 401, code: api.CodeUnauthenticated},
		{name: "Basic on an MFA account", hdr: []string{"Authorization", basic(mia.email, testPassword)}, status: 403,
			code: api.CodeMFARequired, bearerStatus: 401},
		{name: "revoked API key", hdr: bearer(keys.revoked.Key), status: 401, code: api.CodeUnauthenticated},
		{name: "expired API key", hdr: bearer(keys.expired.Key), status: 401, code: api.CodeUnauthenticated},
		{name: "unknown API key", hdr: bearer(keys.unknown), status: 401, code: api.CodeUnauthenticated},
		{name: "truncated API key", hdr: bearer(keys.both.Key[:len(keys.both.Key)-1]), status: 401, code: api.CodeUnauthenticated},
		{name: "API key as Basic password", hdr: []string{"Authorization", basic(ada.email, keys.both.Key)}, status: 401,
			code: api.CodeUnauthenticated},
	}

	state := func() string { return e.snapshot() + "\n" + e.authState(ada.id, bob.id, carol.id, mia.id) }
	before := state()
	for _, rt := range routes {
		c := calls[rt.pattern]
		method, _, _ := strings.Cut(rt.pattern, " ")
		for _, cr := range creds {
			t.Run(rt.pattern+"/"+cr.name, func(t *testing.T) {
				status, code := cr.status, cr.code
				if rt.access == bearerOnly && cr.bearerStatus != 0 {
					status, code = cr.bearerStatus, api.CodeUnauthenticated
				}
				r := e.do(method, c.path, c.body, append(append([]string{}, cr.hdr...), c.hdr...)...).want(t, status, code)
				if status == 401 && r.header.Get("WWW-Authenticate") == "" {
					t.Fatal("401 without WWW-Authenticate")
				}
				if strings.Contains(string(r.body), ada.id) || strings.Contains(string(r.body), paid.Transaction.ID) {
					t.Fatalf("refusal shows ada's data: %s", r.body)
				}
			})
		}
	}
	if after := state(); after != before {
		t.Fatalf("refused calls changed state:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// Another user's valid token, or API key, acts for that user only: ada's data and money are
	// untouched.
	adaBefore := e.accountState(ada.id, carol.id, mia.id)
	for _, rt := range routes {
		for _, kind := range []string{"token", "API key"} {
			c := calls[rt.pattern]
			method, _, _ := strings.Cut(rt.pattern, " ")
			t.Run(rt.pattern+"/another user's "+kind, func(t *testing.T) {
				hdr := bearer(keys.bob.Key)
				if kind == "token" {
					hdr = bearer(bob.login().AccessToken) // fresh, as logout and logout-all end it
				}
				strangerCall(t, e, method, c, hdr, ada, paid.Transaction.ID, held.Transaction.ID)
			})
		}
	}
	if after := e.accountState(ada.id, carol.id, mia.id); after != adaBefore {
		t.Fatalf("bob's token changed others' state:\nbefore:\n%s\nafter:\n%s", adaBefore, after)
	}
	e.do("GET", "/account", nil, bearer(adaTk.AccessToken)...).want(t, 200) // ada's session lives on
	if inv, err := e.store.Check(context.Background()); err != nil || !inv.OK() {
		t.Fatalf("invariants: %+v %v", inv, err)
	}

	// Ada's own API keys: every user route with a key of each scope set. A key lacking the route's
	// scope gets 403 forbidden naming it, and on the session-only routes every key gets 403
	// forbidden; those refusals change nothing. The others work.
	scopeMatrix(t, e, routes, calls, keys, state)
}

// strangerCall makes c with another user's credentials hdr: it may succeed only when strangerOK,
// never shows ada's data, and names ada's transactions as unknown.
func strangerCall(t *testing.T, e *env, method string, c matrixCall, hdr []string, ada *user, paidID, heldID string) {
	t.Helper()
	r := e.do(method, c.path, c.body, append(hdr, c.hdr...)...)
	if !c.strangerOK && r.status < 400 {
		t.Fatalf("stranger's call succeeded: %d %s", r.status, r.body)
	}
	if r.status >= 500 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	for _, s := range []string{ada.id, ada.email, paidID, heldID} {
		if strings.Contains(string(r.body), s) {
			t.Fatalf("bob sees ada's %q: %s", s, r.body)
		}
	}
	if strings.HasPrefix(c.path, "/payments/") || strings.HasPrefix(c.path, "/transactions/tokens/") ||
		c.path == "/transaction/confirm" || c.path == "/transaction/cancel" {
		r.want(t, 404, api.CodeNotFound)
	}
}

// authState is what sign-in keeps for each account: MFA state and the newest event seq (every
// session or MFA change appends a security event).
func (e *env) authState(ids ...string) string {
	e.t.Helper()
	var b strings.Builder
	for _, id := range ids {
		m := stored(e, e.store.MFA, id)
		seq, _ := e.store.LatestSeq(context.Background(), id)
		fmt.Fprintf(&b, "%s mfa=%v pending=%x secret=%x last=%d failures=%d locked=%v recovery=%d seq=%d\n",
			id, m.Enabled, m.Pending, m.Secret, m.LastStep, m.Failures, m.LockedUntil, m.Recovery, seq)
	}
	return b.String()
}

// accountState is the money, password and sign-in state of the given accounts.
func (e *env) accountState(ids ...string) string {
	e.t.Helper()
	var b strings.Builder
	for _, id := range ids {
		a := stored(e, e.store.AccountByID, id)
		fmt.Fprintf(&b, "%s %s %s %v %s\n", a.Email, a.Balance, a.Held, a.Organization, a.PasswordHash)
	}
	b.WriteString(e.authState(ids...))
	return b.String()
}
