package app

import (
	"context"
	"log/slog"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
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
	// Config is the wallet's configuration (theme, keys, pay threshold, mouse, email).
	Config client.Config
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
		Ctx: o.Ctx, Client: o.Client, Theme: theme.Resolve(o.Config.Theme, o.Getenv), Keys: o.Config.Keys,
		Server: o.Server, Embedded: o.Embedded, ExportDir: o.ExportDir,
		PayThreshold: PayThreshold(o.Config), Resume: o.Resume, Email: o.Config.Email,
		RegisterHint: o.RegisterHint, Suggest: o.Suggest, Logger: o.Logger,
		Dark: theme.DarkFromEnv(o.Getenv), Mouse: o.Config.Mouse,
	})
}

// PayThreshold is the configured amount from which Pay asks for the amount twice (1,000.00 when
// the setting does not read; the config loader has refused a bad one already).
func PayThreshold(cfg client.Config) money.Micros {
	t, err := money.Parse(cfg.PayConfirmThreshold)
	if err != nil || t <= 0 {
		return 1_000 * money.Scale
	}
	return t
}
