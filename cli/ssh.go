package cli

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/sshhost"
)

// sshCmd is `syftwallet ssh`: the wallet hosted over SSH (package sshhost, which imports Bubble
// Tea; this file only turns flags into its Options).
func sshCmd() *cobra.Command {
	var (
		o     sshhost.Options
		debug bool
	)
	cmd := &cobra.Command{
		Use:   "ssh",
		Short: "Host the wallet over SSH: every SSH session is its own wallet",
		Long: `Serve the wallet TUI over SSH. Every SSH session gets its own wallet and signs in inside
it (with MFA); its tokens live in memory only, never in this host's keyring. With no server
configured (--server, SYFTBOX_ACCOUNTING_URL or the config file) the accounting service runs
embedded in this process, ledger in the data directory, shared by all sessions.

Only public-key authentication is offered: --authorized-keys limits who may connect; without it
any key is accepted. The host key (ed25519) is created in the data directory on first start.
SSH does not forward NO_COLOR: --theme mono makes every session mono, and each person can turn
colour off on the Security screen. Logs go to stderr.

  syftwallet ssh --addr 127.0.0.1:23234
  ssh -p 23234 localhost`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(config.LoadOptions{Flags: cmd.Flags()})
			if err != nil {
				return err
			}
			level := slog.LevelInfo
			if debug {
				level = slog.LevelDebug
			}
			o.Config = cfg
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			return sshhost.Run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	config.RegisterFlags(f)
	_ = f.MarkHidden("email")      // each person signs in inside their session
	_ = f.MarkHidden("no-keyring") // sessions never use the keyring
	f.StringVar(&o.Addr, "addr", sshhost.DefaultAddr, "address to listen on")
	f.StringVar(&o.HostKeyPath, "host-key", "", "ed25519 host key (default "+sshhost.HostKeyFile+" in the data directory, created on first start)")
	f.StringVar(&o.AuthorizedKeysPath, "authorized-keys", "", "authorized_keys file: only these keys may connect (default: any key)")
	f.IntVar(&o.MaxSessions, "max-sessions", sshhost.DefaultMaxSessions, "most sessions open at once")
	f.DurationVar(&o.IdleTimeout, "idle-timeout", sshhost.DefaultIdleTimeout, "close a session after this long without a keypress")
	f.IntVar(&o.RatePerMinute, "rate-limit", sshhost.DefaultRatePerMinute, "new sessions per minute per client address (after a burst of 10)")
	f.BoolVar(&debug, "debug", false, "log at debug level")
	return cmd
}
