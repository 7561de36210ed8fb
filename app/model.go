package app

import (
	"context"
	"log/slog"

	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/ui"
	"github.com/syftbox/syftwallet/views"
)

// ModelOptions is what differs between the wallet in this terminal and the wallet of one SSH
// session; NewModel turns the rest of the configuration into the root model the same way for
// both.
type ModelOptions struct {
	Ctx    context.Context
	Client views.Client
	// Wallet is the wallet's own configuration (theme, keys, pay threshold, mouse).
	Wallet config.Wallet
	// Email is the account to sign in as, if known (client.Config.Email; "" for an SSH session).
	Email string
	// Getenv is the environment of the person's terminal (NO_COLOR, COLORFGBG): this process's,
	// or the SSH session's, never the host's for a remote person.
	Getenv func(string) (string, bool)
	// Server names the service in the status bar; Embedded says it runs in this process.
	Server   string
	Embedded bool
	// ExportDir is where History's export writes ("" turns it off: the SSH host).
	ExportDir string
	// Resume restores the last session from the token store at start.
	Resume       bool
	RegisterHint string
	Suggest      []string
	Logger       *slog.Logger
}

// NewModel builds the wallet's root model: the one place where the configuration becomes
// ui.Options, for the terminal (App.Model) and for every SSH session (sshhost).
func NewModel(o ModelOptions) *ui.Model {
	return ui.New(ui.Options{
		Ctx: o.Ctx, Client: o.Client, Theme: theme.Resolve(o.Wallet.Theme, o.Getenv), Keys: o.Wallet.Keys,
		Server: o.Server, Embedded: o.Embedded, ExportDir: o.ExportDir,
		PayThreshold: o.Wallet.PayThreshold, Resume: o.Resume, Email: o.Email,
		RegisterHint: o.RegisterHint, Suggest: o.Suggest, Logger: o.Logger,
		Dark: theme.DarkFromEnv(o.Getenv), Mouse: o.Wallet.Mouse,
	})
}
