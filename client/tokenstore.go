package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
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
// the kernel's persistent keyring of the user (KernelStore: headless machines, containers, SSH
// sessions, scripts), else a MemoryStore. When it wanted a keyring and fell back to memory,
// warning is one sentence the UI can show; otherwise it is empty.
//
// On Linux and the BSDs the OS keyring is the Secret Service on the D-Bus session bus. Without
// a session bus (DBUS_SESSION_BUS_ADDRESS unset: a script, cron, an SSH login without a
// desktop) it is not asked at all: the D-Bus library would start a dbus-daemon and a keyring
// daemon of its own, which never exit, or stall for seconds looking for one.
func NewTokenStore(useKeyring bool) (store TokenStore, warning string) {
	return newTokenStore(useKeyring, os.Getenv, newKernelStore)
}

func newTokenStore(useKeyring bool, getenv func(string) string, kernel func() (TokenStore, bool)) (TokenStore, string) {
	if !useKeyring {
		return NewMemoryStore(), ""
	}
	noBus := usesSecretService(runtime.GOOS) && getenv("DBUS_SESSION_BUS_ADDRESS") == ""
	if ks := NewKeyringStore(); !noBus && ks.probe(keyringProbeTimeout) == nil {
		return ks, ""
	}
	if ks, ok := kernel(); ok {
		return ks, ""
	}
	return NewMemoryStore(), "No system keyring found; you will need to sign in again next time."
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
// entry per server and email, user "email@server".
type KeyringStore struct {
	mu sync.Mutex // serialises keyring calls; not every backend is safe for concurrent use
}

// NewKeyringStore returns a store backed by the OS keyring. It does not check
// that the keyring is reachable; NewTokenStore does.
func NewKeyringStore() *KeyringStore { return &KeyringStore{} }

var (
	_ TokenStore       = (*KeyringStore)(nil)
	_ LastAccountStore = (*KeyringStore)(nil)
	_ TokenStore       = (*MemoryStore)(nil)
	_ LastAccountStore = (*MemoryStore)(nil)
)

// Load implements TokenStore.
func (k *KeyringStore) Load(server, email string) (Secret, error) {
	return loadSecret(k, "keyring", server, email)
}

// Save implements TokenStore.
func (k *KeyringStore) Save(server, email string, s Secret) error {
	return saveSecret(k, server, email, s)
}

// Delete implements TokenStore.
func (k *KeyringStore) Delete(server, email string) error { return deleteSecret(k, server, email) }

// Persistent implements TokenStore: keyring entries outlive the process.
func (k *KeyringStore) Persistent() bool { return true }

// LastAccount implements LastAccountStore, reading the entry "last@server".
func (k *KeyringStore) LastAccount(server string) (string, error) { return lastAccount(k, server) }

// SetLastAccount implements LastAccountStore.
func (k *KeyringStore) SetLastAccount(server, email string) error {
	return setLastAccount(k, server, email)
}

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
	return nil
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

// probe checks that the keyring can store and delete an entry within timeout.
func (k *KeyringStore) probe(timeout time.Duration) error {
	const user = "probe@syftwallet"
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
		return errors.New("client: keyring did not answer")
	}
}

// entries is a keyring that holds one value under each entry name ("email@server" for a
// secret, "last@server" for the last account): all that KeyringStore and KernelStore do
// differently. get returns ErrNotFound when there is no such entry; no method puts a value in
// an error. The functions below keep secrets and last accounts in such entries, one way for both.
type entries interface {
	get(user string) ([]byte, error)
	set(user string, value []byte) error
	delete(user string) error
}

// loadSecret reads the secret of server and email; what names the keyring in an error.
func loadSecret(e entries, what, server, email string) (Secret, error) {
	user, err := entryName(server, email)
	if err != nil {
		return Secret{}, err
	}
	v, err := e.get(user)
	if err != nil {
		return Secret{}, err
	}
	var s Secret
	if err := json.Unmarshal(v, &s); err != nil || s.IsZero() {
		// The JSON error could quote the entry; never pass it on.
		return Secret{}, fmt.Errorf("client: %s entry %s is not a syftwallet secret", what, user)
	}
	return s, nil
}

func saveSecret(e entries, server, email string, s Secret) error {
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
	return e.set(user, b)
}

func deleteSecret(e entries, server, email string) error {
	user, err := entryName(server, email)
	if err != nil {
		return err
	}
	return e.delete(user)
}

func lastAccount(e entries, server string) (string, error) {
	user, err := lastEntryName(server)
	if err != nil {
		return "", err
	}
	v, err := e.get(user)
	if err != nil {
		return "", err
	}
	return string(v), nil
}

func setLastAccount(e entries, server, email string) error {
	user, err := lastEntryName(server)
	if err != nil {
		return err
	}
	if email, err = normalizeEmail(email); err != nil {
		return err
	}
	return e.set(user, []byte(email))
}

// MemoryStore keeps secrets in process memory only: for the SSH host, a
// headless box, or when the keyring is turned off. The zero value is ready
// to use.
type MemoryStore struct {
	mu      sync.Mutex
	secrets map[string]Secret
	last    map[string]string
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Load implements TokenStore.
func (m *MemoryStore) Load(server, email string) (Secret, error) {
	key, err := entryName(server, email)
	if err != nil {
		return Secret{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.secrets[key]
	if !ok {
		return Secret{}, ErrNotFound
	}
	return s, nil
}

// Save implements TokenStore.
func (m *MemoryStore) Save(server, email string, s Secret) error {
	key, err := entryName(server, email)
	if err != nil {
		return err
	}
	if s.IsZero() {
		return errors.New("client: refusing to store an empty secret")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.secrets == nil {
		m.secrets = map[string]Secret{}
	}
	m.secrets[key] = s
	return nil
}

// Delete implements TokenStore.
func (m *MemoryStore) Delete(server, email string) error {
	key, err := entryName(server, email)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.secrets, key)
	return nil
}

// Persistent implements TokenStore: a MemoryStore forgets everything when the
// process ends.
func (m *MemoryStore) Persistent() bool { return false }

// LastAccount implements LastAccountStore.
func (m *MemoryStore) LastAccount(server string) (string, error) {
	key, err := lastEntryName(server)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	email, ok := m.last[key]
	if !ok {
		return "", ErrNotFound
	}
	return email, nil
}

// SetLastAccount implements LastAccountStore.
func (m *MemoryStore) SetLastAccount(server, email string) error {
	key, err := lastEntryName(server)
	if err != nil {
		return err
	}
	if email, err = normalizeEmail(email); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil {
		m.last = map[string]string{}
	}
	m.last[key] = email
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
