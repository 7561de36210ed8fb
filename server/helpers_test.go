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

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

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

// holdPay runs send in a goroutine and returns once the payment it makes is inside the ledger,
// held there (the payments after it pass). finish lets the held payment go on and answers what
// send returned.
func holdPay[T any](e *env, send func() T) (finish func() T) {
	e.led.blockPay.Store(true)
	done := make(chan T, 1)
	go func() { done <- send() }()
	<-e.led.entered
	e.led.blockPay.Store(false)
	return func() T {
		e.led.release <- struct{}{}
		return <-done
	}
}

// authCounts wraps the sign-in store and counts the calls that tests watch: MFA-state reads,
// refresh-token rotations (the refresh tokens evaluated) and failed challenges (the codes checked
// and found wrong). hook installs it.
type authCounts struct {
	ledger.AuthStore
	mfa, rotate, failed atomic.Int64
}

func (c *authCounts) hook(cfg *Config) { c.AuthStore, cfg.Auth = cfg.Auth, c }

func (c *authCounts) MFA(ctx context.Context, accountID string) (ledger.MFAState, error) {
	c.mfa.Add(1)
	return c.AuthStore.MFA(ctx, accountID)
}

func (c *authCounts) RotateRefresh(ctx context.Context, old, newHash []byte, ttl time.Duration) (ledger.Session, error) {
	c.rotate.Add(1)
	return c.AuthStore.RotateRefresh(ctx, old, newHash, ttl)
}

func (c *authCounts) FailChallenge(ctx context.Context, id string, p ledger.ChallengePolicy) (ledger.Challenge, ledger.MFAState, error) {
	c.failed.Add(1)
	return c.AuthStore.FailChallenge(ctx, id, p)
}

// emailReads wraps the ledger and counts its reads of accounts by email: of the address of, or
// of every address when of is "". hook installs it.
type emailReads struct {
	ledger.Ledger
	of string
	n  atomic.Int64
}

func (l *emailReads) hook(cfg *Config) { l.Ledger, cfg.Ledger = cfg.Ledger, l }

