package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/app"
	"github.com/syftbox/syftwallet/config"
)

// Execute runs syftwallet with the process's arguments until the command ends or the process is
// interrupted (SIGINT, SIGTERM), prints a failure as one "syftwallet: …" line on stderr and
// returns the exit code (ExitCode): main is os.Exit(cli.Execute()).
func Execute() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Root().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "syftwallet:", err)
	}
	return ExitCode(err)
}

// Root is the whole command tree: the wallet itself (this command), serve, ssh and the
// scripting and admin commands (Commands).
func Root(opts ...Option) *cobra.Command {
	root := &cobra.Command{
		Use:           "syftwallet",
		Short:         "A terminal wallet for the SyftBox accounting service",
		SilenceUsage:  true,
		SilenceErrors: true,
		Long: `Open the wallet in the terminal. With no server configured (--server,
SYFTBOX_ACCOUNTING_URL or the config file) it runs the accounting service in this process,
with its ledger in the data directory, so it works on its own.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(config.LoadOptions{Flags: cmd.Flags()})
			if err != nil {
				return err
			}
			demo, _ := cmd.Flags().GetBool("demo")
			debug, _ := cmd.Flags().GetBool("debug")
			newKeys, _ := cmd.Flags().GetBool("new-keys")
			exportDir, _ := cmd.Flags().GetString("export-dir")
			// The one place cli reaches Bubble Tea: app runs the wallet's program.
			return app.Run(cmd.Context(), app.Options{Config: cfg, Demo: demo, Debug: debug, NewKeys: newKeys, ExportDir: exportDir})
		},
	}
	config.RegisterFlags(root.Flags())
	root.Flags().Bool("demo", false, "embedded service only: ada@example.com pays you a little every 20 seconds")
	root.Flags().Bool("debug", false, "write a debug log to syftwallet.log in the data directory")
	root.Flags().Bool("new-keys", false, "embedded service only: make new keys when keys.json is missing, another keyset or damaged (see syftwallet serve --help)")
	root.Flags().String("export-dir", "", "folder where History's e writes CSV exports (default: the current directory)")
	root.AddCommand(serveCmd())
	root.AddCommand(sshCmd())
	root.AddCommand(Commands(opts...)...)
	return root
}
