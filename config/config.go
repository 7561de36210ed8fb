// Package config loads syftwallet's configuration: the client SDK's settings (client.Config) and
// the wallet's own (theme, key bindings, the pay review threshold, the mouse), from the defaults,
// the YAML config file, the environment and the flags, each overriding the one before, and it
// registers those flags. A value that cannot be used is refused with a *client.ConfigError naming
// the key and where it came from.
//
// It knows the client's Config and its rules (client.Config.CheckField: one rule per setting,
// whichever source gave it), the theme names (package theme) and amounts (package money). It knows
// nothing of Bubble Tea, the screens or cobra: flags are a pflag.FlagSet, and what a key binding
// means is the TUI's to say (views.KeyMap.Apply).
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/theme"
)

// Config is the whole configuration: the SDK's settings and the wallet's own.
//
// Config is a plain value: copy it freely. Keys is shared between copies; treat it as read-only.
type Config struct {
	// Client is what the SDK needs: the service, timeouts, retries, the session store, the
	// credentials from the environment.
	Client client.Config
	Wallet
}

// Wallet is the wallet's own configuration, beside the SDK's.
type Wallet struct {
	// Theme is one of theme.Names().
	Theme string
	// Keys rebinds keys: an action name (as the TUI knows it) to the keys that trigger it, as
	// written under the file's top-level keys: section.
	Keys map[string][]string
	// PayThreshold is the amount from which Pay asks for the amount twice.
	PayThreshold money.Micros
	// Mouse lets the wallet take the mouse (wheel scrolls lists, a click on a tab switches);
	// off by default, since a terminal then stops selecting text for copy without shift.
	Mouse bool
}

// DefaultPayThreshold is the pay review threshold when none is set: 1,000.00. A configured 0
// also means it (as it always has: 0 never turned the second look off).
const DefaultPayThreshold money.Micros = 1_000 * money.Scale

// Default returns the built-in defaults. Client.DataDir is left empty: Load fills it in with
// DefaultDataDir when no source sets it.
func Default() Config {
	return Config{Client: client.DefaultConfig(), Wallet: Wallet{Theme: theme.Default, PayThreshold: DefaultPayThreshold}}
}

// Validate reports every field that holds a value the wallet cannot use (the client's, then the
// wallet's), joined into one error. Load already refuses bad values where they come from;
// Validate is for a Config built or changed in code.
func (c Config) Validate() error {
	errs := []error{c.Client.Validate()}
	check := func(field string, err error) {
		if err != nil {
			errs = append(errs, &client.ConfigError{Key: field, Reason: err.Error()})
		}
	}
	check("Theme", checkTheme(c.Theme))
	check("PayThreshold", checkThreshold(c.PayThreshold))
	for action, keys := range c.Keys {
		if slices.Contains(keys, "") {
			check("Keys."+action, errors.New("want non-empty key names"))
		}
	}
	return errors.Join(errs...)
}

func checkTheme(name string) error {
	if !theme.Known(name) {
		return fmt.Errorf("want one of %s", strings.Join(theme.Names(), ", "))
	}
	return nil
}

var errThreshold = errors.New("want an amount such as 1000.00 (0 or more, at most 6 decimals)")

func checkThreshold(m money.Micros) error {
	if m < 0 || m > money.MaxAmount {
		return errThreshold
	}
	return nil
}

// LoadOptions says where Load looks.
type LoadOptions struct {
	// ConfigPath is the config file to read. Empty means the default,
	// syftwallet/config.yaml under os.UserConfigDir, which may be missing.
	// An explicit file (here or from --config) must exist.
	ConfigPath string
	// Getenv looks up an environment variable; nil means os.LookupEnv.
	Getenv func(string) (string, bool)
	// Flags are parsed command-line flags, as defined by RegisterFlags; nil
	// means none. Only flags that were set on the command line count.
	Flags *pflag.FlagSet
}

