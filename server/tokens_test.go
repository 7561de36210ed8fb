package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/testkit"
)

// Issue 13: the three patterns real SyftBox clients use, replayed as the canonical SDK sends them
// (pyClient), and the limits, races and revocation of reusable tokens.

// pyDelegated is DelegatedTransactionCtx's request: the recipient draws amount from sender.
func pyDelegated(sender, recipient, token, amount, app string) string {
	return fmt.Sprintf(`{"senderEmail": %q, "recipientEmail": %q, "amount": %s, "token": %q, "appName": %q, "appEpPath": "/chat"}`,
		sender, recipient, amount, token, app)
}

// pyRace sends the same kind of SDK request from n goroutines released at once (a start barrier)
// over real HTTP, and returns each one's status and decoded body. It never calls t.Fatal off the
// test goroutine.
func pyRace(t *testing.T, c *pyClient, n int, path string, body func(i int) string) ([]int, []map[string]any) {
	t.Helper()
	statuses, bodies := make([]int, n), make([]map[string]any, n)
	testkit.Together(n, func(i int) {
		var err error
		if statuses[i], bodies[i], err = c.send("POST", path, body(i)); err != nil {
			t.Error(err)
		}
	})
	return statuses, bodies
}

// statusCount returns how many of statuses are each status.
func statusCount(statuses []int) map[int]int {
	out := map[int]int{}
	for _, s := range statuses {
		out[s]++
	}
	return out
}

// tokenEnv is a payer (ada, 100.00) and a recipient (bob) who both speak as the SDK does.
func tokenEnv(t *testing.T) (*env, *pyClient, *pyClient) {
	e := newEnv(t)
	e.newUser("ada@openmined.org", "100")
	e.newUser("bob@openmined.org", "")
	ada := &pyClient{t: t, base: e.hs.URL, auth: basic("ada@openmined.org", testPassword)}
	bob := &pyClient{t: t, base: e.hs.URL, auth: basic("bob@openmined.org", testPassword)}
	return e, ada, bob
}

func pyToken(t *testing.T, ada *pyClient, body string) string {
	t.Helper()
	tok, ok := ada.ok("POST", "/token/create", body)["token"].(string)
	if !ok || tok == "" {
		t.Fatal("no token")
	}
	return tok
}

func balanceOf(t *testing.T, c *pyClient) (float64, float64) {
	t.Helper()
	u := pyUser(t, c.ok("GET", "/user/my-info", "")["user"])
	return u["balance"].(float64), u["availableBalance"].(float64)
}

// An aggregator fans one chat out to two endpoints of the same owner, in parallel, each
// redeeming the one token the user's client made for that owner.
func TestSDKOneTokenTwoEndpointsInParallel(t *testing.T) {
	_, ada, bob := tokenEnv(t)
	tok := pyToken(t, ada, `{"recipientEmail": "bob@openmined.org"}`)
	statuses, bodies := pyRace(t, bob, 2, "/transaction/create", func(i int) string {
		return pyDelegated("ada@openmined.org", "bob@openmined.org", tok, "0.5", fmt.Sprintf("endpoint-%d", i))
	})
	if c := statusCount(statuses); c[201] != 2 {
		t.Fatalf("statuses %v: %v", statuses, bodies)
	}
	for _, b := range bodies {
		tx := pyTransaction(t, b["transaction"])
		if tx["status"] != "PENDING" || tx["createdBy"] != "RECIPIENT" {
			t.Fatalf("%v", tx)
		}
		pyTransaction(t, bob.ok("POST", "/transaction/confirm", fmt.Sprintf(`{"transactionId": %q}`, tx["id"]))["transaction"])
	}
	if bal, _ := balanceOf(t, ada); bal != 99 {
		t.Fatalf("ada's balance %v, want 99", bal)
	}
	if bal, _ := balanceOf(t, bob); bal != 1 {
		t.Fatalf("bob's balance %v, want 1", bal)
	}
}

