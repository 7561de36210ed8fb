package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// Bad input of every kind, on every endpoint that reads a body, gets its documented status and a
// JSON error, and leaves the ledger exactly as it was.
func TestBadInputLeavesLedgerUnchanged(t *testing.T) {
	e := newEnv(t)
	ada, bob := e.payerAndPayee("10")
	tx := txOf(t, ada.do("POST", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":1}`).want(t, 201))
	_ = bob

	huge := `{"recipientEmail":"bob@example.com","amount":1,"memo":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`
	endpoints := []struct {
		method, path string
		admin        bool
	}{
		{"POST", "/user/create", false},
		{"PUT", "/user/update-password", false},
		{"PUT", "/user/update-organization", false},
		{"POST", "/transaction/create", false},
		{"POST", "/transaction/confirm", false},
		{"POST", "/transaction/cancel", false},
		{"POST", "/token/create", false},
		{"POST", "/transactions/token", false},
		{"POST", "/payments", false},
		{"POST", "/transactions/batch", false},
		{"POST", "/user/add-balance", true},
	}
	bodies := []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"malformed", `{"recipientEmail":`, 400, api.CodeInvalidRequest, ""},
		{"not json", `recipientEmail=bob`, 400, api.CodeInvalidRequest, ""},
		{"array", `[1,2]`, 400, api.CodeInvalidRequest, ""},
		{"trailing", `{} {}`, 400, api.CodeInvalidRequest, ""},
		{"empty", ``, 400, api.CodeInvalidRequest, ""},
		{"too large", huge, 413, api.CodeTooLarge, ""},
	}
	before := e.snapshot()
	for _, ep := range endpoints {
		for _, b := range bodies {
			hdr := ada.auth()
			if ep.admin {
				hdr = []string{"Authorization", "Bearer " + testAdminKey}
			}
			r := e.do(ep.method, ep.path, b.body, hdr...)
			if r.status != b.status || r.apiErr(t).Code != b.code {
				t.Errorf("%s %s %s: %d %s", ep.method, ep.path, b.name, r.status, r.body)
			}
		}
	}
	// Wrong types name the field.
	for path, body := range map[string]string{
		"/transaction/confirm": `{"transactionId":["x"]}`,
		"/transaction/cancel":  `{"transactionId":12}`,
		"/token/create":        `{"recipientEmail":{}}`,
		"/transaction/create":  `{"recipientEmail":"bob@example.com","amount":1,"token":9}`,
		"/transactions/batch":  `{"payments":[{"recipientEmail":"bob@example.com","amount":1,"memo":false}]}`,
		"/payments":            `{"recipientEmail":"bob@example.com","amount":true}`,
		"/user/create":         `{"email":"x@example.com","password":123456789}`,
	} {
		r := ada.do("POST", path, body)
		if r.status != 400 || r.apiErr(t).Field == "" {
			t.Errorf("%s %s: %d %s", path, body, r.status, r.body)
		}
	}
	e.do("GET", "/user/my-info", nil, "Authorization", basic("ada@example.com", "nope-nope")).want(t, 401)
	e.do("PATCH", "/payments", `{}`, ada.auth()...).want(t, 405)
	e.do("GET", "/payments/", nil, ada.auth()...).want(t, 404)
	e.unchanged(before, "ledger changed")
	// The pending transaction is still pending and resolvable.
	ada.do("POST", "/transaction/cancel", map[string]string{"transactionId": tx.ID}).want(t, 200)
}

