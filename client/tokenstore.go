package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// KeyringService is the service name of every entry syftwallet keeps in the
// OS keyring.
const KeyringService = "syftwallet"

// ErrNotFound is returned by a token store that holds no entry for the
// server and email (or no last account for the server).
var ErrNotFound = errors.New("client: no stored credentials")

// keyringProbeTimeout bounds the probe in NewTokenStore: a keyring that asks
// for an unlock nobody can answer (a headless box) must not hang the wallet.
const keyringProbeTimeout = 5 * time.Second

// Secret is what a session needs to resume without asking the person again:
// the refresh token, or in legacy (Basic auth) mode the password. It is
// stored as a small JSON value; String, GoString and LogValue never show it.
type Secret struct {
	RefreshToken string `json:"refreshToken,omitempty"`
	Password     string `json:"password,omitempty"`
}

// IsZero reports whether s holds nothing.
func (s Secret) IsZero() bool { return s == Secret{} }

func (s Secret) String() string {
	return fmt.Sprintf("{RefreshToken:%s Password:%s}", redact(s.RefreshToken), redact(s.Password))
}

// GoString is like String, for the %#v verb.
func (s Secret) GoString() string { return "client.Secret" + s.String() }

// LogValue makes slog log only whether each part is present.
func (s Secret) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("refreshToken", redact(s.RefreshToken)),
		slog.String("password", redact(s.Password)),
	)
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// TokenStore keeps one Secret per server and email. Implementations are safe
// for concurrent use, never write a secret to a plain file and never put one
// in an error message.
type TokenStore interface {
	// Load returns the stored secret, or ErrNotFound.
	Load(server, email string) (Secret, error)
	// Save stores s, replacing what was there.
	Save(server, email string, s Secret) error
	// Delete forgets the secret; deleting one that is not there is not an error.
	Delete(server, email string) error
	// Persistent reports whether secrets outlive the process.
	Persistent() bool
}

// LastAccountStore remembers the last account used on each server, so that
// the wallet can offer it at sign-in. KeyringStore, KernelStore and MemoryStore implement it.
type LastAccountStore interface {
	// LastAccount returns the email last used on server, or ErrNotFound.
	LastAccount(server string) (string, error)
	// SetLastAccount records email as the last account used on server.
	SetLastAccount(server, email string) error
}

// NewTokenStore returns, when useKeyring is set, the first keyring that works: the OS keyring
// (KeyringStore) when it answers a probe (one Set and Delete of a probe entry), else on Linux
// the kernel's keyring of the user (KernelStore: headless machines, containers, SSH sessions,
// scripts), else a MemoryStore. When it wanted a keyring and fell back to memory, warning is one
// sentence the UI can show (why, and what to do); otherwise it is empty. ChooseTokenStore says
// more: which store it is and for how long it keeps a session.
//
// On Linux and the BSDs the OS keyring is the Secret Service on the D-Bus session bus. Without
// a session bus (DBUS_SESSION_BUS_ADDRESS unset: a script, cron, an SSH login without a
// desktop) it is not asked at all: the D-Bus library would start a dbus-daemon and a keyring
// daemon of its own, which never exit, or stall for seconds looking for one.
func NewTokenStore(useKeyring bool) (store TokenStore, warning string) {
	store, report := ChooseTokenStore(useKeyring)
	return store, report.Warning
}

// ChooseTokenStore is NewTokenStore with the report of what it chose.
func ChooseTokenStore(useKeyring bool) (TokenStore, StoreReport) {
	return chooseTokenStore(useKeyring, os.Getenv, newKernelStore)
}

// The kinds of store, as StoreReport.Kind and `login --json` name them.
const (
	StoreKeyring = "keyring" // the OS keyring: Secret Service, macOS Keychain, Windows Credential Manager
	StoreKernel  = "kernel"  // the Linux kernel's keyring of the user
	StoreMemory  = "memory"  // this process only
)

// Why the OS keyring was not used, in StoreReport.OSKeyring.
const (
	KeyringNoBus  = "no-bus" // no D-Bus session bus, so the Secret Service was not asked
	KeyringLocked = "locked" // it is there but locked, and nobody can unlock it from here
	KeyringAbsent = "absent" // nothing answers as a Secret Service (or keychain)
	KeyringOff    = "off"    // the configuration turned the keyring off
)