// A router runs several accounting policies on one endpoint with one token: one delegated
// transaction per policy, each confirmed or cancelled by the policy.
func TestSDKPolicyLoopOnOneToken(t *testing.T) {
	_, ada, bob := tokenEnv(t)
	tok := pyToken(t, ada, `{"recipientEmail": "bob@openmined.org"}`)
	policies := []struct {
		name, amount string
		confirm      bool
	}{{"per-request", "0.25", true}, {"per-token", "1.5", true}, {"surcharge", "2.0", false}, {"tip", "0.1", true}}
	for _, p := range policies {
		tx := pyTransaction(t, bob.ok("POST", "/transaction/create",
			pyDelegated("ada@openmined.org", "bob@openmined.org", tok, p.amount, p.name))["transaction"])
		path := "/transaction/cancel"
		if p.confirm {
			path = "/transaction/confirm"
		}
		pyTransaction(t, bob.ok("POST", path, fmt.Sprintf(`{"transactionId": %q}`, tx["id"]))["transaction"])
	}
	if bal, avail := balanceOf(t, ada); bal != 98.15 || avail != 98.15 {
		t.Fatalf("ada: balance %v available %v, want 98.15", bal, avail)
	}
	hist := bob.ok("GET", "/transactions", "")["transactions"].([]any)
	if len(hist) != len(policies) {
		t.Fatalf("%d transactions", len(hist))
	}
}

// The router's free path records a 0.00 delegated transaction; it is confirmed or cancelled as
// usual, moves no money and raises no balance event. Direct payments still need more than zero.
func TestSDKZeroAmountDelegated(t *testing.T) {
	e, ada, bob := tokenEnv(t)
	tok := pyToken(t, ada, `{"recipientEmail": "bob@openmined.org"}`)
	adaAcct := stored(e, e.store.AccountByEmail, "ada@openmined.org")
	seq0, _ := e.store.LatestSeq(context.Background(), adaAcct.ID)
	for _, end := range []string{"confirm", "cancel"} {
		tx := pyTransaction(t, bob.ok("POST", "/transaction/create",
			pyDelegated("ada@openmined.org", "bob@openmined.org", tok, "0.0", "free"))["transaction"])
		if tx["status"] != "PENDING" || tx["amount"].(float64) != 0 {
			t.Fatalf("%v", tx)
		}
		tx = pyTransaction(t, bob.ok("POST", "/transaction/"+end, fmt.Sprintf(`{"transactionId": %q}`, tx["id"]))["transaction"])
		if want := map[string]string{"confirm": "COMPLETED", "cancel": "CANCELLED"}[end]; tx["status"] != want {
			t.Fatalf("%s: %v", end, tx)
		}
	}
	if bal, avail := balanceOf(t, ada); bal != 100 || avail != 100 {
		t.Fatalf("ada: %v %v", bal, avail)
	}
	hist := bob.ok("GET", "/transactions", "")["transactions"].([]any)
	if len(hist) != 2 {
		t.Fatalf("%d transactions", len(hist))
	}
	for _, x := range hist {
		pyTransaction(t, x)
	}
	evs, err := e.store.EventsAfter(context.Background(), adaAcct.ID, seq0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	want := "transaction.pending token.used transaction.completed transaction.pending token.used transaction.cancelled"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("ada's events:\n%s\nwant\n%s", got, want)
	}
	// Zero stays refused everywhere else.
	for _, c := range []struct{ path, body, field string }{
		{"/transaction/create", `{"senderEmail": "ada@openmined.org", "recipientEmail": "bob@openmined.org", "amount": 0.0, "appName": null, "appEpPath": null}`, "amount"},
		{"/payments", `{"recipientEmail": "bob@openmined.org", "amount": 0}`, "amount"},
		{"/transactions/batch", `{"payments": [{"recipientEmail": "bob@openmined.org", "amount": 0}]}`, "payments[0].amount"},
		{"/token/create", `{"recipientEmail": "bob@openmined.org", "maxAmount": 0}`, "maxAmount"},
	} {
		status, out := ada.call("POST", c.path, c.body)
		if status != 400 || out["field"] != c.field {
			t.Errorf("%s: %d %v", c.path, status, out)
		}
	}
	// A zero-amount draw on a token with a maxAmount takes nothing of it.
	capped := pyToken(t, ada, `{"recipientEmail": "bob@openmined.org", "maxAmount": 1}`)
	bob.ok("POST", "/transaction/create", pyDelegated("ada@openmined.org", "bob@openmined.org", capped, "0", "free"))
	bob.ok("POST", "/transaction/create", pyDelegated("ada@openmined.org", "bob@openmined.org", capped, "1", "paid"))
}

