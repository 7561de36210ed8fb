package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/service"
)

// serveCmd is `syftwallet serve`: the accounting service alone (package service), until the
// process is told to stop.
func serveCmd() *cobra.Command {
	var (
		addr, db, adminKey, currency string
		keysPath                     string
		tokenTTL, accessTTL          time.Duration
		eventsPerAccount             int
		eventsPerAddress             int
		debug, newKeys               bool
		ops                          service.Options // --redis, --metrics-addr, --requests-per-*
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the accounting service (HTTP and WebSocket)",
		Long: `Run the accounting service: the SyftBox-compatible API and the enhanced API
(bearer tokens, MFA, idempotent payments, live events) on one ledger.

The admin endpoints are enabled by --admin-key or SYFTWALLET_ADMIN_KEY.

Several instances share their sign-in and request limits through Redis (--redis or REDIS_URL);
without it each instance keeps its own. When Redis cannot be reached the service goes on with
per-instance limits and says so in its log. --metrics-addr serves Prometheus metrics on a listener
of its own (keep it off the public network); GET /readyz beside GET /healthz says whether the
ledger (and Redis) answer.

The signing and encryption keys live in keys.json beside the ledger: back it up with it. When it
is missing, another keyset or damaged while the ledger depends on it, the service refuses to
start and says how to restore it; --new-keys makes new keys instead (every session ends, and
accounts with two-factor sign-in use a recovery code and enroll again).

The ledger is a SQLite file by default. For several instances on several machines put it on
PostgreSQL: --db postgres://user@host/db (or DATABASE_URL), and give every instance the same
keys file with --keys:

  syftwallet serve --db postgres://wallet@db.internal/wallet --keys /run/secrets/keys.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if db == "" {
				db = os.Getenv("DATABASE_URL")
			}
			var databaseURL string
			if postgres.IsURL(db) {
				databaseURL, db = db, ""
				if keysPath == "" {
					return errors.New("a ledger on PostgreSQL needs --keys FILE: the same keys file for every instance")
				}
			} else if db == "" {
				dir, err := config.DefaultDataDir()
				if err != nil {
					return fmt.Errorf("no data directory (%v); pass --db", err)
				}
				db = filepath.Join(dir, "ledger.db")
			}
			if adminKey == "" {
				adminKey = os.Getenv("SYFTWALLET_ADMIN_KEY")
			}
			if ops.RedisURL == "" {
				ops.RedisURL = os.Getenv("REDIS_URL")
			}
			if ops.RequestsPerAddress < 0 || ops.RequestsPerKey < 0 {
				return errors.New("--requests-per-address and --requests-per-key must be 0 (no limit) or more")
			}
			if eventsPerAccount < 1 || eventsPerAddress < 1 {
				return errors.New("--events-per-account and --events-per-address must be at least 1")
			}
			level := slog.LevelInfo
			if debug {
				level = slog.LevelDebug
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			svc, err := service.Start(cmd.Context(), service.Options{
				Addr: addr, DBPath: db, DatabaseURL: databaseURL, KeysPath: keysPath,
				AdminKey: adminKey, Currency: currency,
				TokenTTL: tokenTTL, AccessTTL: accessTTL, Logger: logger,
				NewKeys: newKeys, NewKeysCommand: "syftwallet serve --new-keys",
				EventsPerAccount: eventsPerAccount, EventsPerAddress: eventsPerAddress,
				RedisURL: ops.RedisURL, MetricsAddr: ops.MetricsAddr,
				RequestsPerAddress: ops.RequestsPerAddress, RequestsPerKey: ops.RequestsPerKey,
				TrustedProxies: ops.TrustedProxies,
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
	f.StringVar(&db, "db", "", "ledger file (default ledger.db in the data directory), or a PostgreSQL URL postgres://… (or DATABASE_URL)")
	f.StringVar(&keysPath, "keys", "", "the signing and encryption keys file (default keys.json beside the ledger file; required with PostgreSQL)")
	f.StringVar(&adminKey, "admin-key", "", "admin key enabling the admin endpoints (or SYFTWALLET_ADMIN_KEY)")
	f.StringVar(&currency, "currency", "USD", "the deployment's currency")
	f.DurationVar(&tokenTTL, "token-ttl", 24*time.Hour, "lifetime of transaction (delegation) tokens")
	f.DurationVar(&accessTTL, "access-ttl", 5*time.Minute, "lifetime of access tokens")
	f.IntVar(&eventsPerAccount, "events-per-account", service.DefaultEventsPerAccount,
		"most live-event connections one account keeps open; a new one beyond it closes the oldest (4008)")
	f.IntVar(&eventsPerAddress, "events-per-address", service.DefaultEventsPerAddress,
		"most live-event connections open from one client address; more are refused with 429")
	f.StringVar(&ops.RedisURL, "redis", "", "Redis URL (redis://host:port[/db]) for limits shared by every instance (or REDIS_URL); default: per instance")
	f.StringVar(&ops.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at GET /metrics on this address (e.g. 127.0.0.1:9090); default off")
	f.IntVar(&ops.RequestsPerAddress, "requests-per-address", 0, "most requests per minute from one client address (0: no limit)")
	f.IntVar(&ops.RequestsPerKey, "requests-per-key", 0, "most requests per minute with one credential: session, API key or Basic account (0: no limit)")
	f.StringSliceVar(&ops.TrustedProxies, "trusted-proxy", nil, "a load balancer in front (address or CIDR, repeatable): X-Forwarded-For from it names the client for per-address limits")
	f.BoolVar(&debug, "debug", false, "log at debug level")
	f.BoolVar(&newKeys, "new-keys", false, "make new keys when keys.json is missing, another keyset or damaged: sessions end, two-factor accounts use a recovery code")
	return cmd
}