// TestOtherCurrencyRefusedEverywhere: every request that names an amount and another currency
// than the deployment's is 400 unsupported_currency naming the field, moves nothing and leaves its
// idempotency key unused (issue 11, item 4).
func TestOtherCurrencyRefusedEverywhere(t *testing.T) {
	e := newEnv(t)
	ada, _ := e.payerAndPayee("100")
	batch := func(top string, items ...string) string {
		var ps []string
		for i := 0; i < 5; i++ {
			cur := ""
			if i < len(items) && items[i] != "" {
				cur = `,"currency":` + items[i]
			}
			ps = append(ps, `{"recipientEmail":"bob@example.com","amount":1`+cur+`}`)
		}
		b := `{"payments":[` + strings.Join(ps, ",") + `]`
		if top != "" {
			b += `,"currency":` + top
		}
		return b + "}"
	}
	type call struct {
		name, path, body, field string
		admin                   bool
	}
	refused := []call{
		{"create", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":1,"currency":"EUR"}`, "currency", false},
		{"create delegated", "/transaction/create", `{"senderEmail":"bob@example.com","amount":1,"token":"x","currency":"eur"}`, "currency", false},
		{"add-balance", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":1,"currency":"EUR"}`, "currency", true},
		{"payment", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":"EUR"}`, "currency", false},
		{"payment, spaces", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":" USD"}`, "currency", false},
		{"batch", "/transactions/batch", batch(`"EUR"`), "currency", false},
		{"batch item", "/transactions/batch", batch("", `"USD"`, "", "", `"EUR"`), "payments[3].currency", false},
		{"batch item under USD", "/transactions/batch", batch(`"USD"`, "", "", "", `"GBP"`), "payments[3].currency", false},
	}
	before := e.snapshot()
	for i, c := range refused {
		key := fmt.Sprint("currency-key-", i)
		var r resp
		if c.admin {
			r = e.do("POST", c.path, c.body, "Authorization", "Bearer "+testAdminKey)
		} else {
			r = ada.do("POST", c.path, c.body, api.HeaderIdempotencyKey, key)
		}
		if r.status != 400 {
			t.Errorf("%s: status %d: %s", c.name, r.status, r.body)
			continue
		}
		if ae := r.apiErr(t); ae.Code != api.CodeUnsupportedCurrency || ae.Field != c.field ||
			!strings.Contains(ae.Message, "USD") || strings.Contains(ae.Message, "EUR") {
			t.Errorf("%s: %+v", c.name, ae)
		}
	}
	e.unchanged(before, "a refused currency moved money")

	// The deployment's currency in any letter case, absent, null or empty is accepted; the keys
	// of the refused requests were not consumed.
	accepted := []call{
		{"create", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":1,"currency":"usd"}`, "", false},
		{"add-balance", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":1,"currency":"USD"}`, "", true},
		{"payment", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":"Usd"}`, "", false},
		{"payment, null", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":null}`, "", false},
		{"batch", "/transactions/batch", batch(`"usd"`, `"USD"`, `""`, `null`, `"usd"`), "", false},
		{"batch, none", "/transactions/batch", batch(""), "", false},
	}
	for i, c := range accepted {
		var r resp
		if c.admin {
			r = e.do("POST", c.path, c.body, "Authorization", "Bearer "+testAdminKey)
		} else {
			r = ada.do("POST", c.path, c.body, api.HeaderIdempotencyKey, fmt.Sprint("currency-key-", i))
		}
		if r.status != 200 && r.status != 201 {
			t.Errorf("%s: status %d: %s", c.name, r.status, r.body)
		}
		if r.header.Get(api.HeaderReplayed) != "" {
			t.Errorf("%s: replayed a refused request's key", c.name)
		}
	}
}

// TestCurrencyIsTheDeployments: the rule follows the configured currency, not a fixed USD.
func TestCurrencyIsTheDeployments(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Currency = "eur" })
	ada, _ := e.payerAndPayee("10")
	r := ada.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":"USD"}`).
		want(t, 400, api.CodeUnsupportedCurrency, "currency")
	if ae := r.apiErr(t); !strings.Contains(ae.Message, "EUR") {
		t.Fatalf("message does not name the deployment's currency: %s", r.body)
	}
	var tb api.TransactionBody
	ada.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":"eur"}`).
		want(t, 201).decode(t, &tb)
	if tb.Transaction.Currency != "EUR" {
		t.Fatalf("currency %q", tb.Transaction.Currency)
	}
}

func TestCheckCurrency(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		in *string
		ok bool
	}{
		{nil, true}, {s(""), true}, {s("USD"), true}, {s("usd"), true}, {s("uSd"), true},
		{s("EUR"), false}, {s(" USD"), false}, {s("USD "), false}, {s("US"), false}, {s("USDT"), false},
		{s("ＵＳＤ"), false}, // full-width letters are not ASCII case of USD
	} {
		e := api.CheckCurrency("payments[0].currency", c.in, "USD")
		if (e == nil) != c.ok {
			t.Errorf("%v: %v", c.in, e)
		}
		if e != nil {
			b, _ := json.Marshal(e)
			if e.Code != api.CodeUnsupportedCurrency || e.Field != "payments[0].currency" {
				t.Errorf("%s", b)
			}
		}
	}
}

func TestPanicIsRecovered(t *testing.T) {
	e := newEnv(t)
	e.led.panicAll.Store(true)
	e.admin("GET", "/users", nil).want(t, 500, api.CodeInternal)
	logs := e.logs.String()
	if !strings.Contains(logs, "panic serving request") || !strings.Contains(logs, "goroutine") {
		t.Fatalf("panic not logged:\n%s", logs)
	}
	e.led.panicAll.Store(false)
	e.admin("GET", "/users", nil).want(t, 200)
}

func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	ada, _ := e.payerAndPayee("10")
	var gen api.CreateUserResponse
	e.do("POST", "/user/create", `{"email":"carol@example.com"}`).want(t, 201).decode(t, &gen)
	var tb api.TokenBody
	ada.do("POST", "/token/create", `{"recipientEmail":"bob@example.com"}`).want(t, 201).decode(t, &tb)
	ada.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"memo":"memo-text-secret"}`,
		api.HeaderIdempotencyKey, "key-text-secret").want(t, 201)
	ada.do("PUT", "/user/update-password", `{"oldPassword":"`+testPassword+`","newPassword":"new password secret"}`).want(t, 200)
	e.do("GET", "/user/my-info", nil, "Authorization", basic("ada@example.com", "wrong password secret")).want(t, 401)

	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"POST /payments"`) || !strings.Contains(logs, `"status":201`) ||
		!strings.Contains(logs, `"requestId"`) || !strings.Contains(logs, `"duration"`) {
		t.Fatalf("request log incomplete:\n%s", logs)
	}
	for _, secret := range []string{testPassword, "new password secret", "wrong password secret", *gen.Password,
		tb.Token, tb.Token[strings.LastIndexByte(tb.Token, '.')+1:], testAdminKey, "memo-text-secret", "key-text-secret",
		strings.TrimPrefix(basic(ada.email, testPassword), "Basic "), "Basic ", "Bearer "} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds %q", secret)
		}
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	e := newEnv(t)
	ada, _ := e.payerAndPayee("10")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, served := e.serveLoopback(ctx)
	base := "http://" + addr

	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%v %v", res, err)
	}
	res.Body.Close()

	// A payment is in flight when the service is told to stop: it still completes.
	finish := holdPay(e, func() *http.Response {
		req, _ := newRequest("POST", base+"/payments", `{"recipientEmail":"bob@example.com","amount":1}`, ada.auth()...)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		return r
	})
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	r := finish()
	if r == nil {
		t.Fatal("in-flight request failed")
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 201 {
		t.Fatalf("%d %s", r.StatusCode, b)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("still accepting connections")
	}
}

func TestServeGraceIsBounded(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ShutdownGrace = 200 * time.Millisecond })
	ada, _ := e.payerAndPayee("10")
	ctx, cancel := context.WithCancel(context.Background())
	addr, served := e.serveLoopback(ctx)
	finish := holdPay(e, func() error {
		req, _ := newRequest("POST", "http://"+addr+"/payments", `{"recipientEmail":"bob@example.com","amount":1}`, ada.auth()...)
		r, err := http.DefaultClient.Do(req)
		if err == nil {
			r.Body.Close()
		}
		return err
	})
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err == nil {
			t.Fatal("a cut-off shutdown reported success")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %s", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the grace period")
	}
	finish() // let the handler goroutine finish before the ledger closes
}

