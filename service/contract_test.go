package service

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/hub/hubtest"
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
	a, err := trySend(method, url, body, hdr...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// trySend is send for other goroutines than the test's: it returns its error.
func trySend(method, url string, body any, hdr ...string) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return answer{}, err
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}, err
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

// dialEvents opens GET /events with p's token; query may be "".
func dialEvents(t *testing.T, svc *Service, p person, query string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ws, resp, err := hubtest.Dialer().Dial(hubtest.EventsURL(svc.URL, query), http.Header{"Authorization": {"Bearer " + p.token}})
	if ws != nil {
		t.Cleanup(func() { ws.Close() })
	}
	return ws, resp, err
}

func readEvent(t *testing.T, ws *websocket.Conn) (api.Event, error) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := ws.ReadMessage()
	if err != nil {
		return api.Event{}, err
	}
	var e api.Event
	return e, json.Unmarshal(b, &e)
}

// TestEventCapsThroughTheService: the serve options reach the hub, and the hub counts addresses
// as the server does: with 2 per account and 3 per address, bob's third connection closes his
// first with 4008, and the address's fourth connection is refused with 429 JSON (issue 11, item 9).
func TestEventCapsThroughTheService(t *testing.T) {
	svc := startForTest(t, "", func(o *Options) { o.EventsPerAccount, o.EventsPerAddress = 2, 3 })
	bob := signUp(t, svc, "bob@example.com", 0)
	ada := signUp(t, svc, "ada@example.com", 0)
	var bobs []*websocket.Conn
	for i := 0; i < 3; i++ {
		ws, resp, err := dialEvents(t, svc, bob, "")
		if err != nil {
			t.Fatalf("bob %d: %v %v", i, resp, err)
		}
		if e, err := readEvent(t, ws); err != nil || e.Type != api.EventHello {
			t.Fatalf("hello: %+v %v", e, err)
		}
		bobs = append(bobs, ws)
	}
	if _, err := readEvent(t, bobs[0]); !websocket.IsCloseError(err, api.CloseReplaced) {
		t.Fatalf("bob's oldest: %v, want 4008", err)
	}
	// Once the replaced connection is gone, the address has 2: ada gets the third, not a fourth.
	waitUntil(t, 5*time.Second, "a third connection from the address", func() bool {
		_, resp, err := dialEvents(t, svc, ada, "")
		if err != nil && (resp == nil || resp.StatusCode != http.StatusTooManyRequests) {
			t.Fatalf("ada: %v %v", resp, err)
		}
		return err == nil
	})
	_, resp, err := dialEvents(t, svc, ada, "")
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a fourth from the address: %v %v", resp, err)
	}
	var e api.Error
	if json.NewDecoder(resp.Body).Decode(&e) != nil || e.Code != api.CodeRateLimited ||
		resp.Header.Get(api.HeaderRetryAfter) == "" || resp.Header.Get(api.HeaderRequestID) == "" {
		t.Fatalf("429: %+v %v", e, resp.Header)
	}
}

// TestSinceZeroThroughTheService: GET /events?since=0 replays every event of the account from
// seq 1 (the top-up, the sign-in) before going live (issue 11, item 10).
func TestSinceZeroThroughTheService(t *testing.T) {
	svc := startForTest(t, "")
	bob := signUp(t, svc, "bob@example.com", 5) // seqs 1, 2 (top-up), 3 (security.login)
	ws, resp, err := dialEvents(t, svc, bob, "since=0")
	if err != nil {
		t.Fatalf("%v %v", resp, err)
	}
	if h, err := readEvent(t, ws); err != nil || h.Type != api.EventHello || h.Seq != 3 {
		t.Fatalf("hello: %+v %v", h, err)
	}
	for want, typ := range []string{api.EventPaymentReceived, api.EventBalanceUpdated, api.EventSecurityLogin} {
		if e, err := readEvent(t, ws); err != nil || e.Seq != int64(want+1) || e.Type != typ {
			t.Fatalf("replay %d: %+v %v", want+1, e, err)
		}
	}
}

// TestRevocationInTheLedgerEndsACachedSession: a session revoked in the ledger by another way than
// this server's handlers (as another instance sharing the ledger, or the keys replaced, would)
// refuses its next request at once, though the server remembered its access token.
func TestRevocationInTheLedgerEndsACachedSession(t *testing.T) {
	svc := startForTest(t, "")
	ada := signUp(t, svc, "ada@example.com", 0)
	for range 3 {
		if a := send(t, "GET", svc.URL+"/account", nil, ada.bearer()...); a.status != 200 {
			t.Fatalf("account: %d %s", a.status, a.body)
		}
	}
	var claims struct {
		SID string `json:"sid"`
	}
	part := strings.Split(ada.token, ".")[1]
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil || json.Unmarshal(raw, &claims) != nil || claims.SID == "" {
		t.Fatalf("token claims: %v", err)
	}
	if _, err := svc.Ledger.RevokeSession(context.Background(), claims.SID, "test"); err != nil {
		t.Fatal(err)
	}
	if a := send(t, "GET", svc.URL+"/account", nil, ada.bearer()...); a.status != 401 {
		t.Fatalf("revoked session's next request: %d %s, want 401", a.status, a.body)
	}
}
