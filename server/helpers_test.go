package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/server/auth"
	"github.com/syftbox/syftwallet/testkit"
)

const (
	testPassword = "correct horse battery staple"
	testAdminKey = "admin-key-for-tests-0123456789"
)

// sharedHasher is the hasher of every env: a long wait limit, because functional tests on a
// loaded machine (and under -race) must not see the 503 of a full queue unless they ask for it
// with a hasher of their own.
var sharedHasher = sync.OnceValue(func() *auth.Hasher {
	h, err := auth.NewHasherCapacity(auth.DefaultParams(), auth.Capacity{Concurrent: 4, MaxWait: time.Minute, MaxQueued: 1000})
	if err != nil {
		panic(err)
	}
	return h
})

// hookLedger wraps the real ledger to inject behaviour: MFA flags, blocking, panics.
type hookLedger struct {
	ledger.Ledger
	mfa      sync.Map // email -> true
	blockPay atomic.Bool
	entered  chan struct{}
	release  chan struct{}
	panicAll atomic.Bool
}

func (h *hookLedger) withMFA(a ledger.Account, err error) (ledger.Account, error) {
	if _, on := h.mfa.Load(a.Email); on {
		a.MFAEnabled = true
	}
	return a, err
}

func (h *hookLedger) AccountByEmail(ctx context.Context, email string) (ledger.Account, error) {
	return h.withMFA(h.Ledger.AccountByEmail(ctx, email))
}

func (h *hookLedger) AccountByID(ctx context.Context, id string) (ledger.Account, error) {
	return h.withMFA(h.Ledger.AccountByID(ctx, id))
}

func (h *hookLedger) Pay(ctx context.Context, p ledger.Payment) (ledger.Receipt, error) {
	if h.blockPay.Load() {
		h.entered <- struct{}{}
		<-h.release
	}
	return h.Ledger.Pay(ctx, p)
}

func (h *hookLedger) Accounts(ctx context.Context) ([]ledger.Account, error) {
	if h.panicAll.Load() {
		panic("boom: /secret/path/ledger.db SELECT * FROM accounts")
	}
	return h.Ledger.Accounts(ctx)
}

// openStore opens dir/ledger.db, a real SQLite ledger closed when the test ends (after the
// servers it serves, whose cleanups run first).
func openStore(t testing.TB, dir string, o sqlite.Options) *sqlite.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "ledger.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// together runs f(0) … f(n-1) in n goroutines released at once (a start barrier) and waits for
// them all.
func together(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// serveLoopback runs e's server with Serve, as production does, on a real loopback listener until
// ctx ends; it answers the listener's address and a channel that receives what Serve returned.
func (e *env) serveLoopback(ctx context.Context) (addr string, served <-chan error) {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() { ch <- e.s.Serve(ctx, ln) }()
	return ln.Addr().String(), ch
}

type env struct {
	t     testing.TB
	s     *Server
	hs    *httptest.Server
	led   *hookLedger
	store *sqlite.Store
	logs  *testkit.Buffer
	skew  atomic.Int64 // added to the clock
	keys  *auth.Keyset
	dir   string // the data directory: ledger.db (and keys.json when a test writes it)
}

func newEnv(t testing.TB, mods ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, logs: &testkit.Buffer{}}
	now := func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }
	e.dir = t.TempDir()
	store := openStore(t, e.dir, sqlite.Options{Now: now})
	e.store = store
	var err error
	if e.keys, err = auth.GenerateKeyset(); err != nil {
		t.Fatal(err)
	}
	e.led = &hookLedger{Ledger: store, entered: make(chan struct{}), release: make(chan struct{})}
	cfg := Config{
		Ledger:   e.led,
		AdminKey: testAdminKey,
		Hasher:   sharedHasher(),
		Logger:   slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      now,
		Keys:     e.keys,
		Auth:     store,
	}
	for _, m := range mods {
		m(&cfg)
	}
	if cfg.Keys != nil {
		e.keys = cfg.Keys
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	e.hs = httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		e.hs.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", e.logs.String())
		}
	})
	return e
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request. body is nil, a string or []byte (sent raw), or anything else (sent as
// JSON). hdr are name, value pairs.
func (e *env) do(method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	r, err := e.send(method, path, body, hdr...)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// send is do for goroutines: no t.Fatal, the error is returned.
func (e *env) send(method, path string, body any, hdr ...string) (resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return resp{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.hs.URL+path, rd)
	if err != nil {
		return resp{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := e.hs.Client().Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	r := resp{status: res.StatusCode, header: res.Header, body: b}
	e.checkEnvelope(r)
	return r, nil
}

var randomRun = regexp.MustCompile(`[A-Za-z0-9_-]{16,}`)

// checkEnvelope holds for every response: JSON, a request id, and no internal text. A 204 has no
// body at all.
func (e *env) checkEnvelope(r resp) {
	e.t.Helper()
	if r.header.Get(api.HeaderRequestID) == "" {
		e.t.Errorf("response without %s", api.HeaderRequestID)
	}
	if r.status == http.StatusNoContent {
		if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
			e.t.Errorf("204 with a body or Content-Type: %q", r.body)
		}
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		e.t.Errorf("Content-Type %q, body %s", ct, r.body)
	}
	if !json.Valid(r.body) {
		e.t.Errorf("body is not JSON: %q", r.body)
	}
	// Ids and tokens are long runs of random base64url, which may spell "sql" or "panic" by chance.
	low := strings.ToLower(randomRun.ReplaceAllString(string(r.body), "_"))
	low = strings.ReplaceAll(low, "otpauth://", "otpauth//") // an enrollment's URL is not "auth:" text
	for _, bad := range []string{"ledger:", "sql", "select ", "/tmp", ".go:", "goroutine", "panic", "runtime.",
		"json:", "auth:", "http:", "boom"} {
		if strings.Contains(low, bad) {
			e.t.Errorf("body leaks internal text %q: %s", bad, r.body)
		}
	}
	if r.status >= 400 {
		var ae api.Error
		if err := json.Unmarshal(r.body, &ae); err != nil || ae.Message == "" || ae.Code == "" {
			e.t.Errorf("error body without message and code: %s", r.body)
		}
	}
}

func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r resp) apiErr(t testing.TB) api.Error {
	t.Helper()
	var ae api.Error
	r.decode(t, &ae)
	return ae
}

// want checks the status (and, for errors, code and field).
func (r resp) want(t testing.TB, status int, codeField ...string) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if len(codeField) > 0 {
		ae := r.apiErr(t)
		if ae.Code != codeField[0] {
			t.Fatalf("code %q, want %q: %s", ae.Code, codeField[0], r.body)
		}
		if len(codeField) > 1 && ae.Field != codeField[1] {
			t.Fatalf("field %q, want %q: %s", ae.Field, codeField[1], r.body)
		}
	}
	return r
}

func basic(email, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+password))
}