func (l *emailReads) AccountByEmail(ctx context.Context, email string) (ledger.Account, error) {
	if l.of == "" || email == l.of {
		l.n.Add(1)
	}
	return l.Ledger.AccountByEmail(ctx, email)
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
	req, err := newRequest(method, e.hs.URL+path, body, hdr...)
	if err != nil {
		return resp{}, err
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

// newRequest is a request to url. body is nil, a string or []byte (sent raw), or anything else
// (sent as JSON); a body is sent as application/json. hdr are name, value pairs.
func newRequest(method, url string, body any, hdr ...string) (*http.Request, error) {
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
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	return req, nil
}

// timedPost POSTs body (as newRequest sends it) to url with client, and answers the status and
// how long the answer took to arrive in full (its body is read and dropped): what the benchmarks
// time.
func timedPost(client *http.Client, url string, body any, hdr ...string) (int, time.Duration, error) {
	req, err := newRequest("POST", url, body, hdr...)
	if err != nil {
		return 0, 0, err
	}
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, time.Since(t0), nil
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

// payerPayeeAndStranger is payerAndPayee and eve, with nothing, a stranger to their payments: the
// three accounts of the tests of who may see and settle a payment.
func (e *env) payerPayeeAndStranger(balance string) (ada, bob, eve *user) {
	e.t.Helper()
	ada, bob = e.payerAndPayee(balance)
	return ada, bob, e.newUser("eve@example.com", "")
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

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }

// tick moves the service's clock on by one TOTP step, so that a fresh code can be used.
func (e *env) tick() { e.skew.Add(int64(30 * time.Second)) }

// login signs in with a password and expects tokens.
func (e *env) login(email, password string) api.Tokens {
	e.t.Helper()
	var tk api.Tokens
	e.do("POST", "/auth/login", api.Credentials{Email: email, Password: password}).want(e.t, 200).decode(e.t, &tk)
	if tk.AccessToken == "" || tk.RefreshToken == "" || tk.TokenType != "Bearer" || tk.ExpiresIn != 300 ||
		tk.User.Email != strings.ToLower(strings.TrimSpace(email)) {
		e.t.Fatalf("tokens incomplete: %+v", tk)
	}
	return tk
}

// tokens of a user, by password login.
// signIn is POST /auth/login for u with password pw and the headers hdr (name, value pairs).
func (u *user) signIn(pw string, hdr ...string) resp {
	u.e.t.Helper()
	return u.e.do("POST", "/auth/login", api.Credentials{Email: u.email, Password: pw}, hdr...)
}

func (u *user) login() api.Tokens {
	u.e.t.Helper()
	return u.e.login(u.email, u.pw)
}

// code is the TOTP code of secret at the service's current time.
func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// wrongCode is a six-digit code that is not secret's code at any step near now.
func (e *env) wrongCode(secret string) string {
	e.t.Helper()
	near := map[string]bool{}
	for d := -2; d <= 2; d++ {
		c, _ := totp.GenerateCodeCustom(secret, e.now().Add(time.Duration(d)*30*time.Second),
			totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		near[c] = true
	}
	for _, c := range []string{"000000", "111111", "123456", "999999"} {
		if !near[c] {
			return c
		}
	}
	e.t.Fatal("no wrong code")
	return ""
}

// enableMFA turns MFA on for u (signing in with a password first) and returns the TOTP secret and
// the recovery codes. The clock moves on one step, so the next code is fresh.
func (u *user) enableMFA() (secret string, recovery []string) {
	e, t := u.e, u.e.t
	t.Helper()
	tk := u.login()
	var en api.MFAEnrollment
	e.do("POST", "/auth/mfa/enroll", nil, bearer(tk.AccessToken)...).want(t, 200).decode(t, &en)
	if en.Secret == "" || !strings.HasPrefix(en.OtpauthURL, "otpauth://totp/") {
		t.Fatalf("enrollment: %+v", en)
	}
	var rc api.RecoveryCodes
	e.do("POST", "/auth/mfa/enable", api.MFACode{Code: e.code(en.Secret)}, bearer(tk.AccessToken)...).want(t, 200).decode(t, &rc)
	if len(rc.RecoveryCodes) != 10 {
		t.Fatalf("recovery codes: %v", rc.RecoveryCodes)
	}
	e.tick()
	return en.Secret, rc.RecoveryCodes
}

// challenge logs in an MFA account and returns the challenge id.
func (e *env) challenge(email, password string) string {
	e.t.Helper()
	var raw map[string]any
	r := e.do("POST", "/auth/login", api.Credentials{Email: email, Password: password}).want(e.t, 200)
	r.decode(e.t, &raw)
	if raw["mfaRequired"] != true || raw["challengeId"] == "" || raw["expiresIn"] != float64(300) || raw["accessToken"] != nil {
		e.t.Fatalf("login of an MFA account: %s", r.body)
	}
	return raw["challengeId"].(string)
}

func (e *env) verify(challengeID, code string) resp {
	e.t.Helper()
	return e.do("POST", "/auth/mfa/verify", api.MFAVerifyRequest{ChallengeID: challengeID, Code: code})
}

func (e *env) refresh(token string) resp {
	e.t.Helper()
	return e.do("POST", "/auth/refresh", api.RefreshRequest{RefreshToken: token})
}

// claims decodes a JWT's payload without checking it.
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// stored is what read, a method of the test's ledger (e.store.Session, e.store.MFA,
// e.store.AccountByID …), answers for key; a failed read ends the test.
func stored[T any](e *env, read func(context.Context, string) (T, error), key string) T {
	e.t.Helper()
	v, err := read(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// revokeLog records what Config.OnRevoke was told.
type revokeLog struct {
	ch chan []string
}

func newRevokeLog() *revokeLog { return &revokeLog{ch: make(chan []string, 100)} }

func (l *revokeLog) hook(c *Config) {
	c.OnRevoke = func(ids []string) { l.ch <- append([]string(nil), ids...) }
}

// got drains what was reported so far.
func (l *revokeLog) got() []string {
	var all []string
	for {
		select {
		case ids := <-l.ch:
			all = append(all, ids...)
		default:
			return all
		}
	}
}