// StoreReport says which token store was chosen and what that means for the person.
type StoreReport struct {
	// Kind is StoreKeyring, StoreKernel or StoreMemory.
	Kind string
	// OSKeyring is why the OS keyring is not the store (KeyringNoBus, KeyringLocked,
	// KeyringAbsent, KeyringOff), or "" when it is.
	OSKeyring string
	// KernelRing is, for the kernel store, "persistent" (the user's persistent keyring: kept
	// until reboot or Expiry unused) or "user" (the user keyring: kept while the user has a
	// process on the machine).
	KernelRing string
	// Expiry is how long the persistent kernel keyring keeps an unused session (0: unknown).
	Expiry time.Duration
	// Warning is one sentence for a memory-only store that was not asked for: why, and what to
	// do. Empty otherwise.
	Warning string
}

// Where says in a few words where the session is kept and until when, completing "the session
// is kept in …".
func (r StoreReport) Where() string {
	switch r.Kind {
	case StoreKeyring:
		return "the system keyring"
	case StoreKernel:
		if r.KernelRing == "user" {
			return "the kernel keyring of this machine while you have a session open on it"
		}
		if r.Expiry > 0 {
			return "the kernel keyring of this machine until reboot or " + humanDuration(r.Expiry) + " unused"
		}
		return "the kernel keyring of this machine until reboot or the kernel's idle timeout"
	}
	return "memory only, for this command"
}

// humanDuration writes d in whole days, hours or minutes ("3 days", "1 hour", "90 minutes").
func humanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute:
		return unit(int64(d/time.Minute), "minute")
	}
	return unit(int64(d/time.Second), "second")
}

// StoreKind names where s keeps sessions: StoreKeyring, StoreKernel or StoreMemory (any other
// store counts as the keyring when it is persistent).
func StoreKind(s TokenStore) string {
	switch s.(type) {
	case *KeyringStore:
		return StoreKeyring
	case *MemoryStore:
		return StoreMemory
	}
	if kind := kernelKind(s); kind != "" {
		return kind
	}
	if s != nil && s.Persistent() {
		return StoreKeyring
	}
	return StoreMemory
}

// newTokenStore is NewTokenStore with the environment and the kernel keyring given.
func newTokenStore(useKeyring bool, getenv func(string) string, kernel func() (TokenStore, bool)) (TokenStore, string) {
	s, r := chooseTokenStore(useKeyring, getenv, kernel)
	return s, r.Warning
}

func chooseTokenStore(useKeyring bool, getenv func(string) string, kernel func() (TokenStore, bool)) (TokenStore, StoreReport) {
	if !useKeyring {
		return NewMemoryStore(), StoreReport{Kind: StoreMemory, OSKeyring: KeyringOff}
	}
	var why string
	if bus := getenv("DBUS_SESSION_BUS_ADDRESS"); usesSecretService(runtime.GOOS) && (bus == "" || bus == "autolaunch:") {
		why = KeyringNoBus
	} else {
		ks := NewKeyringStore()
		err := ks.probe(keyringProbeTimeout)
		if err == nil {
			return ks, StoreReport{Kind: StoreKeyring}
		}
		why = keyringTrouble(err)
	}
	if ks, ok := kernel(); ok {
		r := StoreReport{Kind: StoreKernel, OSKeyring: why}
		describeKernel(ks, &r)
		return ks, r
	}
	return NewMemoryStore(), StoreReport{Kind: StoreMemory, OSKeyring: why, Warning: memoryWarning(why)}
}

// errKeyringTimeout is the probe's error when the keyring did not answer in time: a Secret
// Service that waits for someone to type the unlock password into a prompt nobody sees.
var errKeyringTimeout = errors.New("client: keyring did not answer")

// keyringTrouble tells a locked keyring from an absent one by the probe's error.
func keyringTrouble(err error) string {
	if errors.Is(err, errKeyringTimeout) {
		return KeyringLocked
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"locked", "unlock", "prompt", "dismissed", "cancel", "denied"} {
		if strings.Contains(msg, s) {
			return KeyringLocked
		}
	}
	return KeyringAbsent
}

// memoryWarning is the sentence for a session kept in memory because no keyring could keep it.
func memoryWarning(why string) string {
	const todo = " For scripts and CI, use an API key instead (syftwallet apikey create; SYFTWALLET_API_KEY)."
	switch why {
	case KeyringLocked:
		return "The system keyring is locked, so the session is kept in memory only: unlock the keyring to stay signed in." + todo
	case KeyringNoBus:
		return "No system keyring here (no desktop session), so the session is kept in memory only: you will need to sign in again next time." + todo
	}
	return "No system keyring found, so the session is kept in memory only: you will need to sign in again next time." + todo
}

