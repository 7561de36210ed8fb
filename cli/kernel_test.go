//go:build linux

package cli_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
	"golang.org/x/sys/unix"
)

// A script on a machine without a desktop (no D-Bus session bus: cron, CI, an SSH login) signs
// in once and runs the next commands signed in, as the README's scripting example does: the
// session is kept in the kernel's persistent keyring of the user, not lost with the command.
// (It runs against the real persistent keyring, and removes its entries at the end.)
func TestScriptStaysSignedInWithoutADesktopKeyring(t *testing.T) {
	if _, err := unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0); err != nil {
		t.Skipf("no persistent kernel keyring here (%v)", err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "") // no session bus, so no Secret Service:
	keyring.MockInitWithError(errors.New(`exec: "dbus-launch": executable file not found in $PATH`))
	t.Cleanup(keyring.MockInit)
	e := newEnv(t)
	e.account("ada@example.com", "10")
	t.Cleanup(func() {
		e.run("logout")
		runtime.LockOSThread() // keyrings belong to a thread: search where the ring is linked
		defer runtime.UnlockOSThread()
		ring, _ := unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0)
		for _, name := range []string{"last@" + e.base, "ada@example.com@" + e.base} {
			if id, err := unix.KeyctlSearch(ring, "user", "syftwallet:"+name, 0); err == nil {
				_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
			}
		}
	})
	login := e.must(call{args: []string{"login", "--email", "ada@example.com", "--password-stdin", "--json"}, stdin: password})
	if !strings.Contains(login.stdout, `"persistent":true`) || !strings.Contains(login.stdout, `"store":"kernel"`) ||
		strings.Contains(login.stderr, "memory only") {
		t.Fatalf("login kept the session in memory only:\n%s%s", login.stdout, login.stderr)
	}
	// A person is told where, and until when, in plain words.
	human := e.must(call{args: []string{"login", "--email", "ada@example.com", "--password-stdin"}, stdin: password})
	if !strings.Contains(human.stdout, "the session is kept in the kernel keyring of this machine until reboot or ") {
		t.Fatalf("login does not say where the session is kept:\n%s%s", human.stdout, human.stderr)
	}
	bal := e.do(call{args: []string{"balance"}})
	if bal.code != 0 || !strings.Contains(bal.stdout, "ada@example.com") {
		t.Fatalf("the next command is not signed in: exit %d\n%s%s", bal.code, bal.stdout, bal.stderr)
	}
	if out := e.must(call{args: []string{"logout"}}); !strings.Contains(out.stdout+out.stderr, "ada@example.com") {
		t.Fatalf("logout: %s%s", out.stdout, out.stderr)
	}
	if bal := e.do(call{args: []string{"balance"}}); bal.code == 0 {
		t.Fatalf("still signed in after logout:\n%s", bal.stdout)
	}
}
