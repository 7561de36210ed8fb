//go:build linux

package client

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
	"golang.org/x/sys/unix"
)

// privateRing is a keyring of this test alone, invalidated at the end: the tests never touch
// the user's persistent keyring.
func privateRing(t *testing.T) int {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ring, err := unix.AddKey("keyring", "syftwallet-test-"+hex.EncodeToString(b), nil, unix.KEY_SPEC_PROCESS_KEYRING)
	if err != nil {
		t.Skipf("no kernel keyring here (%v)", err)
	}
	// As the persistent keyring: only a possessor may search or write it; the user may link it
	// (which makes the linking thread a possessor), as any thread of the user may get the
	// persistent keyring linked.
	if err := unix.KeyctlSetperm(ring, 0x1f130000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, ring, 0, 0, 0) })
	return ring
}

// newKernelStoreIn is a KernelStore on the keyring ring instead of the persistent one.
func newKernelStoreIn(ring int) *KernelStore {
	return kernelStoreOn(func() (int, error) {
		_, err := unix.KeyctlInt(unix.KEYCTL_LINK, ring, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0)
		return ring, err
	}, false)
}

func TestKernelStore(t *testing.T) {
	ring := privateRing(t)
	storeContract(t, newKernelStoreIn(ring))

	// Another store on the same keyring (another process of the user, in life) reads what
	// this one wrote, however long.
	long := Secret{RefreshToken: strings.Repeat("r", 3000)}
	if err := newKernelStoreIn(ring).Save(testServer, "lee@example.org", long); err != nil {
		t.Fatal(err)
	}
	if got, err := newKernelStoreIn(ring).Load(testServer, "lee@example.org"); err != nil || got != long {
		t.Fatalf("Load of a long secret: %d characters, %v", len(got.RefreshToken), err)
	}
	// An error names the entry, never the secret.
	if err := newKernelStoreIn(ring).set("bad@example.org@"+testServer, []byte("rt-secret-value")); err != nil {
		t.Fatal(err)
	}
	_, err := newKernelStoreIn(ring).Load(testServer, "bad@example.org")
	if err == nil || errors.Is(err, ErrNotFound) || strings.Contains(err.Error(), "rt-secret-value") {
		t.Fatalf("a corrupt entry: %v", err)
	}
}

// Without a D-Bus session bus (a script, cron, an SSH login) the Secret Service is not asked at
// all (the D-Bus library would start daemons that never exit): the kernel keyring keeps the
// session, so the next command is still signed in; with a bus, the OS keyring is used.
func TestNewTokenStoreWithoutSessionBus(t *testing.T) {
	keyring.MockInit() // a Secret Service that would answer, if it were asked
	ring := privateRing(t)
	kernel := func() (TokenStore, bool) { return newKernelStoreIn(ring), true }
	none := func() (TokenStore, bool) { return nil, false }
	env := func(bus string) func(string) string {
		return func(k string) string {
			if k == "DBUS_SESSION_BUS_ADDRESS" {
				return bus
			}
			return ""
		}
	}
	s, warning := newTokenStore(true, env(""), kernel)
	if _, ok := s.(*KernelStore); !ok || warning != "" || !s.Persistent() {
		t.Errorf("no session bus: got %T, warning %q", s, warning)
	}
	if _, err := keyring.Get(KeyringService, "probe@syftwallet"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("the Secret Service was asked: %v", err)
	}
	s, warning = newTokenStore(true, env("unix:path=/run/user/0/bus"), kernel)
	if _, ok := s.(*KeyringStore); !ok || warning != "" {
		t.Errorf("a session bus: got %T, warning %q", s, warning)
	}
	s, warning = newTokenStore(true, env(""), none)
	if _, ok := s.(*MemoryStore); !ok || warning == "" {
		t.Errorf("no bus, no kernel keyring: got %T, warning %q", s, warning)
	}
	if s, _ = newTokenStore(false, env(""), kernel); s.Persistent() {
		t.Errorf("keyring off: got %T", s)
	}
	// The OS keyring that does not answer falls back to the kernel keyring, not to memory.
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	t.Cleanup(keyring.MockInit)
	if s, warning = newTokenStore(true, env("unix:path=/run/user/0/bus"), kernel); warning != "" {
		t.Errorf("an unanswering Secret Service: got %T, warning %q", s, warning)
	} else if _, ok := s.(*KernelStore); !ok {
		t.Errorf("an unanswering Secret Service: got %T", s)
	}
}

// Goroutines on many OS threads share one KernelStore: every call finds the keyring, whichever
// thread it runs on (keyrings belong to threads in Linux).
func TestKernelStoreConcurrent(t *testing.T) {
	s := newKernelStoreIn(privateRing(t))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			<-start
			email := fmt.Sprintf("user%d@example.org", i)
			want := Secret{RefreshToken: fmt.Sprintf("rt-%d", i)}
			if err := s.Save(testServer, email, want); err != nil {
				t.Error(err)
				return
			}
			if got, err := s.Load(testServer, email); err != nil || got != want {
				t.Errorf("Load %s = %v, %v", email, got, err)
			}
			if err := s.Delete(testServer, email); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
}

// The report of the kernel store reads the kernel's own idle expiry of persistent keyrings.
func TestDescribeKernelStore(t *testing.T) {
	b, err := os.ReadFile(expiryFile)
	if err != nil {
		t.Skipf("no %s here (%v)", expiryFile, err)
	}
	secs, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	var r StoreReport
	describeKernel(&KernelStore{persistent: true}, &r)
	if r.KernelRing != "persistent" || r.Expiry != time.Duration(secs)*time.Second {
		t.Errorf("persistent: %+v, the kernel says %d s", r, secs)
	}
	r = StoreReport{}
	describeKernel(&KernelStore{}, &r)
	if r.KernelRing != "user" || r.Expiry != 0 {
		t.Errorf("user keyring: %+v", r)
	}
	if StoreKind(&KernelStore{}) != StoreKernel {
		t.Error("StoreKind of a KernelStore")
	}
}
