package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server/hub"
)

// createKey makes an API key with the session token tok and expects 201.
func (e *env) createKey(tok string, req any) api.NewAPIKey {
	e.t.Helper()
	var k api.NewAPIKey
	e.do("POST", "/auth/api-keys", req, bearer(tok)...).want(e.t, 201).decode(e.t, &k)
	if !strings.HasPrefix(k.Key, api.APIKeyPrefix) || len(k.Key) != apiKeyLen || k.ID == "" {
		e.t.Fatalf("created key: %+v", k)
	}
	return k
}

func (e *env) listKeys(tok string) []api.APIKey {
	e.t.Helper()
	var b api.APIKeysBody
	r := e.do("GET", "/auth/api-keys", nil, bearer(tok)...).want(e.t, 200)
	if strings.Contains(string(r.body), api.APIKeyPrefix) {
		e.t.Fatalf("the list shows a key: %s", r.body)
	}
	r.decode(e.t, &b)
	return b.APIKeys
}

func must(t testing.TB, m string) money.Micros {
	t.Helper()
	v, err := money.Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// matrixKeyset is the API keys the authorization matrix uses.
type matrixKeyset struct {
	read, pay, both api.NewAPIKey // ada's, live
	revoked         api.NewAPIKey // ada's, revoked
	expired         api.NewAPIKey // ada's, past its expiresAt
	unknown         string        // well formed, never issued
	bob             api.NewAPIKey // bob's, read and pay
}

// matrixKeys creates the matrix's keys. It moves the clock on by a minute and a bit, past the
// expired key's expiresAt.
func matrixKeys(e *env, ada, bob *user) matrixKeyset {
	t := e.t
	t.Helper()
	tok := ada.login().AccessToken
	var ks matrixKeyset
	ks.read = e.createKey(tok, `{"name":"read","scopes":["read"]}`)
	ks.pay = e.createKey(tok, `{"name":"pay","scopes":["pay"]}`)
	ks.both = e.createKey(tok, `{"name":"both","scopes":["pay","read","read"]}`)
	if !slices.Equal(ks.both.Scopes, []string{"read", "pay"}) {
		t.Fatalf("scopes not canonical: %v", ks.both.Scopes)
	}
	ks.revoked = e.createKey(tok, `{"name":"revoked","scopes":["read","pay"]}`)
	e.do("DELETE", "/auth/api-keys/"+ks.revoked.ID, nil, bearer(tok)...).want(t, 204)
	soon := api.At(e.now().Add(time.Minute))
	ks.expired = e.createKey(tok, api.CreateAPIKeyRequest{Name: "expired", Scopes: []string{"read", "pay"}, ExpiresAt: &soon})
	e.do("GET", "/account", nil, bearer(ks.expired.Key)...).want(t, 200)
	e.skew.Add(int64(61 * time.Second))
	ks.unknown, _ = newAPIKey()
	ks.bob = e.createKey(bob.login().AccessToken, `{"name":"bob","scopes":["read","pay"]}`)
	return ks
}

// scopeMatrix is the API key part of TestAuthorizationMatrix: every user route with ada's read,
// pay, and read+pay keys.
func scopeMatrix(t *testing.T, e *env, routes []route, calls map[string]matrixCall, ks matrixKeyset, state func() string) {
	keys := []struct {
		name string
		key  api.NewAPIKey
	}{{"read", ks.read}, {"pay", ks.pay}, {"read+pay", ks.both}}
	type allowed struct {
		name, method string
		c            matrixCall
		key          string
	}
	var ok []allowed
	before := state()
	refused := 0
	for _, rt := range routes {
		c := calls[rt.pattern]
		method, _, _ := strings.Cut(rt.pattern, " ")
		for _, k := range keys {
			name := rt.pattern + "/API key " + k.name
			if c.scope != "" && slices.Contains(k.key.Scopes, c.scope) {
				ok = append(ok, allowed{name, method, c, k.key.Key})
				continue
			}
			refused++
			t.Run(name, func(t *testing.T) {
				r := e.do(method, c.path, c.body, append(bearer(k.key.Key), c.hdr...)...).want(t, 403, api.CodeForbidden)
				if ae := r.apiErr(t); ae.Scope != c.scope {
					t.Fatalf("scope %q named, want %q: %s", ae.Scope, c.scope, r.body)
				}
				if strings.Contains(string(r.body), k.key.Key) {
					t.Fatal("the refusal shows the key")
				}
			})
		}
	}
	if after := state(); after != before {
		t.Fatalf("calls refused to API keys changed state:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	for _, a := range ok {
		t.Run(a.name, func(t *testing.T) {
			r := e.do(a.method, a.c.path, a.c.body, append(bearer(a.key), a.c.hdr...)...)
			if r.status == 401 || r.status == 403 || r.status >= 500 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
	}
	// 21 user routes and 9 session-only ones (with the three key routes): each session-only one
	// is refused to all three keys, and each user route to the keys without its scope.
	if refused < 9*3 || len(ok) == 0 {
		t.Fatalf("matrix too small: %d refused, %d allowed", refused, len(ok))
	}
	if inv, err := e.store.Check(context.Background()); err != nil || !inv.OK() {
		t.Fatalf("invariants: %+v %v", inv, err)
	}
}

// TestAPIKeyLifecycle creates a key, uses it on both layers, finds its id on the transactions it
// made (for its owner only), lists it with lastUsedAt and spentInPeriod, revokes it and sees it
// refused, with the security events in the owner's outbox.
func TestAPIKeyLifecycle(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "100")
	carol := e.newUser("carol@example.com", "")
	tok := ada.login().AccessToken
	before := e.now()
	k := e.createKey(tok, `{"name":" ci ","scopes":["read","pay"],"spendLimit":{"amount":"50.00","period":"month"}}`)
	if k.Name != "ci" || k.SpendLimit == nil || *k.SpendLimit.Amount != must(t, "50") || k.SpendLimit.Period != "month" ||
		k.LastUsedAt != nil || k.SpentInPeriod != 0 || k.PeriodEndsAt == nil {
		t.Fatalf("created: %+v", k)
	}
	if d := k.ExpiresAt.Sub(before); d < 364*24*time.Hour || d > api.MaxAPIKeyLifetime {
		t.Fatalf("default lifetime %s, want a year", d)
	}

	// Both layers.
	e.do("GET", "/user/my-info", nil, bearer(k.Key)...).want(t, 200)
	var acct api.UserBody
	e.do("GET", "/account", nil, bearer(k.Key)...).want(t, 200).decode(t, &acct)
	if acct.User.ID != ada.id {
		t.Fatalf("the key acts for %s", acct.User.Email)
	}
	var paid api.TransactionBody
	e.do("POST", "/payments", `{"recipientEmail":"carol@example.com","amount":"12.5"}`, bearer(k.Key)...).
		want(t, 201).decode(t, &paid)
	if paid.Transaction.APIKeyID == nil || *paid.Transaction.APIKeyID != k.ID {
		t.Fatalf("payment without its key id: %+v", paid.Transaction)
	}
	var held api.TransactionBody
	e.do("POST", "/transaction/create", `{"senderEmail":"ada@example.com","recipientEmail":"carol@example.com","amount":2}`,
		bearer(k.Key)...).want(t, 201).decode(t, &held)
	e.do("POST", "/transactions/batch", `{"payments":[{"recipientEmail":"carol@example.com","amount":1}]}`, bearer(k.Key)...).want(t, 201)
	// A session's payment has no key id.
	e.do("POST", "/payments", `{"recipientEmail":"carol@example.com","amount":1}`, bearer(tok)...).want(t, 201)

	var mine, theirs api.TransactionsBody
	e.do("GET", "/transactions", nil, bearer(k.Key)...).want(t, 200).decode(t, &mine)
	withKey := 0
	for _, tx := range mine.Transactions {
		if tx.APIKeyID != nil {
			if *tx.APIKeyID != k.ID {
				t.Fatalf("wrong key id: %+v", tx)
			}
			withKey++
		}
	}
	if withKey != 3 {
		t.Fatalf("%d of ada's transactions name the key, want 3: %+v", withKey, mine.Transactions)
	}
	var one api.TransactionBody
	e.do("GET", "/payments/"+paid.Transaction.ID, nil, bearer(tok)...).want(t, 200).decode(t, &one)
	if one.Transaction.APIKeyID == nil || *one.Transaction.APIKeyID != k.ID {
		t.Fatalf("details without apiKeyId: %+v", one.Transaction)
	}
	r := carol.do("GET", "/transactions", nil).want(t, 200)
	r.decode(t, &theirs)
	if strings.Contains(string(r.body), "apiKeyId") || strings.Contains(string(r.body), k.ID) {
		t.Fatalf("the recipient sees the payer's key: %s", r.body)
	}

	// The list: never the key, last used, spent in the period (the hold counts).
	ks := e.listKeys(tok)
	if len(ks) != 1 || ks[0].ID != k.ID || ks[0].LastUsedAt == nil || ks[0].SpentInPeriod != must(t, "15.5") {
		t.Fatalf("list: %+v", ks)
	}
	// Cancelling the hold gives its amount back to the period.
	e.do("POST", "/transaction/cancel", `{"transactionId":"`+held.Transaction.ID+`"}`, bearer(k.Key)...).want(t, 200)
	if ks := e.listKeys(tok); ks[0].SpentInPeriod != must(t, "13.5") {
		t.Fatalf("after cancel: %+v", ks[0])
	}

	// Revoked: refused at once, gone from the list; a second revocation, or one by another
	// account, is 404.
	e.do("DELETE", "/auth/api-keys/"+k.ID, nil, bearer(carol.login().AccessToken)...).want(t, 404, api.CodeNotFound)
	e.do("DELETE", "/auth/api-keys/"+k.ID, nil, bearer(tok)...).want(t, 204)
	e.do("GET", "/account", nil, bearer(k.Key)...).want(t, 401, api.CodeUnauthenticated)
	e.do("POST", "/payments", `{"recipientEmail":"carol@example.com","amount":1}`, bearer(k.Key)...).want(t, 401, api.CodeUnauthenticated)
	e.do("DELETE", "/auth/api-keys/"+k.ID, nil, bearer(tok)...).want(t, 404, api.CodeNotFound)
	if ks := e.listKeys(tok); len(ks) != 0 {
		t.Fatalf("revoked key listed: %+v", ks)
	}

	evs, err := e.store.EventsAfter(context.Background(), ada.id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range evs {
		if strings.HasPrefix(ev.Type, "security.api_key") {
			types = append(types, ev.Type)
			var data api.APIKey
			if err := json.Unmarshal(ev.Data, &data); err != nil || data.ID != k.ID || strings.Contains(string(ev.Data), k.Key) {
				t.Fatalf("event data %s", ev.Data)
			}
		}
	}
	if !slices.Equal(types, []string{api.EventAPIKeyCreated, api.EventAPIKeyRevoked}) {
		t.Fatalf("events %v", types)
	}
}

// TestAPIKeyCreateChecks: what a creation request must hold, each refusal naming its field.
func TestAPIKeyCreateChecks(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	tok := ada.login().AccessToken
	late := api.At(e.now().Add(367 * 24 * time.Hour)).Format(api.TimeLayout)
	past := api.At(e.now().Add(-time.Second)).Format(api.TimeLayout)
	for _, c := range []struct{ body, field string }{
		{`{"scopes":["read"]}`, "name"},
		{`{"name":"   ","scopes":["read"]}`, "name"},
		{`{"name":"` + strings.Repeat("n", 65) + `","scopes":["read"]}`, "name"},
		{`{"name":"a\u001b[31m","scopes":["read"]}`, "name"},
		{`{"name":"ci"}`, "scopes"},
		{`{"name":"ci","scopes":[]}`, "scopes"},
		{`{"name":"ci","scopes":["admin"]}`, "scopes"},
		{`{"name":"ci","scopes":["read"],"spendLimit":{"period":"day"}}`, "spendLimit.amount"},
		{`{"name":"ci","scopes":["read"],"spendLimit":{"amount":0,"period":"day"}}`, "spendLimit.amount"},
		{`{"name":"ci","scopes":["read"],"spendLimit":{"amount":"1.0000001","period":"day"}}`, "spendLimit.amount"},
		{`{"name":"ci","scopes":["read"],"spendLimit":{"amount":"ten","period":"day"}}`, "spendLimit.amount"},
		{`{"name":"ci","scopes":"read"}`, "scopes"},
		{`{"name":"ci","scopes":["read"],"expiresAt":"tomorrow"}`, "expiresAt"},
		{`{"name":"ci","scopes":["read"],"expiresAt":5}`, "expiresAt"},
		{`{"name":"ci","scopes":["read"],"spendLimit":{"amount":5,"period":"year"}}`, "spendLimit.period"},
		{`{"name":"ci","scopes":["read"],"expiresAt":"` + late + `"}`, "expiresAt"},
		{`{"name":"ci","scopes":["read"],"expiresAt":"` + past + `"}`, "expiresAt"},
	} {
		e.do("POST", "/auth/api-keys", c.body, bearer(tok)...).want(t, 400, api.CodeInvalidRequest, c.field)
	}
	if ks := e.listKeys(tok); len(ks) != 0 {
		t.Fatalf("refused requests made keys: %+v", ks)
	}
	// Basic is not a session: key management is for a signed-in session only.
	ada.do("POST", "/auth/api-keys", `{"name":"ci","scopes":["read"]}`).want(t, 401, api.CodeUnauthenticated)
}

// TestAPIKeyCreationNeedsAFreshCode: with two-factor on, creating a key takes a current TOTP code,
// spent like any other: a replayed code is refused, and so is a recovery code.
func TestAPIKeyCreationNeedsAFreshCode(t *testing.T) {
	e := newEnv(t)
	mia := e.newUser("mia@example.com", "")
	secret, recovery := mia.enableMFA()
	var tk api.Tokens
	e.verify(e.challenge(mia.email, mia.pw), e.code(secret)).want(t, 200).decode(t, &tk)
	e.tick()
	body := func(code string) string { return `{"name":"ci","scopes":["read"],"code":"` + code + `"}` }
	e.do("POST", "/auth/api-keys", `{"name":"ci","scopes":["read"]}`, bearer(tk.AccessToken)...).want(t, 403, api.CodeMFARequired, "code")
	e.do("POST", "/auth/api-keys", body(e.wrongCode(secret)), bearer(tk.AccessToken)...).want(t, 400, api.CodeInvalidRequest, "code")
	e.do("POST", "/auth/api-keys", body(recovery[0]), bearer(tk.AccessToken)...).want(t, 400, api.CodeInvalidRequest, "code")
	code := e.code(secret)
	e.createKey(tk.AccessToken, body(code))
	e.do("POST", "/auth/api-keys", body(code), bearer(tk.AccessToken)...).want(t, 400, api.CodeInvalidRequest, "code")
	e.tick()
	e.createKey(tk.AccessToken, body(e.code(secret)))
	if n := len(e.listKeys(tk.AccessToken)); n != 2 {
		t.Fatalf("%d keys, want 2", n)
	}
	// The recovery code was not spent by the refusal.
	e.verify(e.challenge(mia.email, mia.pw), recovery[0]).want(t, 200)
}

// TestAPIKeyCannotManageKeys: a key, whatever its scopes, cannot create, list or revoke keys,
// its own included (403 forbidden), nor sign out, change the password or two-factor settings.
func TestAPIKeyCannotManageKeys(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	tok := ada.login().AccessToken
	k := e.createKey(tok, `{"name":"ci","scopes":["read","pay"]}`)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/auth/api-keys", `{"name":"more","scopes":["read","pay"]}`},
		{"GET", "/auth/api-keys", ""},
		{"DELETE", "/auth/api-keys/" + k.ID, ""},
		{"POST", "/auth/logout", ""},
		{"POST", "/auth/logout-all", ""},
		{"POST", "/auth/password", `{"oldPassword":"` + testPassword + `","newPassword":"taken over!!"}`},
		{"PUT", "/user/update-password", `{"oldPassword":"` + testPassword + `","newPassword":"taken over!!"}`},
		{"POST", "/auth/mfa/enroll", ""},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := e.do(c.method, c.path, body, bearer(k.Key)...).want(t, 403, api.CodeForbidden)
		if r.apiErr(t).Scope != "" {
			t.Fatalf("%s %s names a scope: %s", c.method, c.path, r.body)
		}
	}
	if ks := e.listKeys(tok); len(ks) != 1 || ks[0].ID != k.ID {
		t.Fatalf("keys changed: %+v", ks)
	}
	e.do("GET", "/account", nil, bearer(k.Key)...).want(t, 200)
	ada.do("GET", "/account", nil).want(t, 200) // the password is unchanged

	// A key is not a session: a password change and logout-all leave it working.
	e.do("POST", "/auth/password", api.PasswordChange{OldPassword: testPassword, NewPassword: "a new password"},
		bearer(tok)...).want(t, 204)
	ada.pw = "a new password"
	e.do("POST", "/auth/logout-all", nil, bearer(ada.login().AccessToken)...).want(t, 204)
	e.do("GET", "/account", nil, bearer(k.Key)...).want(t, 200)
}

// TestAPIKeySpendLimitUnderABurst fires 50 payments at once (a start barrier, 50 goroutines over
// real HTTP) with a key whose limit allows 10 of them: exactly the limit is spent, and each of
// the other 40 gets 402 spend_limit_exceeded with what is left (nothing).
func TestAPIKeySpendLimitUnderABurst(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "1000")
	e.newUser("carol@example.com", "")
	tok := ada.login().AccessToken
	k := e.createKey(tok, `{"name":"burst","scopes":["pay"],"spendLimit":{"amount":10,"period":"month"}}`)

	const n = 50
	results := e.burst(n, func(i int) (resp, error) {
		return e.send("POST", "/payments", `{"recipientEmail":"carol@example.com","amount":1}`,
			append(bearer(k.Key), api.HeaderIdempotencyKey, fmt.Sprintf("burst-%d", i))...)
	})
	ok, over := 0, 0
	for _, r := range results {
		switch r.status {
		case 201:
			ok++
		case 402:
			ae := r.apiErr(t)
			if ae.Code != api.CodeSpendLimitExceeded || ae.Remaining == nil || *ae.Remaining != 0 {
				t.Fatalf("refusal: %s", r.body)
			}
			over++
		default:
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
	if ok != 10 || over != 40 {
		t.Fatalf("%d paid, %d refused; want 10 and 40", ok, over)
	}
	a := stored(e, e.store.AccountByID, ada.id)
	if a.Balance != must(t, "990") {
		t.Fatalf("balance %s, want 990: the key spent past its limit", a.Balance)
	}
	if ks := e.listKeys(tok); ks[0].SpentInPeriod != must(t, "10") {
		t.Fatalf("spent %s", ks[0].SpentInPeriod)
	}
}

// TestAPIKeySpendLimit: what is left is told, batches and holds count, the limit is the key's
// (the owner's session is not limited), a limited key cannot issue delegation tokens, and a new
// period starts afresh.
func TestAPIKeySpendLimit(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "100")
	e.newUser("carol@example.com", "")
	tok := ada.login().AccessToken
	k := e.createKey(tok, `{"name":"capped","scopes":["read","pay"],"spendLimit":{"amount":"5","period":"month"}}`)
	pay := func(amount string) resp {
		return e.do("POST", "/payments", `{"recipientEmail":"carol@example.com","amount":"`+amount+`"}`, bearer(k.Key)...)
	}
	remaining := func(r resp) money.Micros {
		t.Helper()
		ae := r.apiErr(t)
		if ae.Remaining == nil {
			t.Fatalf("no remaining: %s", r.body)
		}
		return *ae.Remaining
	}
	pay("3").want(t, 201)
	if got := remaining(pay("2.5").want(t, 402, api.CodeSpendLimitExceeded)); got != must(t, "2") {
		t.Fatalf("remaining %s, want 2", got)
	}
	// A batch is refused whole, naming the item that crosses the limit; what is left is unchanged.
	r := e.do("POST", "/transactions/batch", `{"payments":[{"recipientEmail":"carol@example.com","amount":1},
		{"recipientEmail":"carol@example.com","amount":1.5}]}`, bearer(k.Key)...).
		want(t, 402, api.CodeSpendLimitExceeded, "payments[1].amount")
	if got := remaining(r); got != must(t, "2") {
		t.Fatalf("remaining %s, want 2", got)
	}
	// A hold counts.
	var held api.TransactionBody
	e.do("POST", "/transaction/create", `{"senderEmail":"ada@example.com","recipientEmail":"carol@example.com","amount":1.5}`,
		bearer(k.Key)...).want(t, 201).decode(t, &held)
	if got := remaining(pay("1").want(t, 402, api.CodeSpendLimitExceeded)); got != must(t, "0.5") {
		t.Fatalf("remaining %s, want 0.5", got)
	}
	// Confirming it (with the session) does not count it twice.
	e.do("POST", "/transaction/confirm", `{"transactionId":"`+held.Transaction.ID+`"}`, bearer(tok)...).want(t, 200)
	pay("0.5").want(t, 201)
	pay("0.000001").want(t, 402, api.CodeSpendLimitExceeded)
	// The owner's own session is not limited by the key.
	e.do("POST", "/payments", `{"recipientEmail":"carol@example.com","amount":20}`, bearer(tok)...).want(t, 201)
	// A delegation token could draw past the limit: a limited key cannot make one.
	e.do("POST", "/transactions/token", `{"recipientEmail":"carol@example.com"}`, bearer(k.Key)...).want(t, 403, api.CodeForbidden)
	// A key without a limit can.
	free := e.createKey(tok, `{"name":"free","scopes":["pay"]}`)
	e.do("POST", "/transactions/token", `{"recipientEmail":"carol@example.com"}`, bearer(free.Key)...).want(t, 201)
	if ks := e.listKeys(tok); ks[1].ID != k.ID || ks[1].SpentInPeriod != must(t, "5") {
		t.Fatalf("list: %+v", ks)
	}

	// Next month: the period starts afresh.
	_, end := api.PeriodBounds(api.PeriodMonth, e.now())
	e.skew.Add(int64(end.Sub(e.now()) + time.Hour))
	pay("5").want(t, 201)
	pay("0.000001").want(t, 402, api.CodeSpendLimitExceeded)
	if inv, err := e.store.Check(context.Background()); err != nil || !inv.OK() {
		t.Fatalf("invariants: %+v %v", inv, err)
	}
}

// eventsEnv is a service with a real event hub: commits feed it, revocations close its
// connections (as service.Start wires them).
func eventsEnv(t *testing.T) *env {
	t.Helper()
	var e *env
	var h *hub.Hub
	e = newEnv(t, func(c *Config) {
		h = hub.New(hub.Options{Ledger: c.Auth.(ledger.Ledger), Logger: c.Logger})
		c.Events = h.Handler(func(r *http.Request) (hub.Subject, error) {
			account, session, err := e.s.AuthenticateBearer(r)
			return hub.Subject{AccountID: account, SessionID: session}, err
		})
		c.OnRevoke = func(ids []string) {
			for _, id := range ids {
				h.RevokeSession(id)
			}
		}
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	})
	return e
}

// dialEvents opens GET /events with the credentials; it returns the connection, or the refusal.
func (e *env) dialEvents(key string) (*websocket.Conn, *http.Response, error) {
	url := "ws" + strings.TrimPrefix(e.hs.URL, "http") + "/events"
	return websocket.DefaultDialer.Dial(url, http.Header{"Authorization": {"Bearer " + key}})
}

// TestAPIKeyEventStream: a key with the read scope reads events; one without gets 403 before the
// upgrade; revoking a key closes its connections with 4001 and leaves the others open.
func TestAPIKeyEventStream(t *testing.T) {
	e := eventsEnv(t)
	ada := e.newUser("ada@example.com", "10")
	tok := ada.login().AccessToken
	reader := e.createKey(tok, `{"name":"reader","scopes":["read"]}`)
	other := e.createKey(tok, `{"name":"other","scopes":["read","pay"]}`)
	payer := e.createKey(tok, `{"name":"payer","scopes":["pay"]}`)

	_, res, err := e.dialEvents(payer.Key)
	if err == nil || res == nil || res.StatusCode != 403 {
		t.Fatalf("a pay-only key reads events: %v %v", res, err)
	}
	var ae api.Error
	if err := json.NewDecoder(res.Body).Decode(&ae); err != nil || ae.Code != api.CodeForbidden || ae.Scope != api.ScopeRead {
		t.Fatalf("refusal %+v %v", ae, err)
	}

	conns := map[string]*websocket.Conn{}
	for name, k := range map[string]string{"reader": reader.Key, "other": other.Key, "session": tok} {
		c, _, err := e.dialEvents(k)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer c.Close()
		var hello api.Event
		if err := c.ReadJSON(&hello); err != nil || hello.Type != api.EventHello {
			t.Fatalf("%s: hello %+v %v", name, hello, err)
		}
		conns[name] = c
	}

	e.do("DELETE", "/auth/api-keys/"+reader.ID, nil, bearer(tok)...).want(t, 204)
	c := conns["reader"]
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue // frames sent before the close
		}
		if !websocket.IsCloseError(err, api.CloseSessionRevoked) {
			t.Fatalf("closed with %v, want %d", err, api.CloseSessionRevoked)
		}
		break
	}
	// The others stay open: they answer a ping (a close frame would come first).
	errPong := errors.New("pong")
	for _, name := range []string{"other", "session"} {
		c := conns[name]
		c.SetPongHandler(func(string) error { return errPong })
		if err := c.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(10*time.Second)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		for {
			_, _, err := c.ReadMessage()
			if err == nil {
				continue
			}
			if !errors.Is(err, errPong) {
				t.Fatalf("%s: %v", name, err)
			}
			break
		}
	}
	// The revoked key cannot reconnect.
	if _, res, err := e.dialEvents(reader.Key); err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("revoked key reconnects: %v %v", res, err)
	}
}

