//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/service"
)

// machine is a headless machine as a script sees it: no D-Bus session bus, its own config and
// data directories, and a dbus-launch first on PATH that only notes that it was run (the D-Bus
// library runs dbus-launch when it autolaunches a bus: that is what leaves daemons behind, and
// what stalls without a HOME).
type machine struct {
	t      *testing.T
	env    []string
	marker string // written by the fake dbus-launch
}

func newMachine(t *testing.T, serviceURL string) *machine {
	t.Helper()
	bin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "dbus-launch-ran")
	script := "#!/bin/sh\necho \"$0 $*\" >> '" + marker + "'\nexit 1\n"
	for _, name := range []string{"dbus-launch", "dbus-daemon", "gnome-keyring-daemon"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DBUS_SESSION_BUS_ADDRESS", "PATH", "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR",
			"SYFTWALLET_DATA_DIR", "SYFTBOX_ACCOUNTING_URL", "SYFTWALLET_API_KEY", "SYFTBOX_ACCOUNTING_PASSWORD":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(),
		"SYFTWALLET_DATA_DIR="+t.TempDir(), "SYFTBOX_ACCOUNTING_URL="+serviceURL, "SYFTBOX_TIMEOUT=20")
	return &machine{t: t, env: env, marker: marker}
}

type outcome struct {
	stdout, stderr string
	code           int
}

// run runs syftwallet as a process of its own on the machine, with extra variables.
func (m *machine) run(stdin string, extra []string, args ...string) outcome {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := syftwallet(ctx, args...)
	cmd.Env = append(append(append([]string{}, m.env...), extra...), cmd.Env[len(cmd.Env)-1]) // + the arguments
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		m.t.Fatalf("%v: %v", args, err)
	}
	return outcome{out.String(), errb.String(), code}
}

// noDBus fails the test when anything ran dbus-launch (or a daemon) on the machine.
func (m *machine) noDBus() {
	m.t.Helper()
	if b, err := os.ReadFile(m.marker); err == nil {
		m.t.Errorf("a command tried to start a D-Bus session bus:\n%s", b)
	}
}

// kernelEntry reports whether the user's persistent kernel keyring holds the entry named.
func kernelEntry(t *testing.T, name string) bool {
	runtime.LockOSThread() // keyrings belong to a thread: search where the ring is linked
	defer runtime.UnlockOSThread()
	ring, err := unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = unix.KeyctlSearch(ring, "user", "syftwallet:"+name, 0)
	return err == nil
}

// The bug of issue 12, on a machine with no Secret Service (no session bus): `login
// --password-stdin` in one process, then `balance` in another is signed in, because the session
// is in the kernel keyring; `logout` deletes it. No command tries to start a D-Bus bus, even
// without a HOME directory.
func TestSessionAcrossProcessesWithoutDesktop(t *testing.T) {
	if _, err := unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0); err != nil {
		t.Skipf("keyctl is refused here, so there is no kernel keyring to keep a session in (%v)", err)
	}
	ctx := context.Background()
	svc, err := service.Start(ctx, service.Options{Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "ledger.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	email, pw := "headless@example.com", "correct horse battery"
	body, _ := json.Marshal(api.CreateUserRequest{Email: email, Password: &pw})
	resp, err := http.Post(svc.URL+"/auth/register", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	entry := email + "@" + svc.URL
	t.Cleanup(func() { // whatever happened, leave the user's keyring as it was
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		ring, _ := unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0)
		for _, name := range []string{entry, "last@" + svc.URL} {
			if id, err := unix.KeyctlSearch(ring, "user", "syftwallet:"+name, 0); err == nil {
				_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
			}
		}
	})

	m := newMachine(t, svc.URL)
	login := m.run(pw, nil, "login", "--email", email, "--password-stdin", "--json")
	var doc struct {
		SignedIn bool   `json:"signedIn"`
		Store    string `json:"store"`
	}
	if login.code != 0 || json.Unmarshal([]byte(login.stdout), &doc) != nil || !doc.SignedIn || doc.Store != "kernel" {
		t.Fatalf("login: exit %d\n%s%s", login.code, login.stdout, login.stderr)
	}
	if !kernelEntry(t, entry) {
		t.Fatal("login left no session in the kernel keyring")
	}
	bal := m.run("", nil, "balance")
	if bal.code != 0 || !strings.Contains(bal.stdout, email) {
		t.Fatalf("balance in the next process is not signed in: exit %d\n%s%s", bal.code, bal.stdout, bal.stderr)
	}
	// HOME gone (a service account, a container): the same, and still no bus started.
	noHome := m.run("", []string{"HOME=" + filepath.Join(t.TempDir(), "does-not-exist")}, "balance", "--json")
	if noHome.code != 0 || !strings.Contains(noHome.stdout, email) {
		t.Fatalf("balance without HOME: exit %d\n%s%s", noHome.code, noHome.stdout, noHome.stderr)
	}
	if out := m.run("", nil, "logout"); out.code != 0 || !strings.Contains(out.stdout, email) {
		t.Fatalf("logout: exit %d\n%s%s", out.code, out.stdout, out.stderr)
	}
	if kernelEntry(t, entry) {
		t.Error("logout left the session in the kernel keyring")
	}
	if bal := m.run("", nil, "balance"); bal.code != 2 {
		t.Errorf("balance after logout: exit %d\n%s%s", bal.code, bal.stdout, bal.stderr)
	}
	m.noDBus()
}
