// Package app starts the wallet: it connects to the configured accounting service or starts the
// data directory's embedded one (package service), builds the client and the root model (NewModel,
// the one builder of the model, which sshhost uses for every SSH session too), runs the program,
// and takes everything down again in order when it ends. With --demo it has ada@example.com pay the
// signed-in person a little every 20 seconds.
//
// It holds wiring and lifetimes: no screens (package views), no routing (package ui), no HTTP
// handlers (package server). Logs never reach the terminal: they go to a file in the data
// directory with --debug, and nowhere otherwise.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/service"
	"github.com/syftbox/syftwallet/ui"
)

// DemoEvery is how often --demo has ada pay the signed-in person (the demo accounts and the
// money of embedded mode are the service's: service.DemoAccounts, service.WelcomeCredit).
const DemoEvery = 20 * time.Second

// Options configure a wallet.
type Options struct {
	// Config is the whole configuration: the client's (Config.Client) and the wallet's.
	Config config.Config
	// Demo makes ada pay the signed-in person every DemoEvery (embedded mode only).
	Demo bool
	// DemoEvery overrides DemoEvery (tests).
	DemoEvery time.Duration
	// Debug writes a debug log to syftwallet.log in the data directory.
	Debug bool
	// NewKeys lets the embedded service make new keys where the ledger's are lost (service.Options).
	NewKeys bool
	// ExportDir is where History's CSV exports go; "" means the current directory.
	ExportDir string
	// Getenv reads the environment (NO_COLOR); nil means os.LookupEnv.
	Getenv func(string) (string, bool)
	// TokenStore replaces the keyring (tests, the SSH host).
	TokenStore client.TokenStore
	// ProgramOptions are passed to the terminal program (tests: input, output, size).
	ProgramOptions []ui.ProgramOption
}

// App is a started wallet: its service (when embedded), client and log.
type App struct {
	opts     Options
	cfg      client.Config
	log      *slog.Logger
	logFile  *os.File
	emb      *service.Embedded // the data directory's service, when no server is configured
	svc      *service.Service  // emb's service when this process runs it; nil otherwise
	client   *client.Client
	server   string
	embedded bool

	demoStop context.CancelFunc
	demoWG   sync.WaitGroup
}

// Run starts the wallet, runs it until the person quits or ctx ends, and stops everything.
func Run(ctx context.Context, o Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, err := Start(ctx, o)
	if err != nil {
		return err
	}
	runErr := ui.Run(ctx, a.Model(ctx), o.ProgramOptions...)
	cancel()
	return errors.Join(runErr, a.Close())
}

// Start opens the log, starts the embedded service when no server is configured (and the demo
// accounts), and builds the client. It does not sign in.
func Start(ctx context.Context, o Options) (*App, error) {
	if o.Getenv == nil {
		o.Getenv = os.LookupEnv
	}
	if o.DemoEvery <= 0 {
		o.DemoEvery = DemoEvery
	}
	a := &App{opts: o, cfg: o.Config.Client}
	if err := a.openLog(); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = a.Close()
		}
	}()
	idOpt := []client.Option{client.WithLogger(a.log)}
	if a.cfg.ServiceURL == "" {
		if err := a.startEmbedded(ctx); err != nil {
			return nil, err
		}
		// The loopback port changes at every start: file the session under the data directory.
		idOpt = append(idOpt, client.WithServerIdentity(a.emb.Identity()))
	} else {
		a.server = hostOf(a.cfg.ServiceURL)
	}
	if o.TokenStore != nil {
		idOpt = append(idOpt, client.WithTokenStore(o.TokenStore))
	}
	c, err := client.New(a.cfg, idOpt...)
	if err != nil {
		return nil, err
	}
	a.client = c
	if o.Demo {
		if a.svc == nil {
			a.log.Warn("--demo needs the embedded service running in this process; ignored", "server", a.server)
		} else {
			a.startDemo(ctx)
		}
	}
	ok = true
	return a, nil
}

// Client is the wallet's client.
func (a *App) Client() *client.Client { return a.client }

// Service is the embedded service, or nil.
func (a *App) Service() *service.Service { return a.svc }