// TestAPIKeyRevokedWhileAPaymentRuns: a payment that passed authentication before its key was
// revoked still moves nothing: the ledger checks the key again inside the payment's transaction.
func TestAPIKeyRevokedWhileAPaymentRuns(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "10")
	e.newUser("carol@example.com", "")
	tok := ada.login().AccessToken
	k := e.createKey(tok, `{"name":"ci","scopes":["pay"]}`)
	finish := holdPay(e, func() resp {
		return e.do("POST", "/payments", `{"recipientEmail":"carol@example.com","amount":1}`, bearer(k.Key)...)
	})
	// Authenticated, about to reach the ledger.
	e.do("DELETE", "/auth/api-keys/"+k.ID, nil, bearer(tok)...).want(t, 204)
	finish().want(t, 401, api.CodeUnauthenticated)
	if u := ada.info(); u.Balance != must(t, "10") {
		t.Fatalf("a revoked key paid: %+v", u)
	}
}

// TestAPIKeyDelegatedHold: the recipient's key draws on a delegation token: the hold records the
// recipient's key (shown to the recipient only) and does not count against its limit, since the
// money is the sender's.
func TestAPIKeyDelegatedHold(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "10")
	carol := e.newUser("carol@example.com", "")
	var tb api.TokenBody
	ada.do("POST", "/token/create", `{"recipientEmail":"carol@example.com"}`).want(t, 201).decode(t, &tb)
	ctok := carol.login().AccessToken
	k := e.createKey(ctok, `{"name":"app","scopes":["pay"],"spendLimit":{"amount":1,"period":"week"}}`)
	var held api.TransactionBody
	e.do("POST", "/transaction/create", `{"senderEmail":"ada@example.com","recipientEmail":"carol@example.com","amount":3,"token":"`+
		tb.Token+`"}`, bearer(k.Key)...).want(t, 201).decode(t, &held)
	if held.Transaction.CreatedBy != api.PartyRecipient || held.Transaction.APIKeyID == nil || *held.Transaction.APIKeyID != k.ID {
		t.Fatalf("hold: %+v", held.Transaction)
	}
	var seen api.TransactionBody
	r := ada.do("GET", "/payments/"+held.Transaction.ID, nil).want(t, 200)
	r.decode(t, &seen)
	if seen.Transaction.APIKeyID != nil {
		t.Fatalf("the sender sees the recipient's key: %s", r.body)
	}
	if ks := e.listKeys(ctok); ks[0].SpentInPeriod != 0 {
		t.Fatalf("the sender's money counted against the recipient's key: %+v", ks[0])
	}
	e.do("POST", "/transaction/confirm", `{"transactionId":"`+held.Transaction.ID+`"}`, bearer(k.Key)...).want(t, 200)
}