// Clients page with skip; it is offset under another name, on both list paths.
func TestSDKSkipPaging(t *testing.T) {
	_, ada, _ := tokenEnv(t)
	for i := 1; i <= 5; i++ {
		ada.ok("POST", "/payments", fmt.Sprintf(`{"recipientEmail": "bob@openmined.org", "amount": %d}`, i))
	}
	ids := func(path string) []string {
		var out []string
		for _, x := range ada.ok("GET", path, "")["transactions"].([]any) {
			out = append(out, pyTransaction(t, x)["id"].(string))
		}
		return out
	}
	all := ids("/transactions")
	if len(all) != 6 { // 5 payments and the add-balance
		t.Fatalf("%d transactions", len(all))
	}
	for _, base := range []string{"/transactions", "/transaction/history"} {
		p1, p2, p3 := ids(base+"?skip=0&limit=2"), ids(base+"?skip=2&limit=2"), ids(base+"?skip=4&limit=2")
		got := strings.Join(append(append(p1, p2...), p3...), ",")
		if got != strings.Join(all, ",") {
			t.Fatalf("%s: pages by skip\n%s\nwant\n%s", base, got, strings.Join(all, ","))
		}
		if got := ids(base + "?skip=5"); len(got) != 1 || got[0] != all[5] {
			t.Fatalf("%s?skip=5: %v", base, got)
		}
		if got := ids(base + "?skip=3&offset=3&limit=1"); len(got) != 1 || got[0] != all[3] {
			t.Fatalf("%s: skip and offset alike: %v", base, got)
		}
		for q, field := range map[string]string{"?skip=-1": "skip", "?skip=x": "skip", "?skip=2&offset=3": "skip", "?offset=2&skip=x": "skip"} {
			status, out := ada.call("GET", base+q, "")
			if status != 400 || out["field"] != field {
				t.Errorf("%s%s: %d %v", base, q, status, out)
			}
		}
	}
}

// Fifty redemptions of one token at once, over a maxAmount and over a maxUses: exactly the limit
// is taken, the rest is 409, and nothing more is held.
func TestTokenLimitRaces(t *testing.T) {
	const n = 50
	for _, c := range []struct {
		name, limits string
		wantOK       int
	}{
		{"maxAmount", `"maxAmount": 10`, 10}, // 50 draws of 1.00 against 10.00
		{"maxUses", `"maxUses": 7`, 7},
		{"both", `"maxAmount": 10, "maxUses": 12`, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, ada, bob := tokenEnv(t)
			tok := pyToken(t, ada, `{"recipientEmail": "bob@openmined.org", `+c.limits+`}`)
			statuses, bodies := pyRace(t, bob, n, "/transaction/create", func(i int) string {
				return pyDelegated("ada@openmined.org", "bob@openmined.org", tok, "1.0", fmt.Sprintf("call-%d", i))
			})
			got := statusCount(statuses)
			if got[201] != c.wantOK || got[409] != n-c.wantOK {
				t.Fatalf("statuses %v", got)
			}
			for i, s := range statuses {
				if s == 409 && (bodies[i]["code"] != api.CodeConflict || bodies[i]["message"] == "") {
					t.Fatalf("%v", bodies[i])
				}
			}
			if _, avail := balanceOf(t, ada); avail != float64(100-c.wantOK) {
				t.Fatalf("available %v", avail)
			}
			list := listTokens(t, e, "ada@openmined.org")
			if len(list) != 1 || list[0].UsedCount != int64(c.wantOK) || int64(list[0].UsedAmount) != 1_000_000*int64(c.wantOK) ||
				list[0].State != api.TokenUsedUp {
				t.Fatalf("%+v", list)
			}
			if inv, err := e.store.Check(context.Background()); err != nil || !inv.OK() {
				t.Fatalf("%+v %v", inv, err)
			}
			// A cancelled draw gives its amount back, never its use.
			var first string
			for _, b := range bodies {
				if b["transaction"] != nil {
					first = b["transaction"].(map[string]any)["id"].(string)
					break
				}
			}
			bob.ok("POST", "/transaction/cancel", fmt.Sprintf(`{"transactionId": %q}`, first))
			status, _ := bob.call("POST", "/transaction/create", pyDelegated("ada@openmined.org", "bob@openmined.org", tok, "1.0", "again"))
			if want := map[string]int{"maxAmount": 201, "maxUses": 409, "both": 201}[c.name]; status != want {
				t.Fatalf("after a cancel: %d, want %d", status, want)
			}
		})
	}
}

