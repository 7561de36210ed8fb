package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/service"
)

func embeddedConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Client.DataDir = t.TempDir()
	cfg.Client.Keyring = false
	return cfg
}

func TestStartEmbeddedCreatesDemoAccounts(t *testing.T) {
	ctx := context.Background()
	a, err := Start(ctx, Options{Config: embeddedConfig(t), TokenStore: client.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Service() == nil || !strings.HasPrefix(a.Client().BaseURL(), "http://127.0.0.1:") {
		t.Fatalf("not embedded on loopback: %q", a.Client().BaseURL())
	}
	for _, email := range service.DemoAccounts {
		acct, err := a.Service().Ledger.AccountByEmail(ctx, email)
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		if acct.Balance != service.DemoCredit || acct.PasswordHash != "" {
			t.Fatalf("%s: balance %v, password hash set %v", email, acct.Balance, acct.PasswordHash != "")
		}
	}
	// Nobody can sign in as a demo account, with any password.
	for _, pw := range []string{"", "password", "x"} {
		if _, err := a.Client().Login(ctx, "ada@example.com", pw+"12345678"); err == nil {
			t.Fatal("signed in as a demo account")
		}
	}
	// A new account gets the welcome credit.
	reg, err := a.Client().Register(ctx, "newcomer@example.com", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if reg.User.Balance != service.WelcomeCredit || reg.Password == "" {
		t.Fatalf("welcome credit %v, generated password given %v", reg.User.Balance, reg.Password != "")
	}
}

func TestRestartKeepsTheLedgerAndDemoAccountsOnce(t *testing.T) {
	cfg := embeddedConfig(t)
	for range 2 {
		a, err := Start(context.Background(), Options{Config: cfg, TokenStore: client.NewMemoryStore()})
		if err != nil {
			t.Fatal(err)
		}
		accts, err := a.Service().Ledger.Accounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ac := range accts {
			if !ac.System {
				n++
			}
		}
		if n != len(service.DemoAccounts) {
			t.Fatalf("%d accounts after a start, want the %d demo ones", n, len(service.DemoAccounts))
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Client.DataDir, "ledger.db")); err != nil {
		t.Fatal("no ledger in the data directory")
	}
}

func TestDemoPaysTheSignedInPersonAndStops(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/syftbox/syftwallet/ledger/sqlite.(*Store).writer"),
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
	ctx := context.Background()
	a, err := Start(ctx, Options{Config: embeddedConfig(t), TokenStore: client.NewMemoryStore(),
		Demo: true, DemoEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := a.Client()
	if _, err := c.Register(ctx, "me@example.com", "my-password-1", nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // nobody signed in: ada pays nobody
	if _, err := c.Login(ctx, "me@example.com", "my-password-1"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		page, err := c.History(ctx, client.HistoryQuery{Limit: 10, Counterparty: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Transactions) > 0 {
			tx := page.Transactions[0]
			if tx.Direction != api.DirectionIn || tx.Amount <= 0 || tx.Amount >= 3_000_000 {
				t.Fatalf("odd demo payment: %+v", tx)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ada never paid")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLogsGoToTheDebugFileOnly(t *testing.T) {
	cfg := embeddedConfig(t)
	a, err := Start(context.Background(), Options{Config: cfg, Debug: true, TokenStore: client.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = a.Client().Account(context.Background()) // a request, logged
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(cfg.Client.DataDir, "syftwallet.log"))
	if err != nil || !strings.Contains(string(b), "accounting service listening") {
		t.Fatalf("debug log: %v\n%s", err, b)
	}
}

func TestEnsureDemoAccountsIsIdempotent(t *testing.T) {
	a, err := Start(context.Background(), Options{Config: embeddedConfig(t), TokenStore: client.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := service.EnsureDemoAccounts(context.Background(), a.Service().Ledger); err != nil {
		t.Fatal(err)
	}
	_, err = a.Service().Ledger.CreateAccount(context.Background(), ledger.NewAccount{Email: "ada@example.com"})
	if !errors.Is(err, ledger.ErrAccountExists) {
		t.Fatalf("creating ada again: %v", err)
	}
}

// TestExportDirIsWhereThePersonIs: History's exports go to the current directory unless
// --export-dir names another, always as an absolute path (the wallet shows it whole).
func TestExportDirIsWhereThePersonIs(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"": wd, "exports": filepath.Join(wd, "exports"), "/srv/x/../y": "/srv/y"} {
		if got := ExportDir(in); got != want {
			t.Errorf("ExportDir(%q) = %q, want %q", in, got, want)
		}
	}
	a := &App{opts: Options{ExportDir: "out"}, cfg: embeddedConfig(t).Client}
	if got := a.Model(context.Background()).Common().ExportDir; got != filepath.Join(wd, "out") {
		t.Errorf("the wallet exports to %q", got)
	}
}

// The wallet whose embedded ledger lost its keys stops before the TUI with the service's
// sentences (naming the wallet's own flag); with that flag (Options.NewKeys) it starts.
func TestWalletRefusesLostKeysWithASentence(t *testing.T) {
	ctx := context.Background()
	cfg := embeddedConfig(t)
	a, err := Start(ctx, Options{Config: cfg, TokenStore: client.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := a.Client().Register(ctx, "lin@example.org", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client().Login(ctx, "lin@example.org", reg.Password); err != nil {
		t.Fatal(err)
	}
	a.Close()
	keys := filepath.Join(cfg.Client.DataDir, "keys.json")
	if err := os.Remove(keys); err != nil {
		t.Fatal(err)
	}

	_, err = Start(ctx, Options{Config: cfg, TokenStore: client.NewMemoryStore()})
	var ke *service.KeysError
	if !errors.As(err, &ke) {
		t.Fatalf("want the service's keys refusal, got %v", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "The keys file "+keys+" is missing") ||
		!strings.Contains(msg, "`syftwallet --new-keys`") {
		t.Errorf("refusal as the person sees it: %q", msg)
	}
	a, err = Start(ctx, Options{Config: cfg, TokenStore: client.NewMemoryStore(), NewKeys: true})
	if err != nil {
		t.Fatalf("with NewKeys: %v", err)
	}
	a.Close()
}
