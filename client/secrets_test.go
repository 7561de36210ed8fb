package client

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/syftbox/syftwallet/testkit"
)

// Pay through faults with the enhanced layer's bearer session: dropped
// answers and 503s are retried with the same key, and money moves once.
func TestEnhancedPayThroughFaultsPaysOnce(t *testing.T) {
	s := startAuthService(t)
	signUpAt(t, s, "bob@example.com")
	p := newFaultProxy(t, s.URL)
	cfg := testConfig(t, p.URL())
	c := signUp(t, s, cfg, "alice@example.com", withNoBudget())
	s.credit("alice@example.com", "100")
	ctx := context.Background()
	faults := []fault{{kind: dropAfter}, {kind: status, code: 503, retryAfter: "0"}, {kind: drop}}
	p.setRule(func(r *http.Request, n int) fault {
		if (r.URL.Path == "/payments" || r.URL.Path == "/transactions/batch") && n < len(faults) {
			return faults[n]
		}
		return fault{}
	})
	if _, err := c.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "10")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BatchPay(ctx, []BatchPayment{{Recipient: "bob@example.com", Amount: mustMicros(t, "1")},
		{Recipient: "bob@example.com", Amount: mustMicros(t, "2")}}, ""); err != nil {
		t.Fatal(err)
	}
	if p.count("POST /payments") != 4 || p.count("POST /transactions/batch") != 4 {
		t.Errorf("attempts: %d payments, %d batches; want 4 each", p.count("POST /payments"), p.count("POST /transactions/batch"))
	}
	if got := s.balance("bob@example.com"); got != mustMicros(t, "13") {
		t.Errorf("bob has %s, want 13", got)
	}
	if n := s.count("bob@example.com"); n != 3 {
		t.Errorf("bob has %d transactions, want 3", n)
	}
	lines := readAuditLines(t, cfg.DataDir)
	if len(lines) != 2 || lines[0]["action"] != "pay" || lines[0]["outcome"] != "ok" || lines[0]["amount"] != "10.00" ||
		lines[1]["action"] != "batch" || lines[1]["amount"] != "3.00" || lines[0]["idempotencyKey"] == "" {
		t.Errorf("audit: %v", lines)
	}
}

// After a login with the (mock) keyring, the refresh token is in the
// keyring and nowhere under the data dir; logs and errors hold no secret.
func TestSecretsStayInTheKeyring(t *testing.T) {
	s := startAuthService(t)
	logs := &testkit.Buffer{}
	cfg := testConfig(t, s.URL)
	c, err := New(cfg, WithTokenStore(NewKeyringStore()),
		WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Register(ctx, "lee@example.com", testPassword, nil); err != nil {
		t.Fatal(err)
	}
	sess, err := c.Login(ctx, "lee@example.com", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !sess.Persistent || sess.Warning != "" {
		t.Errorf("session %+v", sess)
	}
	t.Cleanup(func() { c.Logout(context.Background()) })
	raw, err := keyring.Get(KeyringService, "lee@example.com@"+s.URL)
	if err != nil || !strings.Contains(raw, "refreshToken") {
		t.Fatalf("keyring entry: %q %v", raw, err)
	}
	refresh := c.tokens.refresh
	access, _ := c.AccessToken(ctx)
	s.credit("lee@example.com", "5")
	c.Invalidate()
	c.Pay(ctx, PayRequest{Recipient: "nobody@example.com", Amount: 1})
	_, perr := c.Pay(ctx, PayRequest{Recipient: "lee2@example.com", Amount: 1})
	c.Account(ctx)

	secrets := []string{testPassword, refresh, access}
	for _, sec := range secrets {
		if sec == "" {
			t.Fatal("no secret to look for")
		}
		if strings.Contains(logs.String(), sec) {
			t.Error("the log holds a secret")
		}
		if perr != nil && strings.Contains(perr.Error(), sec) {
			t.Error("an error holds a secret")
		}
		if strings.Contains(c.Session().Email+c.Config().String(), sec) {
			t.Error("session or config shows a secret")
		}
	}
	assertNoSecretUnder(t, cfg.DataDir, secrets)
}

// assertNoSecretUnder fails t for each file under root that holds one of secrets (empty ones are
// passed over). Given skip (for $HOME) it does not enter the directories skip names directly
// under root, and reads only regular files up to 1 MiB: the keyring's own files are encrypted,
// and larger ones are not the wallet's.
func assertNoSecretUnder(t *testing.T, root string, secrets []string, skip ...string) {
	t.Helper()
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && filepath.Dir(path) == root && slices.Contains(skip, d.Name()):
			return filepath.SkipDir
		case d.IsDir() || skip != nil && !regularUpTo(d, 1<<20):
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && slices.ContainsFunc(secrets, func(s string) bool {
			return s != "" && bytes.Contains(b, []byte(s))
		}) {
			t.Errorf("%s holds a secret", path)
		}
		return nil
	})
}

