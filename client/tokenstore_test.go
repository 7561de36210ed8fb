package client

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

const testServer = "https://accounting.example.org"

// storeContract checks what every TokenStore promises.
func storeContract(t *testing.T, s TokenStore) {
	t.Helper()
	if _, err := s.Load(testServer, "alice@example.org"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load of nothing: err = %v, want ErrNotFound", err)
	}
	alice := Secret{RefreshToken: "rt-alice"}
	if err := s.Save(testServer, "alice@example.org", alice); err != nil {
		t.Fatal(err)
	}
	// Emails are trimmed and lower-cased; a trailing slash on the server does not matter.
	got, err := s.Load(testServer+"/", " Alice@Example.org ")
	if err != nil || got != alice {
		t.Fatalf("Load = %v, %v; want %v", got, err, alice)
	}
	// Entries are per server and per email.
	if _, err := s.Load("https://other.example.org", "alice@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another server: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Load(testServer, "bob@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another email: err = %v, want ErrNotFound", err)
	}
	// Save replaces; a legacy secret carries a password.
	legacy := Secret{Password: "pw-alice"}
	if err := s.Save(testServer, "alice@example.org", legacy); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(testServer, "alice@example.org"); err != nil || got != legacy {
		t.Errorf("after replace: Load = %v, %v", got, err)
	}
	if err := s.Save(testServer, "alice@example.org", Secret{}); err == nil {
		t.Error("an empty secret was stored")
	}
	if err := s.Delete(testServer, "alice@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(testServer, "alice@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Delete: err = %v, want ErrNotFound", err)
	}
	if err := s.Delete(testServer, "alice@example.org"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	// Bad names are refused.
	if err := s.Save("", "alice@example.org", alice); err == nil {
		t.Error("empty server accepted")
	}
	if err := s.Save(testServer, "alice", alice); err == nil {
		t.Error("email without @ accepted")
	}

	la, ok := s.(LastAccountStore)
	if !ok {
		t.Fatalf("%T is not a LastAccountStore", s)
	}
	if _, err := la.LastAccount(testServer); !errors.Is(err, ErrNotFound) {
		t.Errorf("LastAccount of nothing: err = %v, want ErrNotFound", err)
	}
	if err := la.SetLastAccount(testServer, "Bob@Example.org"); err != nil {
		t.Fatal(err)
	}
	if got, err := la.LastAccount(testServer + "/"); err != nil || got != "bob@example.org" {
		t.Errorf("LastAccount = %q, %v", got, err)
	}
	if _, err := la.LastAccount("https://other.example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LastAccount of another server: err = %v", err)
	}
}

func TestMemoryStore(t *testing.T) {
	s := NewMemoryStore()
	storeContract(t, s)
	if s.Persistent() {
		t.Error("a MemoryStore claims to be persistent")
	}
	var zero MemoryStore
	if err := zero.Save(testServer, "a@example.org", Secret{RefreshToken: "x"}); err != nil {
		t.Errorf("zero MemoryStore: %v", err)
	}
}

func TestKeyringStore(t *testing.T) {
	keyring.MockInit()
	s := NewKeyringStore()
	storeContract(t, s)
	if !s.Persistent() {
		t.Error("a KeyringStore claims not to be persistent")
	}

	// One entry per server and email, user email@server, value a small JSON object.
	if err := s.Save(testServer, "carol@example.org", Secret{RefreshToken: "rt-carol"}); err != nil {
		t.Fatal(err)
	}
	v, err := keyring.Get(KeyringService, "carol@example.org@"+testServer)
	if err != nil || v != `{"refreshToken":"rt-carol"}` {
		t.Errorf("keyring entry = %q, %v", v, err)
	}
	if v, err := keyring.Get(KeyringService, "last@"+testServer); err != nil || v != "bob@example.org" {
		t.Errorf("last-account entry = %q, %v", v, err)
	}
}

// A KeyringStore made without NewKeyringStore works, as it always has: its zero value is ready.
func TestKeyringStoreZeroValue(t *testing.T) {
	keyring.MockInit()
	storeContract(t, &KeyringStore{})
}

