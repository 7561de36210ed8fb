package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/zalando/go-keyring"

	"github.com/syftbox/syftwallet/cli"
	"github.com/syftbox/syftwallet/service"
	"github.com/syftbox/syftwallet/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	adminKey = "admin-key-for-cli-tests"
	password = "correct horse battery staple"
)

func TestMain(m *testing.M) {
	keyring.MockInit() // the mock keyring is one map without a lock: these tests never run in parallel
	// A session bus, so that the token store asks the (mock) Secret Service rather than the
	// user's kernel keyring; kernel_test.go unsets it where that is what it tests.
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/syftwallet-tests-use-the-mock")
	}
	os.Exit(m.Run())
}

// env is one accounting service on a temporary ledger and the environment the commands see.
type env struct {
	t     *testing.T
	base  string // the service's own URL
	stop  func()
	vars  map[string]string
	store service.Store // the service's ledger, to write what the service would refuse (old data)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	svc := startService(t)
	e := &env{t: t, base: svc.URL, stop: func() { _ = svc.Stop() }, vars: baseVars(t), store: svc.Ledger}
	e.vars["SYFTBOX_ACCOUNTING_URL"] = svc.URL
	return e
}

// startService runs the accounting service in process on loopback, as serve assembles it (the
// SQLite ledger, sign-in with sessions and MFA, the live events hub fed by the ledger's commits),
// on a ledger in a temporary directory; Stop (or the test's end) shuts it down.
func startService(t *testing.T) *service.Service {
	t.Helper()
	svc, err := service.Start(context.Background(), service.Options{
		Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "ledger.db"), AdminKey: adminKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	return svc
}

// baseVars isolates a command from the machine: its own config and data directories.
func baseVars(t *testing.T) map[string]string {
	return map[string]string{
		"XDG_CONFIG_HOME": t.TempDir(),
		"XDG_DATA_HOME":   t.TempDir(),
		"HOME":            t.TempDir(),
		"SYFTBOX_TIMEOUT": "10",
	}
}

func (e *env) getenv(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// result is what one command did.
type result struct {
	stdout, stderr string
	code           int
	err            error
}

// call is one command invocation.
type call struct {
	args     []string
	stdin    string
	terminal bool
	vars     map[string]string // added to the env's
	ctx      context.Context
	stdout   io.Writer // default: a buffer in result
	stderr   io.Writer
}

// root builds the command tree main runs (cli.Root).
func root(opts ...cli.Option) *cobra.Command { return cli.Root(opts...) }

func (e *env) do(c call) result {
	e.t.Helper()
	vars := map[string]string{}
	for k, v := range e.vars {
		vars[k] = v
	}
	for k, v := range c.vars {
		vars[k] = v
	}
	var out, errb bytes.Buffer
	stdout, stderr := io.Writer(&out), io.Writer(&errb)
	if c.stdout != nil {
		stdout = c.stdout
	}
	if c.stderr != nil {
		stderr = c.stderr
	}
	r := root(cli.WithGetenv(e.getenv(vars)), cli.WithTerminal(c.terminal))
	r.SetArgs(c.args)
	r.SetIn(strings.NewReader(c.stdin))
	r.SetOut(stdout)
	r.SetErr(stderr)
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	err := r.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "syftwallet:", err) // as main prints it
	}
	return result{stdout: out.String(), stderr: errb.String(), code: cli.ExitCode(err), err: err}
}

// run runs a command with no stdin, not on a terminal.
func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.do(call{args: args})
}

// must runs a command that has to succeed.
func (e *env) must(c call) result {
	e.t.Helper()
	r := e.do(c)
	if r.code != 0 {
		e.t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", c.args, r.code, r.stdout, r.stderr)
	}
	return r
}

// account creates an account over HTTP (not through the commands) and gives it money.
func (e *env) account(email string, balance string) {
	e.t.Helper()
	e.http("POST", "/user/create", "", map[string]any{"email": email, "password": password}, 201)
	if balance != "" {
		e.http("POST", "/user/add-balance", "Bearer "+adminKey,
			map[string]any{"recipientEmail": email, "amount": balance}, 200)
	}
}