// regularUpTo reports whether d is a regular file of at most size bytes.
func regularUpTo(d fs.DirEntry, size int64) bool {
	info, err := d.Info()
	return err == nil && info.Mode().IsRegular() && info.Size() <= size
}

// With no keyring (no Secret Service, no kernel keyring) the client keeps the session in memory
// and says so.
func TestNoKeyringWarning(t *testing.T) {
	if realKeyring {
		t.Skip("needs the keyring mock, which would replace the real keyring for the rest of the run")
	}
	s := startAuthService(t)
	keyring.MockInitWithError(errors.New("no D-Bus"))
	defer keyring.MockInit()
	cfg := testConfig(t, s.URL)
	noKernel := func(o *options) { o.kernel = func() (TokenStore, bool) { return nil, false } }
	c, err := New(cfg, WithLogger(slog.New(slog.DiscardHandler)), noKernel)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Register(context.Background(), "max@example.com", testPassword, nil); err != nil {
		t.Fatal(err)
	}
	sess, err := c.Login(context.Background(), "max@example.com", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Persistent || !strings.Contains(sess.Warning, "keyring") {
		t.Errorf("session %+v", sess)
	}
}

// TestRealKeyring runs against a real Secret Service (the D-Bus and
// gnome-keyring recipe of stack.md, which .ci/run sets up):
//
//	SYFTWALLET_REAL_KEYRING=1 dbus-run-session -- sh -c \
//	  'echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
//	   go test -run TestRealKeyring ./client/'
//
// Other tests of this package install go-keyring's mock, which cannot be undone in a process;
// so the test runs its body in a child process of its own (the test binary again, running this
// test alone), where nothing has replaced the Secret Service, whatever order the tests run in.
func TestRealKeyring(t *testing.T) {
	if os.Getenv("SYFTWALLET_REAL_KEYRING") != "1" {
		t.Skip("set SYFTWALLET_REAL_KEYRING=1 inside dbus-run-session with gnome-keyring unlocked")
	}
	if os.Getenv("SYFTWALLET_REAL_KEYRING_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRealKeyring$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "SYFTWALLET_REAL_KEYRING_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("--- PASS: TestRealKeyring")) {
			t.Fatalf("the real-keyring test in its own process: %v\n%s", err, out)
		}
		return
	}
	s := startAuthService(t)
	cfg := testConfig(t, s.URL)
	// The Secret Service itself, asked patiently: on a loaded CI machine its first answer can
	// take longer than the wallet's 5 s probe, after which NewTokenStore would (rightly) move on
	// to the kernel keyring, and this test would not be about the Secret Service any more.
	store := NewKeyringStore()
	if err := store.probe(time.Minute); err != nil {
		t.Fatalf("no Secret Service: %v", err)
	}
	c, err := New(cfg, WithTokenStore(store), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	email := "real-keyring@example.com"
	if _, err := c.Register(ctx, email, testPassword, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(ctx, email, testPassword); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Logout(context.Background()) })
	refresh := c.tokens.refresh
	out, err := exec.Command("secret-tool", "search", "--all", "--unlock", "service", KeyringService).CombinedOutput()
	if err != nil {
		t.Fatalf("secret-tool: %v: %s", err, out)
	}
	if !bytes.Contains(out, []byte(refresh)) {
		t.Errorf("the refresh token is not in the keyring:\n%s", out)
	}
	// The item says what it holds: a session, not a password (go-keyring's own label).
	if want := "label = syftwallet session of " + email + " on " + s.URL + " (a refresh token, not your password)"; !bytes.Contains(out, []byte(want)) ||
		bytes.Contains(out, []byte("Password for")) {
		t.Errorf("the keyring items are not labelled as sessions (want %q):\n%s", want, out)
	}
	home, _ := os.UserHomeDir()
	secrets := []string{refresh, testPassword}
	assertNoSecretUnder(t, cfg.DataDir, secrets)
	if home != "" {
		// Toolchains and caches (gigabytes on these machines), which the wallet never writes to.
		assertNoSecretUnder(t, home, secrets, "go", ".cache", ".rustup", ".cargo", ".npm", ".pyenv")
	}
	// A new client resumes from the keyring alone.
	again, err := New(cfg, WithTokenStore(store), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Resume(ctx, ""); err != nil {
		t.Fatalf("resume from the keyring: %v", err)
	}
}
