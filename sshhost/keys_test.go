package sshhost

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/syftbox/syftwallet/testkit"
)

func TestHostKeyCreatedOnceWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", HostKeyFile)
	first, err := loadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WantMode(t, path, 0o600)
	signer, err := gossh.ParsePrivateKey(first)
	if err != nil {
		t.Fatal(err)
	}
	if signer.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("key type %s", signer.PublicKey().Type())
	}
	again, err := loadOrCreateHostKey(path)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second start made another key (err %v)", err)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key: %v", err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateHostKey(garbage); err == nil {
		t.Error("a file that is not a key was accepted")
	}
}

func newPub(t *testing.T) (ssh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))
}

func TestAuthorizedKeysFile(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	a, aLine := newPub(t)
	b, bLine := newPub(t)
	c, _ := newPub(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		// A distinct mtime, so the change is seen even on coarse clocks.
		next := time.Now().Add(time.Duration(len(s)) * time.Second)
		if err := os.Chtimes(path, next, next); err != nil {
			t.Fatal(err)
		}
	}
	write("# comment\n\n" + aLine + " ada@laptop\n" + `from="10.0.0.1" ` + bLine + "\n")
	ak, err := loadAuthorizedKeys(path, log)
	if err != nil {
		t.Fatal(err)
	}
	if !ak.allowed(a) || !ak.allowed(b) || ak.allowed(c) {
		t.Errorf("allowed: a %v b %v c %v", ak.allowed(a), ak.allowed(b), ak.allowed(c))
	}

	// Removing a line takes effect without a restart.
	write(aLine + "\n")
	if !ak.allowed(a) || ak.allowed(b) {
		t.Errorf("after removing b: a %v b %v", ak.allowed(a), ak.allowed(b))
	}
	// A file that no longer parses lets nobody in.
	write(aLine + "\nssh-ed25519 !!!\n")
	if ak.allowed(a) {
		t.Error("a broken file still lets a in")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if ak.allowed(a) {
		t.Error("a missing file still lets a in")
	}

	for name, content := range map[string]string{"empty": "# nobody\n", "broken": "ssh-ed25519 AAAA\n"} {
		write(content)
		if _, err := loadAuthorizedKeys(path, log); err == nil {
			t.Errorf("%s file accepted at start", name)
		}
	}
	if _, err := loadAuthorizedKeys(filepath.Join(t.TempDir(), "none"), log); err == nil {
		t.Error("a missing file accepted at start")
	}
}

func TestHelpers(t *testing.T) {
	look := envLookup([]string{"TERM=xterm", "NO_COLOR=1", "NO_COLOR=", "A=b=c"})
	if v, ok := look("NO_COLOR"); !ok || v != "" {
		t.Errorf("NO_COLOR = %q %v; the last one wins", v, ok)
	}
	if v, _ := look("A"); v != "b=c" {
		t.Errorf("A = %q", v)
	}
	if _, ok := look("HOME"); ok {
		t.Error("HOME found")
	}
	for d, want := range map[time.Duration]string{
		15 * time.Minute: "15 minutes", time.Minute: "1 minute", 2 * time.Second: "2 seconds",
		2 * time.Hour: "2 hours", 90 * time.Second: "90 seconds", 1500 * time.Millisecond: "1.5s",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}
