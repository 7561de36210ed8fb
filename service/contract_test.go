package service

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

const contractAdminKey = "admin-key-for-contract-tests"

// startForTest runs the assembled service on loopback with its ledger in dir (t.TempDir() when
// empty); t.Cleanup stops it.
func startForTest(t *testing.T, dir string, edit ...func(*Options)) *Service {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	o := Options{Addr: "127.0.0.1:0", DBPath: filepath.Join(dir, "ledger.db"), AdminKey: contractAdminKey}
	for _, e := range edit {
		e(&o)
	}
	svc, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	return svc
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) apiErr(t *testing.T) api.Error {
	t.Helper()
	var e api.Error
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("not an error body: %d %s", a.status, a.body)
	}
	return e
}

// send sends one request; body is nil or JSON-encoded; hdr are name, value pairs.
func send(t *testing.T, method, url string, body any, hdr ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}
}

// person is an account signed in with a bearer token.
type person struct {
	email, password, token, id string
}

// signUp registers email with a password, funds it (whole units, through add-balance) and signs
// in for a bearer token.
func signUp(t *testing.T, svc *Service, email string, funds int) person {
	t.Helper()
	p := person{email: email, password: "correct horse battery staple"}
	if a := send(t, "POST", svc.URL+"/auth/register", map[string]any{"email": email, "password": p.password}); a.status != 201 {
		t.Fatalf("register %s: %d %s", email, a.status, a.body)
	}
	if funds > 0 {
		a := send(t, "POST", svc.URL+"/user/add-balance", map[string]any{"recipientEmail": email, "amount": funds},
			"Authorization", "Bearer "+contractAdminKey)
		if a.status != 200 {
			t.Fatalf("add-balance: %d %s", a.status, a.body)
		}
	}
	a := send(t, "POST", svc.URL+"/auth/login", map[string]any{"email": email, "password": p.password})
	var tok api.Tokens
	if a.status != 200 || json.Unmarshal(a.body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("login: %d %s", a.status, a.body)
	}
	p.token, p.id = tok.AccessToken, tok.User.ID
	return p
}

func (p person) bearer() []string { return []string{"Authorization", "Bearer " + p.token} }

// TestEventsRefusalsThroughTheService: through the assembled service, every refusal of GET
// /events, before or by the upgrader, is the JSON error body with X-Request-Id (issue 11, item 5).
func TestEventsRefusalsThroughTheService(t *testing.T) {
	svc := startForTest(t, "")
	bob := signUp(t, svc, "bob@example.com", 0)
	upgrade := func(extra ...string) []string {
		h := append(bob.bearer(), "Connection", "Upgrade", "Upgrade", "websocket",
			"Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		return append(h, extra...)
	}
	for _, c := range []struct {
		name, method string
		hdr          []string
		status       int
		code         string
	}{
		{"cross origin", "GET", upgrade("Origin", "https://evil.example"), 403, api.CodeForbidden},
		{"bad version", "GET", upgrade("Sec-WebSocket-Version", "8"), 400, api.CodeInvalidRequest},
		{"no key", "GET", upgrade("Sec-WebSocket-Key", ""), 400, api.CodeInvalidRequest},
		{"no upgrade", "GET", bob.bearer(), 400, api.CodeInvalidRequest},
		{"not a GET", "POST", upgrade(), 405, api.CodeMethodNotAllowed},
		{"PUT", "PUT", upgrade(), 405, api.CodeMethodNotAllowed},
		{"no token", "GET", upgrade("Authorization", ""), 401, api.CodeUnauthenticated},
		{"bad since", "GET", upgrade(), 400, api.CodeInvalidRequest},
	} {
		url := svc.URL + "/events"
		if c.name == "bad since" {
			url += "?since=x"
		}
		a := send(t, c.method, url, nil, c.hdr...)
		e := a.apiErr(t)
		if a.status != c.status || e.Code != c.code || e.Message == "" ||
			a.header.Get("Content-Type") != "application/json" || a.header.Get(api.HeaderRequestID) == "" {
			t.Errorf("%s: %d %v %s", c.name, a.status, a.header, a.body)
		}
		if strings.Contains(string(a.body), "websocket:") {
			t.Errorf("%s: gorilla's text leaked: %s", c.name, a.body)
		}
	}
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not in %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
