// Command syftwallet is a terminal wallet for the SyftBox accounting service, and the service
// itself. This file turns flags, environment and the config file into configuration and hands
// over to the packages that do the work; it holds no logic of its own.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := rootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "syftwallet:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "syftwallet",
		Short:         "A terminal wallet for the SyftBox accounting service",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	root.AddCommand(serveCmd())
	return root
}

func serveCmd() *cobra.Command {
	var (
		addr, db, adminKey, currency string
		tokenTTL, accessTTL          time.Duration
		debug                        bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the accounting service (HTTP and WebSocket)",
		Long: `Run the accounting service: the SyftBox-compatible API and the enhanced API
(bearer tokens, MFA, idempotent payments, live events) on one ledger.

The admin endpoints are enabled by --admin-key or SYFTWALLET_ADMIN_KEY.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if db == "" {
				dir, err := client.DefaultDataDir()
				if err != nil {
					return fmt.Errorf("no data directory (%v); pass --db", err)
				}
				db = filepath.Join(dir, "ledger.db")
			}
			if adminKey == "" {
				adminKey = os.Getenv("SYFTWALLET_ADMIN_KEY")
			}
			level := slog.LevelInfo
			if debug {
				level = slog.LevelDebug
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			svc, err := service.Start(cmd.Context(), service.Options{
				Addr: addr, DBPath: db, AdminKey: adminKey, Currency: currency,
				TokenTTL: tokenTTL, AccessTTL: accessTTL, Logger: logger,
			})
			if err != nil {
				return err
			}
			<-cmd.Context().Done()
			logger.Info("shutting down")
			if err := svc.Wait(); err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
			logger.Info("stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&db, "db", "", "ledger file (default ledger.db in the data directory)")
	f.StringVar(&adminKey, "admin-key", "", "admin key enabling the admin endpoints (or SYFTWALLET_ADMIN_KEY)")
	f.StringVar(&currency, "currency", "USD", "the deployment's currency")
	f.DurationVar(&tokenTTL, "token-ttl", 24*time.Hour, "lifetime of transaction (delegation) tokens")
	f.DurationVar(&accessTTL, "access-ttl", 5*time.Minute, "lifetime of access tokens")
	f.BoolVar(&debug, "debug", false, "log at debug level")
	return cmd
}