// user is a person with a client session.
type user struct {
	e     *env
	email string
	pw    string
	id    string
}

func (u *user) auth() []string { return []string{"Authorization", basic(u.email, u.pw)} }

func (u *user) do(method, path string, body any, hdr ...string) resp {
	u.e.t.Helper()
	return u.e.do(method, path, body, append(u.auth(), hdr...)...)
}

// newUser registers email with the test password and optionally funds it.
func (e *env) newUser(email string, funds string) *user {
	e.t.Helper()
	r := e.do("POST", "/user/create", map[string]any{"email": email, "password": testPassword}).want(e.t, 201)
	var cr api.CreateUserResponse
	r.decode(e.t, &cr)
	u := &user{e: e, email: cr.User.Email, pw: testPassword, id: cr.User.ID}
	if funds != "" {
		e.admin("POST", "/user/add-balance", json.RawMessage(fmt.Sprintf(`{"recipientEmail":%q,"amount":%s}`, email, funds))).want(e.t, 200)
	}
	return u
}

func (e *env) admin(method, path string, body any) resp {
	e.t.Helper()
	return e.do(method, path, body, "Authorization", "Bearer "+testAdminKey)
}

func (u *user) info() api.User {
	u.e.t.Helper()
	var b api.UserBody
	u.do("GET", "/user/my-info", nil).want(u.e.t, 200).decode(u.e.t, &b)
	return b.User
}

// snapshot is everything a refused request must leave as it was.
// unchanged fails the test, saying what went wrong, unless the ledger's snapshot is still before.
func (e *env) unchanged(before, what string) {
	e.t.Helper()
	if after := e.snapshot(); after != before {
		e.t.Fatalf("%s:\n%s\n---\n%s", what, before, after)
	}
}

// refusal is a request body that an endpoint must refuse, and how.
type refusal struct {
	body        string
	status      int
	code, field string
}

// refuses sends each body to method path as u and checks that each is refused as it says.
func (u *user) refuses(t testing.TB, method, path string, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		u.do(method, path, c.body).want(t, c.status, c.code, c.field)
	}
}

// payerAndPayee makes ada, with balance (a decimal string, "" for none), and bob, with nothing:
// the two accounts most tests pay between.
func (e *env) payerAndPayee(balance string) (ada, bob *user) {
	e.t.Helper()
	return e.newUser("ada@example.com", balance), e.newUser("bob@example.com", "")
}

func (e *env) snapshot() string {
	e.t.Helper()
	ctx := context.Background()
	inv, err := e.store.Check(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if !inv.OK() {
		e.t.Fatalf("ledger invariants broken: %+v", inv)
	}
	accts, err := e.store.Accounts(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	lines := []string{fmt.Sprintf("accounts=%d transactions=%d total=%s", inv.Accounts, inv.Transactions, inv.Total)}
	for _, a := range accts {
		seq, _ := e.store.LatestSeq(ctx, a.ID)
		lines = append(lines, fmt.Sprintf("%s %s %s %v %v seq=%d", a.Email, a.Balance, a.Held, a.Organization != nil, a.PasswordHash, seq))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