// usesSecretService reports whether goos's OS keyring is the Secret Service, reached over the
// D-Bus session bus.
func usesSecretService(goos string) bool {
	switch goos {
	case "darwin", "windows", "ios", "android", "plan9", "js", "wasip1":
		return false
	}
	return true
}

// KeyringStore keeps secrets in the OS keyring (Secret Service, macOS
// Keychain, Windows Credential Manager) under the service KeyringService, one
// entry per server and email, user "email@server". Its zero value is ready to
// use, like MemoryStore's: it keeps its entries through an entryStore made for
// each call.
type KeyringStore struct {
	mu sync.Mutex // serialises keyring calls; not every backend is safe for concurrent use
}

// NewKeyringStore returns a store backed by the OS keyring. It does not check
// that the keyring is reachable; NewTokenStore does.
func NewKeyringStore() *KeyringStore { return &KeyringStore{} }

func (k *KeyringStore) store() entryStore { return entryStore{entries: k, what: "keyring"} }

// Load implements TokenStore.
func (k *KeyringStore) Load(server, email string) (Secret, error) {
	return k.store().Load(server, email)
}

// Save implements TokenStore.
func (k *KeyringStore) Save(server, email string, s Secret) error {
	return k.store().Save(server, email, s)
}

// Delete implements TokenStore.
func (k *KeyringStore) Delete(server, email string) error { return k.store().Delete(server, email) }

// Persistent implements TokenStore: the OS keyring outlives the process.
func (k *KeyringStore) Persistent() bool { return true }

// LastAccount implements LastAccountStore.
func (k *KeyringStore) LastAccount(server string) (string, error) {
	return k.store().LastAccount(server)
}

// SetLastAccount implements LastAccountStore.
func (k *KeyringStore) SetLastAccount(server, email string) error {
	return k.store().SetLastAccount(server, email)
}

var (
	_ TokenStore       = (*KeyringStore)(nil)
	_ LastAccountStore = (*KeyringStore)(nil)
	_ TokenStore       = (*MemoryStore)(nil)
	_ LastAccountStore = (*MemoryStore)(nil)
)

func (k *KeyringStore) get(user string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, err := keyring.Get(KeyringService, user)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("client: read keyring entry %s: %w", user, err)
	}
	return []byte(v), nil
}

func (k *KeyringStore) set(user string, value []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := keyring.Set(KeyringService, user, string(value)); err != nil {
		return fmt.Errorf("client: write keyring entry %s: %w", user, err)
	}
	relabel(user, entryLabel(user))
	return nil
}

// entryLabel is what a person reading their keyring sees for the entry user: a session (not a
// password) or the last account used; "" for the probe, which is deleted at once.
func entryLabel(user string) string {
	if user == probeEntry {
		return ""
	}
	if server, ok := strings.CutPrefix(user, "last@"); ok {
		return "syftwallet: the last account used on " + server + " (not a secret)"
	}
	// email@server: the email holds the first "@", the server follows the second.
	if i := strings.IndexByte(user, '@'); i >= 0 {
		if j := strings.IndexByte(user[i+1:], '@'); j >= 0 {
			email, server := user[:i+1+j], user[i+2+j:]
			return "syftwallet session of " + email + " on " + server + " (a refresh token, not your password)"
		}
	}
	return "syftwallet session (not your password)"
}

func (k *KeyringStore) delete(user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	err := keyring.Delete(KeyringService, user)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("client: delete keyring entry %s: %w", user, err)
	}
	return nil
}

// probeEntry is the entry the probe writes and deletes.
const probeEntry = "probe@syftwallet"

