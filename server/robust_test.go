package server

import (
	"context"
	"encoding/base64"
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
		base64.StdEncoding.EncodeToString([]byte("ada@example.com:" + testPassword)), "Basic ", "Bearer "} {
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
	e.led.blockPay.Store(true)
	done := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/payments", strings.NewReader(`{"recipientEmail":"bob@example.com","amount":1}`))
		req.Header.Set("Authorization", basic(ada.email, ada.pw))
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			close(done)
			return
		}
		done <- r
	}()
	<-e.led.entered
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	e.led.blockPay.Store(false)
	e.led.release <- struct{}{}
	r := <-done
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
	e.led.blockPay.Store(true)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/payments",
			strings.NewReader(`{"recipientEmail":"bob@example.com","amount":1}`))
		req.Header.Set("Authorization", basic(ada.email, ada.pw))
		if r, err := http.DefaultClient.Do(req); err == nil {
			r.Body.Close()
		}
	}()
	<-e.led.entered
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
	e.led.blockPay.Store(false)
	e.led.release <- struct{}{} // let the handler goroutine finish before the ledger closes
}