// listTokens is GET /transactions/tokens as the payer.
func listTokens(t *testing.T, e *env, email string) []api.TokenInfo {
	t.Helper()
	r := e.do("GET", "/transactions/tokens", nil, "Authorization", basic(email, testPassword)).want(t, 200)
	var b api.TokensBody
	r.decode(t, &b)
	return b.Tokens
}

// A revoked token refuses its next redemption with 409 and says why; what it already held stays
// held and can still be confirmed. The payer hears token.created, token.used and token.revoked.
func TestTokenRevocation(t *testing.T) {
	e, ada, bob := tokenEnv(t)
	ctx := context.Background()
	adaAcct, _ := e.store.AccountByEmail(ctx, "ada@openmined.org")
	seq0, _ := e.store.LatestSeq(ctx, adaAcct.ID)
	var created api.TokenBody
	r := e.do("POST", "/transactions/token", `{"recipientEmail":"bob@openmined.org","maxAmount":"20.00","maxUses":5,"expiresIn":3600}`,
		"Authorization", basic("ada@openmined.org", testPassword)).want(t, 201)
	r.decode(t, &created)
	info := created.TokenInfo
	if info == nil || info.State != api.TokenActive || *info.MaxAmount != 20_000_000 || *info.MaxUses != 5 ||
		info.RecipientEmail != "bob@openmined.org" || info.SenderEmail != "ada@openmined.org" {
		t.Fatalf("%s", r.body)
	}
	if d := info.ExpiresAt.Sub(e.now()); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("expires in %v", d)
	}
	held := pyTransaction(t, bob.ok("POST", "/transaction/create",
		pyDelegated("ada@openmined.org", "bob@openmined.org", created.Token, "3", "chat"))["transaction"])

	// Only ada may revoke it; bob (its recipient) and unknown ids get 404.
	status, _ := bob.call("POST", "/transactions/tokens/"+info.ID+"/revoke", "")
	if status != 404 {
		t.Fatalf("bob revokes: %d", status)
	}
	if status, _ := ada.call("POST", "/transactions/tokens/nope/revoke", ""); status != 404 {
		t.Fatalf("unknown id: %d", status)
	}
	rev := ada.ok("POST", "/transactions/tokens/"+info.ID+"/revoke", "")["token"].(map[string]any)
	if rev["state"] != api.TokenRevoked || rev["revokedAt"] == nil || rev["usedCount"].(float64) != 1 || rev["usedAmount"].(float64) != 3 {
		t.Fatalf("%v", rev)
	}
	again := ada.ok("POST", "/transactions/tokens/"+info.ID+"/revoke", "")["token"].(map[string]any)
	if again["revokedAt"] != rev["revokedAt"] {
		t.Fatalf("second revoke changed it: %v", again)
	}

	status, out := bob.call("POST", "/transaction/create", pyDelegated("ada@openmined.org", "bob@openmined.org", created.Token, "1", "chat"))
	if status != 409 || out["code"] != api.CodeConflict || !strings.Contains(out["message"].(string), "revoked") {
		t.Fatalf("after revoke: %d %v", status, out)
	}
	done := pyTransaction(t, bob.ok("POST", "/transaction/confirm", fmt.Sprintf(`{"transactionId": %q}`, held["id"]))["transaction"])
	if done["status"] != "COMPLETED" {
		t.Fatalf("%v", done)
	}
	if bal, _ := balanceOf(t, bob); bal != 3 {
		t.Fatalf("bob %v", bal)
	}

	// The list shows it, never the token itself.
	lr := e.do("GET", "/transactions/tokens", nil, "Authorization", basic("ada@openmined.org", testPassword)).want(t, 200)
	if strings.Contains(string(lr.body), created.Token) || strings.Contains(string(lr.body), strings.Split(created.Token, ".")[2]) {
		t.Fatalf("the list shows the token: %s", lr.body)
	}
	var lb api.TokensBody
	lr.decode(t, &lb)
	if len(lb.Tokens) != 1 || lb.Tokens[0].State != api.TokenRevoked || lb.Tokens[0].UsedCount != 1 {
		t.Fatalf("%s", lr.body)
	}
	if got := listTokens(t, e, "bob@openmined.org"); len(got) != 0 {
		t.Fatalf("bob lists ada's token: %+v", got)
	}

	evs, err := e.store.EventsAfter(ctx, adaAcct.ID, seq0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
		if strings.Contains(string(ev.Data), created.Token) {
			t.Fatalf("event %s carries the token", ev.Type)
		}
	}
	want := "token.created transaction.pending balance.updated token.used token.revoked transaction.completed balance.updated"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("ada's events:\n%s\nwant\n%s", got, want)
	}
	// A token refusal does not consume an idempotency key: the same key then works with a good token.
	keyed := func(tok string) resp {
		return e.do("POST", "/transaction/create", pyDelegated("ada@openmined.org", "bob@openmined.org", tok, "1", "chat"),
			"Authorization", basic("bob@openmined.org", testPassword), api.HeaderIdempotencyKey, "policy-1")
	}
	keyed(created.Token).want(t, 409, api.CodeConflict)
	keyed(pyToken(t, ada, `{"recipientEmail": "bob@openmined.org"}`)).want(t, 201)
}

