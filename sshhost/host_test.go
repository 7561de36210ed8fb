package sshhost_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/sshhost"
)

const pass = "correct horse 42"

// A real OpenSSH client reaches the sign-in screen, creates an account and sees its balance;
// after quitting, a new connection signs in with the password and sees it again.
func TestSignInAndBalance(t *testing.T) {
	h, _ := startHost(t, sshhost.Options{})
	key := newKey(t, "ada")

	tm := openTerm(t, h, key, 100, 30)
	tm.waitFor("syftwallet", "Sign in", "not signed in", "embedded")
	s := tm.register("ada.lovelace@example.com", pass)
	if !strings.Contains(s, "Available 100.00") {
		t.Fatalf("no welcome credit on the dashboard:\n%s", s)
	}
	tm.keys("q")
	tm.waitFor("[exit 0]")

	tm2 := openTerm(t, h, key, 100, 30)
	tm2.signIn("ada.lovelace@example.com", pass)
	tm2.waitFor("ada.lovelace@example.com", "Available 100.00", "live")
	if h.Sessions() != 1 {
		t.Errorf("sessions = %d, want 1", h.Sessions())
	}
}

// Signing in with two-factor authentication goes through the wallet's code screen.
func TestSignInWithMFA(t *testing.T) {
	h, _ := startHost(t, sshhost.Options{})
	ctx := context.Background()
	cfg := client.DefaultConfig()
	cfg.ServiceURL, cfg.DataDir, cfg.AuditLogging, cfg.Keyring = h.Service().URL, t.TempDir(), false, false
	c, err := client.New(cfg, client.WithTokenStore(client.NewMemoryStore()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Register(ctx, "grace.h@example.com", pass, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(ctx, "grace.h@example.com", pass); err != nil {
		t.Fatal(err)
	}
	en, err := c.EnrollMFA(ctx)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(en.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	recovery, err := c.EnableMFA(ctx, code)
	if err != nil || len(recovery) == 0 {
		t.Fatalf("enable MFA: %v %v", recovery, err)
	}

	tm := openTerm(t, h, newKey(t, "grace"), 100, 30)
	tm.signIn("grace.h@example.com", pass)
	tm.waitFor("authenticator app")
	tm.typeText(recovery[0])
	tm.keys("Enter")
	tm.waitFor("grace.h@example.com", "Available 100.00")
}

// Two sessions signed in as different people each see only their own account; a payment from
// one reaches the other live.
func TestTwoSessionsSeeOnlyTheirOwn(t *testing.T) {
	h, _ := startHost(t, sshhost.Options{})
	alice := openTerm(t, h, newKey(t, "alice"), 100, 30)
	bob := openTerm(t, h, newKey(t, "bob"), 90, 28)
	alice.register("alice@example.com", pass)
	bob.register("bob@example.com", pass)
	if h.Sessions() != 2 {
		t.Errorf("sessions = %d, want 2", h.Sessions())
	}

	alice.keys("p")
	alice.waitFor("Pay someone", "Recipient")
	alice.typeText("bob@example.com")
	alice.keys("Tab")
	alice.typeText("12.50")
	alice.keys("Tab")
	alice.typeText("lunch")
	alice.keys("Enter")
	alice.waitFor("Review payment", "12.50")
	alice.keys("y")
	alice.waitFor("✓ Paid", "bob@example.com")

	b := bob.waitFor("Available 112.50", "alice@example.com")
	if strings.Contains(b, "87.50") {
		t.Errorf("bob's wallet shows alice's balance:\n%s", b)
	}
	alice.keys("1")
	a := alice.waitFor("alice@example.com", "Available 87.50")
	if strings.Contains(a, "112.50") || strings.Contains(strings.SplitN(a, "Recent", 2)[0], "bob@") {
		t.Errorf("alice's dashboard shows bob's data:\n%s", a)
	}
	for name, s := range map[string]string{"alice": a, "bob": b} {
		other := map[string]string{"alice": "● bob@example.com", "bob": "● alice@example.com"}[name]
		if strings.Contains(s, other) {
			t.Errorf("%s's status bar names the other account:\n%s", name, s)
		}
	}
}

// With --authorized-keys only the listed key gets in; another is refused by ssh itself.
func TestAuthorizedKeys(t *testing.T) {
	needTools(t)
	allowed, other := newKey(t, "allowed"), newKey(t, "other")
	pub, err := os.ReadFile(allowed + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	file := t.TempDir() + "/authorized_keys"
	if err := os.WriteFile(file, []byte("# the team\n\n"+string(pub)), 0o600); err != nil {
		t.Fatal(err)
	}
	h, logs := startHost(t, sshhost.Options{AuthorizedKeysPath: file})

	out, code := runSSH(t, h, other, "-tt")
	if code == 0 || !strings.Contains(out, "Permission denied (publickey)") {
		t.Errorf("other key: exit %d, %q; want refused", code, out)
	}
	if !strings.Contains(logs.String(), "public key refused") {
		t.Errorf("the refusal is not logged:\n%s", logs)
	}
	// No password or keyboard-interactive to fall back on.
	out, code = runSSH(t, h, other, "-T", "-o", "PreferredAuthentications=password,keyboard-interactive")
	if code == 0 || !strings.Contains(out, "Permission denied (publickey)") {
		t.Errorf("password auth: exit %d, %q; want only publickey offered", code, out)
	}

	tm := openTerm(t, h, allowed, 100, 30)
	tm.waitFor("Sign in", "not signed in")
}

// A session without a terminal, or asking for a command, gets one line and exit status 1.
func TestNoPTYAndCommands(t *testing.T) {
	h, _ := startHost(t, sshhost.Options{})
	key := newKey(t, "k")
	out, code := runSSH(t, h, key, "-T")
	if code != 1 || strings.TrimSpace(out) != sshhost.MsgNoPTY {
		t.Errorf("ssh -T: exit %d, %q", code, out)
	}
	// runSSH puts the destination last, so the command comes as RemoteCommand.
	out, code = runSSH(t, h, key, "-tt", "-o", "RemoteCommand=cat /etc/passwd")
	if code != 1 || !strings.Contains(out, sshhost.MsgCommand) || strings.Contains(out, "root:") {
		t.Errorf("ssh -tt host command: exit %d, %q", code, out)
	}
}

// Shutting the host down tells the open session, which ends.
func TestShutdownTellsSessions(t *testing.T) {
	h, _ := startHost(t, sshhost.Options{})
	tm := openTerm(t, h, newKey(t, "k"), 100, 30)
	tm.register("leaving@example.com", pass)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s := tm.waitFor(sshhost.MsgShuttingDown, "[exit 1]")
	if strings.Contains(s, "Balance") {
		t.Errorf("the wallet is still on screen:\n%s", s)
	}
	if h.Sessions() != 0 {
		t.Errorf("sessions = %d after shutdown", h.Sessions())
	}
}

// The session cap refuses the next session with one line; the idle timeout closes a session
// nobody types in, and says so.
func TestLimits(t *testing.T) {
	t.Run("max sessions", func(t *testing.T) {
		h, _ := startHost(t, sshhost.Options{MaxSessions: 1})
		first := openTerm(t, h, newKey(t, "a"), 100, 30)
		first.waitFor("Sign in")
		second := openTerm(t, h, newKey(t, "b"), 100, 30)
		second.waitFor(sshhost.MsgFull, "[exit 1]")
		first.keys("C-c")
		first.waitFor("[exit 0]")
		third := openTerm(t, h, newKey(t, "c"), 100, 30)
		third.waitFor("Sign in")
	})
	t.Run("idle timeout", func(t *testing.T) {
		h, _ := startHost(t, sshhost.Options{IdleTimeout: 2 * time.Second})
		tm := openTerm(t, h, newKey(t, "a"), 100, 30)
		tm.waitFor("Sign in")
		tm.typeText("someone") // a keypress restarts the clock
		tm.waitFor("Closed after 2 seconds without a keypress.", "[exit 1]")
	})
	t.Run("rate per address", func(t *testing.T) {
		h, _ := startHost(t, sshhost.Options{RatePerMinute: 1, RateBurst: 2})
		key := newKey(t, "a")
		for i := range 2 {
			if out, _ := runSSH(t, h, key, "-T"); !strings.Contains(out, sshhost.MsgNoPTY) {
				t.Fatalf("session %d: %q", i+1, out)
			}
		}
		out, code := runSSH(t, h, key, "-T")
		if code != 1 || strings.TrimSpace(out) != sshhost.MsgRateLimited {
			t.Errorf("third session in a burst of 2: exit %d, %q", code, out)
		}
	})
}

// The command itself: `syftwallet ssh` creates its host key in the data directory, serves, and
// on SIGTERM tells every open session (signed in or not) before it exits. Bubble Tea must not
// catch the host's signal for a session on its own.
func TestCommandShutsDownOnSIGTERM(t *testing.T) {
	needTools(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found to build the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "syftwallet")
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/syftbox/syftwallet").CombinedOutput(); err != nil {
		t.Fatalf("build: %v: %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(dir, "data")
	cmd := exec.Command(bin, "ssh", "--addr", addr, "--data-dir", data)
	cmd.Env = append(slicesWithout(slicesWithout(os.Environ(), "SYFTBOX_ACCOUNTING_URL"), "XDG_CONFIG_HOME"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	stderr := &logBuf{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("host stderr:\n%s", stderr)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "wallet host listening") {
		if time.Now().After(deadline) {
			t.Fatalf("the host never listened:\n%s", stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fi, err := os.Stat(filepath.Join(data, sshhost.HostKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v", fi, err)
	}

	h := hostAt{addr}
	signedIn := openTermAt(t, h, newKey(t, "a"), 100, 30)
	signedOut := openTermAt(t, h, newKey(t, "b"), 100, 30)
	signedIn.register("staying@example.com", pass)
	signedOut.waitFor("Sign in")

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the host did not exit after SIGTERM")
	}
	for _, tm := range []*term{signedIn, signedOut} {
		tm.waitFor(sshhost.MsgShuttingDown, "[exit 1]")
	}
	if s := stderr.String(); strings.Contains(s, pass) {
		t.Errorf("a password reached the log:\n%s", s)
	}
}