func TestKeyringStoreCorruptEntry(t *testing.T) {
	keyring.MockInit()
	if err := keyring.Set(KeyringService, "dave@example.org@"+testServer, "not json: hunter2"); err != nil {
		t.Fatal(err)
	}
	_, err := NewKeyringStore().Load(testServer, "dave@example.org")
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want a corrupt-entry error", err)
	}
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "not json") {
		t.Errorf("the error quotes the entry: %v", err)
	}
}

func TestKeyringStoreErrorsCarryNoSecret(t *testing.T) {
	backend := errors.New("dbus: no session bus")
	keyring.MockInitWithError(backend)
	t.Cleanup(keyring.MockInit)
	s := NewKeyringStore()
	err := s.Save(testServer, "erin@example.org", Secret{RefreshToken: "rt-erin-secret", Password: "pw-erin-secret"})
	if !errors.Is(err, backend) {
		t.Errorf("Save: err = %v, want the backend's error wrapped", err)
	}
	if err != nil && (strings.Contains(err.Error(), "rt-erin") || strings.Contains(err.Error(), "pw-erin")) {
		t.Errorf("Save's error shows the secret: %v", err)
	}
	if _, err := s.Load(testServer, "erin@example.org"); !errors.Is(err, backend) {
		t.Errorf("Load: err = %v, want the backend's error", err)
	}
	if err := s.Delete(testServer, "erin@example.org"); !errors.Is(err, backend) {
		t.Errorf("Delete: err = %v, want the backend's error", err)
	}
}

// With a session bus and no kernel keyring (TestNewTokenStoreWithoutSessionBus has the others).
func TestNewTokenStore(t *testing.T) {
	keyring.MockInit()
	bus := func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return "unix:path=/run/user/0/bus"
		}
		return ""
	}
	noKernel := func() (TokenStore, bool) { return nil, false }
	s, warning := newTokenStore(true, bus, noKernel)
	if _, ok := s.(*KeyringStore); !ok || warning != "" {
		t.Errorf("reachable keyring: got %T, warning %q", s, warning)
	}
	if _, err := keyring.Get(KeyringService, "probe@syftwallet"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("the probe entry was left behind: %v", err)
	}

	s, warning = newTokenStore(false, bus, noKernel)
	if _, ok := s.(*MemoryStore); !ok || warning != "" {
		t.Errorf("keyring off: got %T, warning %q", s, warning)
	}

	keyring.MockInitWithError(errors.New("exec: \"dbus-launch\": executable file not found in $PATH"))
	t.Cleanup(keyring.MockInit)
	s, warning = newTokenStore(true, bus, noKernel)
	if _, ok := s.(*MemoryStore); !ok {
		t.Errorf("unreachable keyring: got %T, want *MemoryStore", s)
	}
	if !strings.HasPrefix(warning, "No system keyring found, so the session is kept in memory only") ||
		!strings.Contains(warning, "SYFTWALLET_API_KEY") {
		t.Errorf("warning = %q", warning)
	}
	if s.Persistent() {
		t.Error("the fallback claims to be persistent")
	}
}