// probe checks that the keyring can store and delete an entry within timeout.
func (k *KeyringStore) probe(timeout time.Duration) error {
	const user = probeEntry
	done := make(chan error, 1)
	go func() {
		err := k.set(user, []byte("probe"))
		if err == nil {
			err = k.delete(user)
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return errKeyringTimeout
	}
}

// entries is a keyring that holds one value under each entry name ("email@server" for a
// secret, "last@server" for the last account): all that KeyringStore, KernelStore and
// MemoryStore do differently. get returns ErrNotFound when there is no such entry; no method
// puts a value in an error.
type entries interface {
	get(user string) ([]byte, error)
	set(user string, value []byte) error
	delete(user string) error
}

// entryStore keeps secrets and last accounts in entries, one way for every store: KeyringStore
// and KernelStore embed it as their TokenStore and LastAccountStore (their entries outlive the
// process, and in the kernel keyring the login session), MemoryStore makes one for each call.
type entryStore struct {
	entries entries
	what    string // names the store in an error: "keyring", "kernel keyring", "memory"
}

// Load implements TokenStore.
func (e entryStore) Load(server, email string) (Secret, error) {
	user, err := entryName(server, email)
	if err != nil {
		return Secret{}, err
	}
	v, err := e.entries.get(user)
	if err != nil {
		return Secret{}, err
	}
	var s Secret
	if err := json.Unmarshal(v, &s); err != nil || s.IsZero() {
		// The JSON error could quote the entry; never pass it on.
		return Secret{}, fmt.Errorf("client: %s entry %s is not a syftwallet secret", e.what, user)
	}
	return s, nil
}

// Save implements TokenStore.
func (e entryStore) Save(server, email string, s Secret) error {
	user, err := entryName(server, email)
	if err != nil {
		return err
	}
	if s.IsZero() {
		return errors.New("client: refusing to store an empty secret")
	}
	b, err := json.Marshal(s)
	if err != nil {
		return errors.New("client: cannot encode secret")
	}
	return e.entries.set(user, b)
}

// Delete implements TokenStore.
func (e entryStore) Delete(server, email string) error {
	user, err := entryName(server, email)
	if err != nil {
		return err
	}
	return e.entries.delete(user)
}

// Persistent implements TokenStore: entries outlive the process.
func (entryStore) Persistent() bool { return true }

// LastAccount implements LastAccountStore, reading the entry "last@server".
func (e entryStore) LastAccount(server string) (string, error) {
	user, err := lastEntryName(server)
	if err != nil {
		return "", err
	}
	v, err := e.entries.get(user)
	if err != nil {
		return "", err
	}
	return string(v), nil
}

// SetLastAccount implements LastAccountStore.
func (e entryStore) SetLastAccount(server, email string) error {
	user, err := lastEntryName(server)
	if err != nil {
		return err
	}
	if email, err = normalizeEmail(email); err != nil {
		return err
	}
	return e.entries.set(user, []byte(email))
}

// MemoryStore keeps secrets in process memory only: for the SSH host, a
// headless box, or when the keyring is turned off. The zero value is ready
// to use. It keeps its entries as the keyrings do, through an entryStore made
// for each call (one it embedded would need a constructor).
type MemoryStore struct {
	mu     sync.Mutex
	values map[string][]byte
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

func (m *MemoryStore) store() entryStore { return entryStore{entries: m, what: "memory"} }

// Load implements TokenStore.
func (m *MemoryStore) Load(server, email string) (Secret, error) {
	return m.store().Load(server, email)
}

// Save implements TokenStore.
func (m *MemoryStore) Save(server, email string, s Secret) error {
	return m.store().Save(server, email, s)
}

// Delete implements TokenStore.
func (m *MemoryStore) Delete(server, email string) error { return m.store().Delete(server, email) }

// Persistent implements TokenStore: a MemoryStore forgets everything when the
// process ends.
func (m *MemoryStore) Persistent() bool { return false }

// LastAccount implements LastAccountStore.
func (m *MemoryStore) LastAccount(server string) (string, error) {
	return m.store().LastAccount(server)
}

// SetLastAccount implements LastAccountStore.
func (m *MemoryStore) SetLastAccount(server, email string) error {
	return m.store().SetLastAccount(server, email)
}

func (m *MemoryStore) get(user string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[user]
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

func (m *MemoryStore) set(user string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.values == nil {
		m.values = map[string][]byte{}
	}
	m.values[user] = value
	return nil
}

func (m *MemoryStore) delete(user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.values, user)
	return nil
}

// entryName is the keyring user of the secret for email on server:
// "email@server", with the email trimmed and lower-cased and the server
// without a trailing slash. Emails always contain "@", so no entry name
// collides with a "last@server" entry.
func entryName(server, email string) (string, error) {
	server, err := normalizeServer(server)
	if err != nil {
		return "", err
	}
	email, err = normalizeEmail(email)
	if err != nil {
		return "", err
	}
	return email + "@" + server, nil
}

func lastEntryName(server string) (string, error) {
	server, err := normalizeServer(server)
	if err != nil {
		return "", err
	}
	return "last@" + server, nil
}

func normalizeServer(server string) (string, error) {
	server = strings.TrimRight(strings.TrimSpace(server), "/")
	if server == "" {
		return "", errors.New("client: token store: no server")
	}
	return server, nil
}

func normalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !strings.Contains(email, "@") {
		return "", errors.New("client: token store: want an email address")
	}
	return email, nil
}