// acct is an account a test starts with: its email and balance ("" for none).
type acct struct{ email, balance string }

// newSignedIn is newEnv with these accounts made (in order, over HTTP) and the first one signed in
// through the login command.
func newSignedIn(t *testing.T, accounts ...acct) *env {
	t.Helper()
	e := newEnv(t)
	for _, a := range accounts {
		e.account(a.email, a.balance)
	}
	e.signIn(accounts[0].email)
	return e
}

// signIn signs email in through the login command.
func (e *env) signIn(email string) {
	e.t.Helper()
	e.must(call{args: []string{"login", "--email", email, "--password-stdin"}, stdin: password + "\n"})
}

// payDirect pays over HTTP with Basic auth (not through the commands).
func (e *env) payDirect(from, to, amount, memo string) {
	e.t.Helper()
	e.http("POST", "/payments", basicAuth(from),
		map[string]any{"recipientEmail": to, "amount": amount, "memo": memo}, 201)
}

// basicAuth is the Authorization header of email with the tests' password.
func basicAuth(email string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(email, password)
	return req.Header.Get("Authorization")
}

func (e *env) http(method, path, authz string, body any, want int) []byte {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out
}

var (
	timeRE = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`)
	idRE   = regexp.MustCompile(`"id":"[^"]*"`)
)

// normalize replaces what changes from run to run: ids, times, and the given strings.
func normalize(s string, replace ...string) string {
	s = timeRE.ReplaceAllString(s, `"<time>"`)
	s = idRE.ReplaceAllString(s, `"id":"<id>"`)
	return strings.NewReplacer(replace...).Replace(s)
}

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it)\n got: %s\nwant: %s", name, got, want)
	}
}

// decode parses one JSON document, failing the test when stdout is not exactly one.
func decode(t *testing.T, s string, v any) {
	t.Helper()
	if strings.Count(strings.TrimSpace(s), "\n") != 0 {
		t.Fatalf("want one JSON line, got:\n%s", s)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
}

// syncBuffer is a buffer that a running command writes while the test reads.
type syncBuffer = testkit.Buffer

// waitFor waits until f holds.
func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// following is a command (events) running in the background until stopped, its output read as
// it comes.
type following struct {
	out, errb syncBuffer
	cancel    context.CancelFunc
	done      chan result // its result, put back by each stop that takes it
}

// start runs a command in the background until stop, or the end of the test.
func (e *env) start(args ...string) *following {
	ctx, cancel := context.WithCancel(context.Background())
	f := &following{cancel: cancel, done: make(chan result, 1)}
	go func() { f.done <- e.do(call{args: args, ctx: ctx, stdout: &f.out, stderr: &f.errb}) }()
	e.t.Cleanup(func() { f.stop() })
	return f
}

// follow starts a command that follows the live events and waits until it says it is ready.
func (e *env) follow(args ...string) *following {
	e.t.Helper()
	f := e.start(args...)
	waitFor(e.t, "ready", func() bool { return strings.Contains(f.errb.String(), "Ready:") })
	return f
}

// stop interrupts the command (as Ctrl-C does) and returns what it did.
func (f *following) stop() result {
	f.cancel()
	r := <-f.done
	f.done <- r
	return r
}

// newProxy forwards TCP connections to the service at backendURL; Cut cuts them all (a network
// drop).
func newProxy(t *testing.T, backendURL string) *testkit.Proxy {
	return testkit.NewProxy(t, strings.TrimPrefix(backendURL, "http://"))
}

// txJSON is the part of a transaction document the tests look at.
type txJSON struct {
	ID           string `json:"id"`
	Direction    string `json:"direction"`
	Counterparty string `json:"counterparty"`
	Amount       string `json:"amount"`
	Status       string `json:"status"`
	Memo         *string
}
