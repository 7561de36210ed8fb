package sshhost_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/sshhost"
	"github.com/syftbox/syftwallet/testkit"
)

// needTools skips when OpenSSH's client or tmux is missing (.ci/run installs both).
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found (apt-get install openssh-client tmux; .ci/run does): %v", tool, err)
		}
	}
}

// logBuf collects the host's log and prints it when the test fails.
type logBuf = testkit.Buffer

// startHost starts a host on a free loopback port with the embedded service in a fresh data
// directory, and shuts it down when the test ends.
func startHost(t *testing.T, o sshhost.Options) (*sshhost.Host, *logBuf) {
	t.Helper()
	needTools(t)
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Config.Client.DataDir == "" {
		cfg := config.Default()
		cfg.Client.DataDir = t.TempDir()
		o.Config = cfg
	}
	logs := &logBuf{}
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := sshhost.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("host log:\n%s", logs.String())
		}
	})
	return h, logs
}

// newKey makes an ed25519 key pair in a temporary directory and returns the private key's path
// (the public key is path+".pub").
func newKey(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	return path
}

// addrer is a host to connect to: a *sshhost.Host, or a hostAt for a host in another process.
type addrer interface{ Addr() string }

// hostAt is a host in another process.
type hostAt struct{ addr string }

func (h hostAt) Addr() string { return h.addr }

// sshArgs are the options of every connection: no host key checks, this key only, no prompts.
func sshArgs(h addrer, key string) []string {
	_, port, _ := strings.Cut(h.Addr(), ":")
	return []string{
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10", "-i", key, "-p", port,
	}
}

// runSSH runs ssh without a terminal and returns its combined output and exit code.
func runSSH(t *testing.T, h *sshhost.Host, key string, extra ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append(sshArgs(h, key), extra...)
	args = append(args, "wallet@127.0.0.1")
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ssh: %v", err)
	}
	return string(out), code
}

var tmuxSeq atomic.Int64

// term is a real terminal (a tmux pane on a private tmux server) running OpenSSH's client.
type term struct {
	t      *testing.T
	socket string
}

// openTerm starts ssh -tt to the host in a new tmux server of its own, w×h cells. When ssh
// ends the pane shows "[exit N]".
func openTerm(t *testing.T, h *sshhost.Host, key string, w, hgt int) *term {
	t.Helper()
	return openTermAt(t, h, key, w, hgt)
}

// openTermAt is openTerm for any address.
func openTermAt(t *testing.T, h addrer, key string, w, hgt int) *term {
	t.Helper()
	tm := &term{t: t, socket: fmt.Sprintf("swssh-%d-%d", os.Getpid(), tmuxSeq.Add(1))}
	quoted := make([]string, 0, 20)
	for _, a := range append(append([]string{"ssh", "-tt"}, sshArgs(h, key)...), "wallet@127.0.0.1") {
		quoted = append(quoted, "'"+a+"'")
	}
	shell := strings.Join(quoted, " ") + `; echo "[exit $?]"; sleep 600`
	cmd := exec.Command("tmux", "-L", tm.socket, "-f", "/dev/null", "new-session", "-d", "-s", "w",
		"-x", fmt.Sprint(w), "-y", fmt.Sprint(hgt), shell)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	cmd.Env = slicesWithout(cmd.Env, "TMUX")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v: %s", err, out)
	}
	sock, _ := exec.Command("tmux", "-L", tm.socket, "display-message", "-p", "#{socket_path}").Output()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screen %s at the end:\n%s", tm.socket, tm.screen())
		}
		_ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run()
		if p := strings.TrimSpace(string(sock)); p != "" {
			_ = os.Remove(p) // kill-server may leave the socket file behind
		}
	})
	return tm
}

func slicesWithout(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func (tm *term) screen() string {
	out, err := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p", "-t", "w").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(capture-pane: %v: %s)", err, out)
	}
	return string(out)
}

// waitFor polls the screen until it holds every one of texts, or fails after a deadline.
func (tm *term) waitFor(texts ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := tm.screen()
		missing := ""
		for _, x := range texts {
			if !strings.Contains(s, x) {
				missing = x
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q; it shows:\n%s", missing, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// keys sends tmux key names (Enter, Tab, C-r).
func (tm *term) keys(names ...string) {
	tm.t.Helper()
	args := append([]string{"-L", tm.socket, "send-keys", "-t", "w"}, names...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

// typeText types text literally.
func (tm *term) typeText(text string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "-L", tm.socket, "send-keys", "-t", "w", "-l", text).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

// register creates an account in the wallet's create-account form; the dashboard follows.
func (tm *term) register(email, password string) string {
	tm.t.Helper()
	tm.waitFor("Sign in", "ctrl+r")
	tm.keys("C-r")
	tm.waitFor("Create account")
	tm.typeText(email)
	tm.keys("Tab")
	tm.typeText(password)
	tm.keys("Enter")
	return tm.waitFor(email, "Balance", "Available")
}

// signIn fills in the sign-in form.
func (tm *term) signIn(email, password string) {
	tm.t.Helper()
	tm.waitFor("Sign in", "Password")
	tm.typeText(email)
	tm.keys("Tab")
	tm.typeText(password)
	tm.keys("Enter")
}