// TestNetHTTPRefusalsAreJSON: the requests that net/http answers by itself, before any handler
// runs, get the contract's JSON error with X-Request-Id too, over Serve's real listener; a
// well-formed request on the same kind of connection is untouched, and so is "OPTIONS *".
func TestNetHTTPRefusalsAreJSON(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := e.serveLoopback(ctx)
	t.Cleanup(func() { cancel(); <-done })
	raw := func(req string) (*http.Response, []byte) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%.40q: %v", req, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, b
	}
	cases := []struct {
		name, req string
		status    int
		code      string
	}{
		{"malformed request line", "GARBAGE\r\n\r\n", 400, api.CodeInvalidRequest},
		{"header without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400, api.CodeInvalidRequest},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, api.CodeInvalidRequest},
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", 431, api.CodeTooLarge},
		{"HTTP/2.0 request line", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, api.CodeInvalidRequest},
		{"unknown transfer coding", "POST /auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, api.CodeInvalidRequest},
		{"unknown expectation", "POST /auth/login HTTP/1.1\r\nHost: x\r\nExpect: magic\r\nContent-Length: 2\r\n\r\n{}", 417, api.CodeInvalidRequest},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 404, api.CodeNotFound},
	}
	for _, c := range cases {
		res, b := raw(c.req)
		var ae api.Error
		if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
			json.Unmarshal(b, &ae) != nil || ae.Code != c.code || ae.Message == "" || res.Header.Get(api.HeaderRequestID) == "" {
			t.Errorf("%s: %d %q %q %q; want %d JSON %s with a request id", c.name, res.StatusCode, res.Header.Get("Content-Type"),
				res.Header.Get(api.HeaderRequestID), b, c.status, c.code)
		}
	}
	res, b := raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if res.StatusCode != 200 || string(b) != "{\"status\":\"ok\"}\n" {
		t.Fatalf("healthz through the same listener: %d %q", res.StatusCode, b)
	}
}