func TestStoresConcurrent(t *testing.T) {
	keyring.MockInit()
	for _, s := range []TokenStore{NewMemoryStore(), NewKeyringStore()} {
		t.Run(fmt.Sprintf("%T", s), func(t *testing.T) {
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					email := fmt.Sprintf("user%d@example.org", i%5)
					want := Secret{RefreshToken: fmt.Sprintf("rt-%d", i)}
					if err := s.Save(testServer, email, want); err != nil {
						t.Error(err)
					}
					if _, err := s.Load(testServer, email); err != nil && !errors.Is(err, ErrNotFound) {
						t.Error(err)
					}
					if err := s.(LastAccountStore).SetLastAccount(testServer, email); err != nil {
						t.Error(err)
					}
					if err := s.Delete(testServer, email); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestSecretRedacted(t *testing.T) {
	s := Secret{RefreshToken: "rt-secret-value", Password: "pw-secret-value"}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("secret", "s", s)
	for name, out := range map[string]string{
		"String": s.String(),
		"%v":     fmt.Sprintf("%v", s),
		"%+v":    fmt.Sprintf("%+v", s),
		"%#v":    fmt.Sprintf("%#v", s),
		"slog":   logged.String(),
	} {
		if strings.Contains(out, "secret-value") {
			t.Errorf("%s shows the secret: %s", name, out)
		}
	}
}

// A locked keyring and an absent one are told apart: the sentence says which, and what to do.
func TestNewTokenStoreLockedOrAbsent(t *testing.T) {
	bus := func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return "unix:path=/run/user/0/bus"
		}
		return ""
	}
	noKernel := func() (TokenStore, bool) { return nil, false }
	t.Cleanup(keyring.MockInit)
	for _, tc := range []struct {
		err       error
		why, want string
	}{
		{errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), KeyringLocked, "The system keyring is locked"},
		{errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files"), KeyringAbsent, "No system keyring found"},
		{errors.New("dial unix /run/user/0/bus: connect: no such file or directory"), KeyringAbsent, "No system keyring found"},
	} {
		keyring.MockInitWithError(tc.err)
		s, r := chooseTokenStore(true, bus, noKernel)
		if _, ok := s.(*MemoryStore); !ok || r.Kind != StoreMemory || r.OSKeyring != tc.why ||
			!strings.HasPrefix(r.Warning, tc.want) || !strings.Contains(r.Warning, "API key") {
			t.Errorf("%v: got %T %+v", tc.err, s, r)
		}
	}
	// A keyring that never answers is waiting for an unlock password nobody can type here.
	if got := keyringTrouble(errKeyringTimeout); got != KeyringLocked {
		t.Errorf("a probe that timed out: %q", got)
	}
	// No bus at all: the Secret Service is not asked, and the sentence says why.
	keyring.MockInitWithError(errors.New("must not be asked"))
	_, r := chooseTokenStore(true, func(string) string { return "" }, noKernel)
	if r.OSKeyring != KeyringNoBus || !strings.Contains(r.Warning, "no desktop session") {
		t.Errorf("no bus: %+v", r)
	}
}

func TestStoreReportWhere(t *testing.T) {
	for _, tc := range []struct {
		r    StoreReport
		want string
	}{
		{StoreReport{Kind: StoreKeyring}, "the system keyring"},
		{StoreReport{Kind: StoreKernel, KernelRing: "persistent", Expiry: 259200 * time.Second}, "the kernel keyring of this machine until reboot or 3 days unused"},
		{StoreReport{Kind: StoreKernel, KernelRing: "persistent", Expiry: time.Hour}, "the kernel keyring of this machine until reboot or 1 hour unused"},
		{StoreReport{Kind: StoreKernel, KernelRing: "persistent"}, "the kernel keyring of this machine until reboot or the kernel's idle timeout"},
		{StoreReport{Kind: StoreKernel, KernelRing: "user"}, "the kernel keyring of this machine while you have a session open on it"},
		{StoreReport{Kind: StoreMemory}, "memory only, for this command"},
	} {
		if got := tc.r.Where(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
	if got := humanDuration(90 * time.Minute); got != "90 minutes" {
		t.Errorf("90 minutes: %q", got)
	}
}

func TestEntryLabel(t *testing.T) {
	for user, want := range map[string]string{
		"ada@example.com@https://accounting.example.org":  "syftwallet session of ada@example.com on https://accounting.example.org (a refresh token, not your password)",
		"ada@example.com@embedded:/home/ada/.local/share": "syftwallet session of ada@example.com on embedded:/home/ada/.local/share (a refresh token, not your password)",
		"last@https://accounting.example.org":             "syftwallet: the last account used on https://accounting.example.org (not a secret)",
		probeEntry:                                        "",
	} {
		if got := entryLabel(user); got != want {
			t.Errorf("%s: %q, want %q", user, got, want)
		}
	}
}