// Load builds the configuration from, each overriding the one before:
// the defaults, the YAML config file, the environment and the flags. A value
// that cannot be used is refused with a *client.ConfigError naming the key and
// where it came from; so is an unknown key in the file.
//
// The file's layout:
//
//	syftbox:
//	  accounting: {service_url, timeout, max_retries, retry_backoff, connection_pool_size, legacy}
//	  auth: {token_refresh_buffer_minutes, mfa_enabled, keyring, api_key}
//	  caching: {default_ttl}
//	  security: {rate_limit_per_minute, audit_logging, circuit_breaker_threshold}
//	  features: {enhanced_retry, connection_pooling, caching_enabled, websocket_events}
//	wallet: {data_dir, theme, pay_confirm_threshold, mouse}
//	keys: {action: [key, ...], ...}
//
// Durations are numbers of seconds (minutes for token_refresh_buffer_minutes),
// fractions allowed. A key left empty (null) keeps the value from before.
//
// The environment: SYFTBOX_ACCOUNTING_URL, SYFTBOX_TIMEOUT (seconds),
// SYFTBOX_MAX_RETRIES, SYFTBOX_ACCOUNTING_EMAIL, SYFTBOX_ACCOUNTING_PASSWORD,
// SYFTWALLET_API_KEY, SYFTWALLET_DATA_DIR and the feature flags ENHANCED_RETRY,
// CONNECTION_POOLING, CACHING_ENABLED and WEBSOCKET_EVENTS (true, false, 1,
// 0, yes or no, any case). A variable set to the empty string counts as unset.
func Load(opts LoadOptions) (Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.LookupEnv
	}
	c := Default()

	path, explicit := opts.ConfigPath, opts.ConfigPath != ""
	if f := changedFlag(opts.Flags, "config"); f != nil {
		path, explicit = f.Value.String(), true
	}
	if !explicit {
		if dir, err := configDir(getenv); err == nil {
			path = filepath.Join(dir, "syftwallet", "config.yaml")
		}
	}
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := loadYAML(&c, path, data, getenv); err != nil {
				return Config{}, err
			}
		case explicit || !errors.Is(err, os.ErrNotExist):
			return Config{}, fmt.Errorf("config: %w", err)
		}
	}

	for _, s := range settings {
		if s.env == "" {
			continue
		}
		v, ok := getenv(s.env)
		if !ok || v == "" {
			continue
		}
		if err := s.set(&c, v, getenv); err != nil {
			return Config{}, &client.ConfigError{Key: s.env, Source: client.SourceEnv, Value: s.display(v), Reason: err.Error()}
		}
	}

	for _, s := range settings {
		f := changedFlag(opts.Flags, s.flag)
		if f == nil {
			continue
		}
		v := f.Value.String()
		if err := s.set(&c, v, getenv); err != nil {
			return Config{}, &client.ConfigError{Key: "--" + s.flag, Source: client.SourceFlag, Value: s.display(v), Reason: err.Error()}
		}
	}

	if c.Client.DataDir == "" {
		dir, err := dataDir(getenv)
		if err != nil {
			return Config{}, fmt.Errorf("config: no data directory (set SYFTWALLET_DATA_DIR or --data-dir): %w", err)
		}
		c.Client.DataDir = dir
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// changedFlag returns the named flag if fs defines it and it was set.
func changedFlag(fs *pflag.FlagSet, name string) *pflag.Flag {
	if fs == nil || name == "" {
		return nil
	}
	if f := fs.Lookup(name); f != nil && f.Changed {
		return f
	}
	return nil
}

// RegisterFlags defines the configuration flags on fs. Load reads those
// that were set; they override the file and the environment.
func RegisterFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "config file (default syftwallet/config.yaml in the user config directory)")
	fs.Var(&textFlag{kind: "url"}, "server", "accounting service URL, http or https; empty runs the service embedded (env SYFTBOX_ACCOUNTING_URL)")
	fs.Var(&textFlag{kind: "seconds"}, "timeout", "deadline of each call in seconds, e.g. 30 or 2.5 (default 30; env SYFTBOX_TIMEOUT)")
	fs.Var(&textFlag{kind: "int"}, "max-retries", "retries of a call that is safe to repeat (default 3; env SYFTBOX_MAX_RETRIES)")
	fs.Var(&textFlag{kind: "dir"}, "data-dir", "directory for the embedded ledger and the audit log (env SYFTWALLET_DATA_DIR)")
	fs.Var(&textFlag{kind: "email"}, "email", "account to sign in as (env SYFTBOX_ACCOUNTING_EMAIL)")
	fs.Bool("legacy", false, "use only the compatible layer: Basic auth, no live events")
	fs.Bool("no-keyring", false, "keep secrets in memory only, not in the OS keyring (sign in again next time)")
	fs.Var(&textFlag{kind: "name"}, "theme", "colour theme: "+strings.Join(theme.Names(), ", ")+" (default default)")
}

// textFlag is a flag whose text Load parses, so that a flag, an
// environment variable and a file key share one parser and one error message.
type textFlag struct {
	kind, text string
}

func (f *textFlag) String() string     { return f.text }
func (f *textFlag) Set(s string) error { f.text = s; return nil }
func (f *textFlag) Type() string       { return f.kind }

// redactURL hides the password in a URL's user information, if any.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}