// The limits of a creation are checked like every field; old clients' bodies still work.
func TestTokenCreateLimits(t *testing.T) {
	e, ada, bob := tokenEnv(t)
	for body, field := range map[string]string{
		`{"recipientEmail":"bob@openmined.org","maxAmount":-1}`:          "maxAmount",
		`{"recipientEmail":"bob@openmined.org","maxAmount":"1.1234567"}`: "maxAmount",
		`{"recipientEmail":"bob@openmined.org","maxAmount":"x"}`:         "maxAmount",
		`{"recipientEmail":"bob@openmined.org","maxUses":0}`:             "maxUses",
		`{"recipientEmail":"bob@openmined.org","maxUses":1.5}`:           "maxUses",
		`{"recipientEmail":"bob@openmined.org","maxUses":1000001}`:       "maxUses",
		`{"recipientEmail":"bob@openmined.org","expiresIn":0}`:           "expiresIn",
		`{"recipientEmail":"bob@openmined.org","expiresIn":86401}`:       "expiresIn",
		`{"recipientEmail":"bob@openmined.org","expiresIn":"1h"}`:        "expiresIn",
		`{"recipientEmail":"nobody@openmined.org","maxUses":1}`:          "recipientEmail",
	} {
		status, out := ada.call("POST", "/token/create", body)
		if status != 400 || out["field"] != field {
			t.Errorf("%s: %d %v", body, status, out)
		}
	}
	if got := listTokens(t, e, "ada@openmined.org"); len(got) != 0 {
		t.Fatalf("refused creations recorded tokens: %+v", got)
	}
	// nulls are "no limit", as the SDK's None.
	tok := pyToken(t, ada, `{"recipientEmail": "bob@openmined.org", "maxAmount": null, "maxUses": null, "expiresIn": null}`)
	bob.ok("POST", "/transaction/create", pyDelegated("ada@openmined.org", "bob@openmined.org", tok, "60", "big"))
	bob.ok("POST", "/transaction/create", pyDelegated("ada@openmined.org", "bob@openmined.org", tok, "40", "big"))
	// expiresIn shortens the token's life: after it, the token is expired (400 on token).
	short := pyToken(t, ada, `{"recipientEmail": "bob@openmined.org", "expiresIn": 60}`)
	e.skew.Store(int64(2 * time.Minute))
	status, out := bob.call("POST", "/transaction/create", pyDelegated("ada@openmined.org", "bob@openmined.org", short, "0", "late"))
	if status != 400 || out["field"] != "token" {
		t.Fatalf("expired: %d %v", status, out)
	}
	list := listTokens(t, e, "ada@openmined.org")
	if len(list) != 2 || list[0].State != api.TokenExpired || list[1].State != api.TokenActive || list[1].MaxAmount != nil {
		t.Fatalf("%+v", list)
	}
}
