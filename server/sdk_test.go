package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// pyClient sends requests exactly as the canonical Python SDK (syft-accounting-sdk, on top of
// requests) does: json= bodies as Python's json.dumps writes them (", " and ": " separators,
// None as null, floats as 100.0), a Basic session auth on every UserClient call, the admin key as
// a Bearer header on every AdminClient call, and requests' default headers.
type pyClient struct {
	t    *testing.T
	base string
	auth string // the Authorization header, or ""
}

// call returns status and the decoded JSON, as response.json() would; every response must be
// JSON, errors included (the SDK raises ServiceException(status, response.json())).
func (c *pyClient) call(method, path, jsonBody string) (int, map[string]any) {
	c.t.Helper()
	status, out, err := c.send(method, path, jsonBody)
	if err != nil {
		c.t.Fatal(err)
	}
	return status, out
}

// send is call for goroutines: no t.Fatal, the error is returned.
func (c *pyClient) send(method, path, jsonBody string) (int, map[string]any, error) {
	var rd io.Reader
	if jsonBody != "" {
		rd = strings.NewReader(jsonBody)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", "python-requests/2.32.3")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Connection", "keep-alive")
	if jsonBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return res.StatusCode, nil, fmt.Errorf("%s %s: response.json() fails: %w", method, path, err)
	}
	return res.StatusCode, out, nil
}

// ok is `if not response.ok: raise ServiceException(...)`.
func (c *pyClient) ok(method, path, jsonBody string) map[string]any {
	c.t.Helper()
	status, out := c.call(method, path, jsonBody)
	if status >= 400 {
		c.t.Fatalf("ServiceException: Error %d: %v", status, out)
	}
	return out
}

var (
	wireTime  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	emailLike = regexp.MustCompile(`^[a-z0-9.+_-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$`)
)

// pyUser is pydantic's User(**data): id str, email EmailStr, balance float >= 0.
func pyUser(t *testing.T, v any) map[string]any {
	t.Helper()
	u, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("user is %T", v)
	}
	if id, ok := u["id"].(string); !ok || id == "" {
		t.Fatalf("user.id %v", u["id"])
	}
	if e, ok := u["email"].(string); !ok || !emailLike.MatchString(e) {
		t.Fatalf("user.email %v", u["email"])
	}
	if b, ok := u["balance"].(float64); !ok || b < 0 {
		t.Fatalf("user.balance %v", u["balance"])
	}
	return u
}

// pyTransaction is pydantic's Transaction(**data).
func pyTransaction(t *testing.T, v any) map[string]any {
	t.Helper()
	x, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("transaction is %T", v)
	}
	in := func(v any, allowed ...string) bool {
		s, ok := v.(string)
		for _, a := range allowed {
			if ok && s == a {
				return true
			}
		}
		return false
	}
	if id, ok := x["id"].(string); !ok || id == "" {
		t.Fatalf("id %v", x["id"])
	}
	for _, k := range []string{"senderEmail", "recipientEmail"} {
		if e, ok := x[k].(string); !ok || !emailLike.MatchString(e) {
			t.Fatalf("%s %v", k, x[k])
		}
	}
	if !in(x["createdBy"], "SYSTEM", "SENDER", "RECIPIENT") {
		t.Fatalf("createdBy %v", x["createdBy"])
	}
	if x["resolvedBy"] != nil && !in(x["resolvedBy"], "SYSTEM", "SENDER", "RECIPIENT") {
		t.Fatalf("resolvedBy %v", x["resolvedBy"])
	}
	if a, ok := x["amount"].(float64); !ok || a < 0 { // 0.0: a free call recorded (issue 13)
		t.Fatalf("amount %v", x["amount"])
	}
	if !in(x["status"], "PENDING", "COMPLETED", "CANCELLED") {
		t.Fatalf("status %v", x["status"])
	}
	if s, ok := x["createdAt"].(string); !ok || !wireTime.MatchString(s) {
		t.Fatalf("createdAt %v", x["createdAt"])
	}
	if x["resolvedAt"] != nil {
		if s, ok := x["resolvedAt"].(string); !ok || !wireTime.MatchString(s) {
			t.Fatalf("resolvedAt %v", x["resolvedAt"])
		}
	}
	for _, k := range []string{"resolvedBy", "resolvedAt", "appName", "appEpPath"} {
		if _, ok := x[k]; !ok {
			t.Fatalf("%s missing", k)
		}
	}
	return x
}

