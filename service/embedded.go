package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// The embedded mode: the service of a data directory, in the process that owns its lock, with the
// welcome credit and the demo accounts.

// Embedded mode's money: what a new account starts with, what each demo account starts with.
const (
	WelcomeCredit = 100 * money.Scale
	DemoCredit    = 1_000 * money.Scale
)

// DemoAccounts exist in every embedded ledger, to have someone to pay. They have no password:
// nobody can sign in as them (the service refuses an account without a password hash).
var DemoAccounts = []string{"ada@example.com", "grace@example.com"}

// EnsureDemoAccounts creates the demo accounts that are missing, each with DemoCredit and no
// password.
func EnsureDemoAccounts(ctx context.Context, l ledger.Ledger) error {
	for _, email := range DemoAccounts {
		_, err := l.AccountByEmail(ctx, email)
		if err == nil {
			continue
		}
		if !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
		_, err = l.CreateAccount(ctx, ledger.NewAccount{Email: email, WelcomeCredit: DemoCredit})
		if err != nil && !errors.Is(err, ledger.ErrAccountExists) {
			return err
		}
	}
	return nil
}

// Embedded is the accounting service of a data directory, as the wallet, the scripting commands
// and the SSH host use it when no server is configured. One process at a time runs it (the
// owner, which holds a lock on the data directory and writes the service's address there);
// every other syftwallet process on the same data directory talks to that one, so there is only
// ever one writer on the ledger and one event hub, and live events reach every wallet.
type Embedded struct {
	URL     string
	Service *Service // nil when another process owns the service
	dataDir string
	lock    *os.File
}

// Identity is the name sessions are filed under in the token store: the loopback port changes
// at every start, the data directory does not.
func (e *Embedded) Identity() string { return EmbeddedIdentity(e.dataDir) }

// Owner reports whether this process runs the service.
func (e *Embedded) Owner() bool { return e.Service != nil }

// EmbeddedIdentity is the token store's name for the embedded service of dataDir.
func EmbeddedIdentity(dataDir string) string { return "embedded:" + dataDir }

const (
	lockFile = "service.lock"
	urlFile  = "service.url"
)

// EmbeddedOptions tune StartEmbeddedWith.
type EmbeddedOptions struct {
	// NewKeys makes new keys when the data directory's keys.json is missing, another keyset or
	// damaged while the ledger depends on it (Options.NewKeys). Without it such keys are
	// refused with a *KeysError, whose message says how to fix it.
	NewKeys bool
}

// StartEmbedded runs the data directory's service in this process, with the welcome credit and
// the demo accounts, or, when another process runs it already, connects to that one.
func StartEmbedded(ctx context.Context, dataDir string, logger *slog.Logger) (*Embedded, error) {
	return StartEmbeddedWith(ctx, dataDir, logger, EmbeddedOptions{})
}

// StartEmbeddedWith is StartEmbedded with options.
func StartEmbeddedWith(ctx context.Context, dataDir string, logger *slog.Logger, o EmbeddedOptions) (*Embedded, error) {
	if dataDir == "" {
		return nil, errors.New("no data directory for the embedded ledger")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		lock, err := tryLock(filepath.Join(dataDir, lockFile))
		if err != nil {
			return nil, fmt.Errorf("lock the data directory: %w", err)
		}
		if lock != nil {
			return own(ctx, dataDir, lock, logger, o)
		}
		// Another process owns the service; it may still be starting.
		if url, ok := reachable(ctx, filepath.Join(dataDir, urlFile)); ok {
			return &Embedded{URL: url, dataDir: dataDir}, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("another syftwallet runs the service of %s, but it does not answer", dataDir)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func own(ctx context.Context, dataDir string, lock *os.File, logger *slog.Logger, o EmbeddedOptions) (*Embedded, error) {
	svc, err := Start(ctx, Options{
		Addr: "127.0.0.1:0", DBPath: filepath.Join(dataDir, "ledger.db"), WelcomeCredit: WelcomeCredit, Logger: logger,
		NewKeys: o.NewKeys, NewKeysCommand: "syftwallet --new-keys",
		// Every client is on loopback (this machine's wallets, every SSH session of `syftwallet
		// ssh`): a cap per address would only cap the sessions. The per-account cap stays.
		EventsPerAddress: -1,
	})
	if err != nil {
		lock.Close()
		return nil, err
	}
	e := &Embedded{URL: svc.URL, Service: svc, dataDir: dataDir, lock: lock}
	if err := EnsureDemoAccounts(ctx, svc.Ledger); err != nil {
		e.Close()
		return nil, fmt.Errorf("demo accounts: %w", err)
	}
	tmp := filepath.Join(dataDir, urlFile+".tmp")
	if err := os.WriteFile(tmp, []byte(svc.URL+"\n"), 0o600); err != nil {
		e.Close()
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(dataDir, urlFile)); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// reachable reads the owner's address and checks that its service answers.
func reachable(ctx context.Context, path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	url := strings.TrimSpace(string(b))
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		return "", false // only ever a loopback address this package wrote
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
	if err != nil {
		return "", false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false
	}
	resp.Body.Close()
	return url, resp.StatusCode == http.StatusOK
}

// Close stops the service when this process owns it (in-flight requests finish, the ledger
// closes) and gives the data directory up.
func (e *Embedded) Close() error {
	if e.Service == nil {
		return nil
	}
	err := e.Service.Stop()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	os.Remove(filepath.Join(e.dataDir, urlFile))
	e.lock.Close() // releases the lock
	e.Service = nil
	return err
}