// Model builds the root model for this wallet (NewModel, as every SSH session's is built).
func (a *App) Model(ctx context.Context) *ui.Model {
	hint := ""
	var suggest []string
	if a.embedded {
		suggest = service.DemoAccounts
		hint = fmt.Sprintf("The service runs on this machine; new accounts start with %s, and %s and %s are there to pay.",
			money.Micros(service.WelcomeCredit).Grouped(), service.DemoAccounts[0], service.DemoAccounts[1])
	}
	return NewModel(ModelOptions{
		Ctx: ctx, Client: a.client, Wallet: a.opts.Config.Wallet, Email: a.cfg.Email, Getenv: a.opts.Getenv,
		Server: a.server, Embedded: a.embedded, ExportDir: ExportDir(a.opts.ExportDir),
		Resume: true, RegisterHint: hint, Suggest: suggest, Logger: a.log,
	})
}

// ExportDir is the folder exports go to, as an absolute path so that the wallet can show the
// whole of it: dir, or the current directory when dir is "" (a person exporting from a shell
// expects the file where they are, as with `history --csv > file`).
func ExportDir(dir string) string {
	if dir == "" {
		dir = "."
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// Close stops the demo, the client and the embedded service, and closes the log. Safe to call
// more than once.
func (a *App) Close() error {
	if a.demoStop != nil {
		a.demoStop()
		a.demoWG.Wait()
		a.demoStop = nil
	}
	var errs []error
	if a.client != nil {
		errs = append(errs, a.client.Close())
		a.client = nil
	}
	if a.emb != nil {
		errs = append(errs, a.emb.Close())
		a.emb, a.svc = nil, nil
	}
	if a.logFile != nil {
		errs = append(errs, a.logFile.Close())
		a.logFile = nil
	}
	return errors.Join(errs...)
}

// openLog sends every log line to the debug file, or nowhere: never to the terminal, which
// belongs to the TUI.
func (a *App) openLog() error {
	var w io.Writer = io.Discard
	level := slog.LevelInfo
	if a.opts.Debug {
		if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		f, err := os.OpenFile(filepath.Join(a.cfg.DataDir, "syftwallet.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("debug log: %w", err)
		}
		a.logFile, w, level = f, f, slog.LevelDebug
	}
	a.log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(a.log)
	log.SetOutput(w)
	return nil
}

func (a *App) startEmbedded(ctx context.Context) error {
	emb, err := service.StartEmbeddedWith(ctx, a.cfg.DataDir, a.log, service.EmbeddedOptions{NewKeys: a.opts.NewKeys})
	var keysErr *service.KeysError
	if errors.As(err, &keysErr) {
		return keysErr // its own sentences: what is wrong with the keys and how to fix it
	}
	if err != nil {
		return fmt.Errorf("embedded service: %w", err)
	}
	a.emb, a.svc, a.embedded, a.server = emb, emb.Service, true, "embedded"
	a.cfg.ServiceURL = emb.URL
	return nil
}

// demoMemos are what ada's payments are for.
var demoMemos = []string{"coffee ☕", "lunch split", "thanks for the review", "book club", "taxi home",
	"concert tickets 🎵", "groceries", "team gift"}

// startDemo has ada pay the signed-in person a small amount every DemoEvery, in a goroutine that
// Close ends.
func (a *App) startDemo(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	a.demoStop = cancel
	a.demoWG.Add(1)
	go func() {
		defer a.demoWG.Done()
		t := time.NewTicker(a.opts.DemoEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				a.demoPay(ctx)
			}
		}
	}()
}

// DemoPay makes ada pay whoever is signed in; nothing when nobody is (exported for tests).
func (a *App) demoPay(ctx context.Context) {
	c := a.client
	if c == nil || a.svc == nil {
		return
	}
	to := c.Session().Email
	if to == "" || to == service.DemoAccounts[0] {
		return
	}
	ada, err := a.svc.Ledger.AccountByEmail(ctx, service.DemoAccounts[0])
	if err != nil {
		a.log.Warn("demo: no ada", "err", err)
		return
	}
	amount := money.Micros((10 + rand.IntN(240)) * money.Scale / 100) // 0.10 to 2.49
	memo := demoMemos[rand.IntN(len(demoMemos))]
	if _, err := a.svc.Ledger.Pay(ctx, ledger.Payment{SenderID: ada.ID, RecipientEmail: to, Amount: amount, Memo: &memo}); err != nil {
		a.log.Warn("demo: payment failed", "err", err)
		return
	}
	a.log.Debug("demo: ada paid", "to", to, "amount", amount.String())
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}