func TestPythonSDKCompatibility(t *testing.T) {
	e := newEnv(t)
	base := e.hs.URL
	admin := &pyClient{t: t, base: base, auth: "Bearer " + testAdminKey}

	// AdminClient.create_user(email=..., organization=..., password=None)
	out := admin.ok("POST", "/user/create", `{"email": "ada@openmined.org", "password": null, "organization": "OpenMined"}`)
	pyUser(t, out["user"])
	adaPw, ok := out["password"].(string) // password or data["password"]
	if !ok || adaPw == "" {
		t.Fatalf("no generated password: %v", out)
	}
	// UserClient.create_user(url=..., email=..., organization=..., password="...") (no auth)
	anon := &pyClient{t: t, base: base}
	status, out := anon.call("POST", "/user/create", `{"email": "bob@openmined.org", "password": "bobs-password-1", "organization": "OpenMined"}`)
	if status != 201 || out["password"] != nil {
		t.Fatalf("%d %v", status, out)
	}
	pyUser(t, out["user"])
	// The old SDK sends no organization at all.
	anon.ok("POST", "/user/create", `{"email": "carol@openmined.org", "password": null}`)

	// AdminClient.add_balance(email=..., amount=100.0)
	u := pyUser(t, admin.ok("POST", "/user/add-balance", `{"recipientEmail": "ada@openmined.org", "amount": 100.0}`)["user"])
	if u["balance"].(float64) != 100 {
		t.Fatalf("%v", u)
	}
	pyUser(t, admin.ok("GET", "/user/ada@openmined.org", "")["user"])
	users := admin.ok("GET", "/users", "")["users"].([]any)
	if len(users) != 3 {
		t.Fatalf("%d users", len(users))
	}
	for _, x := range users {
		pyUser(t, x)
	}

	ada := &pyClient{t: t, base: base, auth: basic("ada@openmined.org", adaPw)}
	bob := &pyClient{t: t, base: base, auth: basic("bob@openmined.org", "bobs-password-1")}
	pyUser(t, ada.ok("GET", "/user/my-info", "")["user"])

	// TransactionCtx: create, then confirm.
	tx := pyTransaction(t, ada.ok("POST", "/transaction/create",
		`{"senderEmail": "ada@openmined.org", "recipientEmail": "bob@openmined.org", "amount": 12.5, "appName": null, "appEpPath": null}`)["transaction"])
	if tx["status"] != "PENDING" || tx["createdBy"] != "SENDER" || tx["amount"].(float64) != 12.5 {
		t.Fatalf("%v", tx)
	}
	tx = pyTransaction(t, ada.ok("POST", "/transaction/confirm", fmt.Sprintf(`{"transactionId": %q}`, tx["id"]))["transaction"])
	if tx["status"] != "COMPLETED" || tx["resolvedBy"] != "SENDER" {
		t.Fatalf("%v", tx)
	}
	// A TransactionCtx left unconfirmed is cancelled on exit.
	tx = pyTransaction(t, ada.ok("POST", "/transaction/create",
		`{"senderEmail": "ada@openmined.org", "recipientEmail": "bob@openmined.org", "amount": 0.1, "appName": "weather", "appEpPath": "/forecast"}`)["transaction"])
	tx = pyTransaction(t, ada.ok("POST", "/transaction/cancel", fmt.Sprintf(`{"transactionId": %q}`, tx["id"]))["transaction"])
	if tx["status"] != "CANCELLED" {
		t.Fatalf("%v", tx)
	}

	// create_transaction_token, then the recipient's DelegatedTransactionCtx.
	tok, ok := ada.ok("POST", "/token/create", `{"recipientEmail": "bob@openmined.org"}`)["token"].(string)
	if !ok || tok == "" {
		t.Fatal("no token")
	}
	tx = pyTransaction(t, bob.ok("POST", "/transaction/create", fmt.Sprintf(
		`{"senderEmail": "ada@openmined.org", "recipientEmail": "bob@openmined.org", "amount": 1.25, "token": %q, "appName": "weather", "appEpPath": "/forecast"}`, tok))["transaction"])
	if tx["createdBy"] != "RECIPIENT" || tx["appName"] != "weather" || tx["appEpPath"] != "/forecast" {
		t.Fatalf("%v", tx)
	}
	pyTransaction(t, bob.ok("POST", "/transaction/confirm", fmt.Sprintf(`{"transactionId": %q}`, tx["id"]))["transaction"])

	// get_transaction_history
	hist := ada.ok("GET", "/transactions", "")["transactions"].([]any)
	if len(hist) != 4 {
		t.Fatalf("%d transactions", len(hist))
	}
	for _, x := range hist {
		pyTransaction(t, x)
	}
	if u := pyUser(t, ada.ok("GET", "/user/my-info", "")["user"]); u["balance"].(float64) != 86.25 {
		t.Fatalf("%v", u)
	}

	// update_organization, update_password
	u = pyUser(t, ada.ok("PUT", "/user/update-organization", `{"organization": "Syft"}`)["user"])
	if u["organization"] != "Syft" {
		t.Fatalf("%v", u)
	}
	pyUser(t, ada.ok("PUT", "/user/update-password", fmt.Sprintf(`{"oldPassword": %q, "newPassword": "ada-new-password"}`, adaPw))["user"])
	status, out = ada.call("GET", "/user/my-info", "")
	if status != 401 || out["message"] == nil {
		t.Fatalf("old password: %d %v", status, out)
	}
	ada.auth = basic("ada@openmined.org", "ada-new-password")
	pyUser(t, ada.ok("GET", "/user/my-info", "")["user"])

	// Failures come back as JSON with a message, as ServiceException shows them.
	for _, c := range []struct {
		cl           *pyClient
		method, path string
		body         string
		status       int
	}{
		{bob, "POST", "/transaction/create", `{"senderEmail": "bob@openmined.org", "recipientEmail": "ada@openmined.org", "amount": 1000.0, "appName": null, "appEpPath": null}`, 402},
		{bob, "POST", "/transaction/create", fmt.Sprintf(`{"senderEmail": "ada@openmined.org", "recipientEmail": "bob@openmined.org", "amount": 1000.0, "token": %q, "appName": null, "appEpPath": null}`, tok), 402},
		{anon, "POST", "/user/create", `{"email": "bob@openmined.org", "password": null, "organization": "x"}`, 409},
		{&pyClient{t: t, base: base, auth: basic("bob@openmined.org", "wrong")}, "GET", "/user/my-info", "", 401},
		{&pyClient{t: t, base: base, auth: "Bearer wrong"}, "GET", "/users", "", 401},
	} {
		status, out := c.cl.call(c.method, c.path, c.body)
		if status != c.status || out["message"] == "" || out["message"] == nil {
			t.Errorf("%s %s: %d %v", c.method, c.path, status, out)
		}
	}
}
