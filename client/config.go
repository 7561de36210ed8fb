package client

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/pflag"

	"github.com/syftbox/syftwallet/api"
)

// Config is everything the client needs to know before it talks to the
// accounting service. Build it with [LoadConfig] (or start from
// [DefaultConfig]) and check it with [Config.Validate].
//
// Config is a plain value: copy it freely. Keys is shared between copies;
// treat it as read-only.
type Config struct {
	// ServiceURL is the accounting service's base URL (http or https). Empty
	// means none is configured: the wallet then runs the service embedded.
	ServiceURL string
	// Timeout bounds every call, retries included.
	Timeout time.Duration
	// MaxRetries is how many times a call that is safe to repeat is retried.
	MaxRetries int
	// RetryBackoff is the base of the capped exponential backoff.
	RetryBackoff time.Duration
	// BreakerThreshold is how many consecutive failures open the circuit breaker.
	BreakerThreshold int
	// RateLimitPerMinute caps the requests the client sends.
	RateLimitPerMinute int
	// PoolSize is the number of idle connections kept per host.
	PoolSize int
	// CacheTTL is how long account information is cached.
	CacheTTL time.Duration
	// TokenRefreshBuffer is how long before expiry an access token is refreshed.
	TokenRefreshBuffer time.Duration
	// MFAEnabled lets the client offer the second factor.
	MFAEnabled bool
	// AuditLogging turns the audit log of money-moving calls on.
	AuditLogging bool
	// Keyring keeps the refresh token (or, in legacy mode, the password) in
	// the OS keyring; off keeps secrets in memory only.
	Keyring bool
	// DataDir holds the embedded service's ledger and the audit log.
	DataDir string
	// Email is the account to sign in as, if known in advance.
	Email string
	// Password signs in without asking. It is never printed: String,
	// GoString and LogValue redact it, and it is never marshalled.
	Password string `json:"-" yaml:"-"`
	// APIKey (swk_…) authenticates every call instead of a session, for scripts, CI jobs and
	// SyftBox apps: from SYFTWALLET_API_KEY or the file's syftbox.auth.api_key. It takes
	// precedence over a stored session (as GH_TOKEN does for gh), is sent as a bearer token and
	// is never refreshed. Redacted and never marshalled, like Password.
	APIKey string `json:"-" yaml:"-"`
	// Legacy forces the compatible layer (Basic auth, no live events).
	Legacy bool

	// EnhancedRetry, ConnectionPooling, CachingEnabled and WebsocketEvents
	// are feature flags; each is on by default.
	EnhancedRetry     bool
	ConnectionPooling bool
	CachingEnabled    bool
	WebsocketEvents   bool

	// PayConfirmThreshold is the amount (a decimal string) from which the
	// wallet asks for confirmation before paying.
	PayConfirmThreshold string
	// Theme is one of "default", "high-contrast" and "mono".
	Theme string
	// Keys rebinds keys: an action name (as the TUI knows it) to the keys
	// that trigger it, as written under the file's top-level keys: section.
	Keys map[string][]string
}

// themes are the theme names the wallet knows.
var themes = []string{"default", "high-contrast", "mono"}

// DefaultConfig returns the built-in defaults. DataDir is left empty:
// [LoadConfig] fills it in with [DefaultDataDir] when no source sets it.
func DefaultConfig() Config {
	return Config{
		Timeout:             30 * time.Second,
		MaxRetries:          3,
		RetryBackoff:        time.Second,
		BreakerThreshold:    5,
		RateLimitPerMinute:  60,
		PoolSize:            10,
		CacheTTL:            300 * time.Second,
		TokenRefreshBuffer:  time.Minute,
		MFAEnabled:          true,
		AuditLogging:        true,
		Keyring:             true,
		EnhancedRetry:       true,
		ConnectionPooling:   true,
		CachingEnabled:      true,
		WebsocketEvents:     true,
		PayConfirmThreshold: "1000.00",
		Theme:               "default",
	}
}

// redactedConfig has Config's fields and none of its methods, so that it can
// be formatted without recursing into Config.String.
type redactedConfig Config

func (c Config) redacted() redactedConfig {
	r := redactedConfig(c)
	if r.Password != "" {
		r.Password = "[redacted]"
	}
	if r.APIKey != "" {
		r.APIKey = "[redacted]"
	}
	r.ServiceURL = redactURL(r.ServiceURL)
	return r
}

// String formats the configuration with the password redacted.
func (c Config) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString is like String, for the %#v verb.
func (c Config) GoString() string { return fmt.Sprintf("%#v", c.redacted()) }

// LogValue makes slog log the configuration with the password redacted.
func (c Config) LogValue() slog.Value {
	r := c.redacted()
	return slog.GroupValue(
		slog.String("serviceURL", r.ServiceURL),
		slog.Duration("timeout", r.Timeout),
		slog.Int("maxRetries", r.MaxRetries),
		slog.Duration("retryBackoff", r.RetryBackoff),
		slog.Int("breakerThreshold", r.BreakerThreshold),
		slog.Int("rateLimitPerMinute", r.RateLimitPerMinute),
		slog.Int("poolSize", r.PoolSize),
		slog.Duration("cacheTTL", r.CacheTTL),
		slog.Duration("tokenRefreshBuffer", r.TokenRefreshBuffer),
		slog.Bool("mfaEnabled", r.MFAEnabled),
		slog.Bool("auditLogging", r.AuditLogging),
		slog.Bool("keyring", r.Keyring),
		slog.String("dataDir", r.DataDir),
		slog.String("email", r.Email),
		slog.String("password", r.Password),
		slog.String("apiKey", r.APIKey),
		slog.Bool("legacy", r.Legacy),
		slog.Bool("enhancedRetry", r.EnhancedRetry),
		slog.Bool("connectionPooling", r.ConnectionPooling),
		slog.Bool("cachingEnabled", r.CachingEnabled),
		slog.Bool("websocketEvents", r.WebsocketEvents),
		slog.String("payConfirmThreshold", r.PayConfirmThreshold),
		slog.String("theme", r.Theme),
		slog.Any("keys", r.Keys),
	)
}

// Validate reports every field that holds a value the client cannot use,
// joined into one error. [LoadConfig] already refuses bad values where they
// come from; Validate is for a Config built or changed in code.
func (c Config) Validate() error {
	var errs []error
	check := func(field string, err error) {
		if err != nil {
			errs = append(errs, &ConfigError{Key: field, Reason: err.Error()})
		}
	}
	check("ServiceURL", checkServiceURL(c.ServiceURL))
	check("Timeout", checkDuration(c.Timeout, time.Second, true))
	check("MaxRetries", checkInt(c.MaxRetries, 0))
	check("RetryBackoff", checkDuration(c.RetryBackoff, time.Second, false))
	check("BreakerThreshold", checkInt(c.BreakerThreshold, 1))
	check("RateLimitPerMinute", checkInt(c.RateLimitPerMinute, 1))
	check("PoolSize", checkInt(c.PoolSize, 1))
	check("CacheTTL", checkDuration(c.CacheTTL, time.Second, false))
	check("TokenRefreshBuffer", checkDuration(c.TokenRefreshBuffer, time.Minute, false))
	if c.DataDir == "" {
		check("DataDir", errors.New("want a directory"))
	}
	check("PayConfirmThreshold", checkAmount(c.PayConfirmThreshold))
	check("Theme", checkTheme(c.Theme))
	check("APIKey", checkAPIKey(c.APIKey))
	for action, keys := range c.Keys {
		if slices.Contains(keys, "") {
			check("Keys."+action, errors.New("want non-empty key names"))
		}
	}
	return errors.Join(errs...)
}

// ConfigError is a value the configuration refuses, with where it came from.
type ConfigError struct {
	// Key names the setting as its source spells it: "SYFTBOX_TIMEOUT",
	// "--timeout", "syftbox.accounting.timeout", or a Config field name
	// (from Validate).
	Key string
	// Source is "environment", "flag", the config file's path, or empty
	// (from Validate).
	Source string
	// Line is the line in the config file, or 0.
	Line int
	// Value is the refused value as given, redacted when secret. Only set
	// for the environment and flags.
	Value string
	// Reason says what was wanted, e.g. "want a number of seconds".
	Reason string
}

func (e *ConfigError) Error() string {
	switch {
	case e.Source == "":
		return fmt.Sprintf("config: %s: %s", e.Key, e.Reason)
	case e.Line > 0:
		return fmt.Sprintf("config: %s in %s line %d: %s", e.Key, e.Source, e.Line, e.Reason)
	case e.Source == sourceEnv || e.Source == sourceFlag:
		return fmt.Sprintf("config: %s=%q (%s): %s", e.Key, e.Value, e.Source, e.Reason)
	default:
		return fmt.Sprintf("config: %s in %s: %s", e.Key, e.Source, e.Reason)
	}
}

const (
	sourceEnv  = "environment"
	sourceFlag = "flag"
)

// LoadOptions says where LoadConfig looks.
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

// LoadConfig builds the configuration from, each overriding the one before:
// the defaults, the YAML config file, the environment and the flags. A value
// that cannot be used is refused with a *ConfigError naming the key and where
// it came from; so is an unknown key in the file.
//
// The file's layout:
//
//	syftbox:
//	  accounting: {service_url, timeout, max_retries, retry_backoff, connection_pool_size, legacy}
//	  auth: {token_refresh_buffer_minutes, mfa_enabled, keyring, api_key}
//	  caching: {default_ttl}
//	  security: {rate_limit_per_minute, audit_logging, circuit_breaker_threshold}
//	  features: {enhanced_retry, connection_pooling, caching_enabled, websocket_events}
//	wallet: {data_dir, theme, pay_confirm_threshold}
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
func LoadConfig(opts LoadOptions) (Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.LookupEnv
	}
	c := DefaultConfig()

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
		if err := s.apply(&c, v, getenv); err != nil {
			return Config{}, &ConfigError{Key: s.env, Source: sourceEnv, Value: s.display(v), Reason: err.Error()}
		}
	}

	for _, s := range settings {
		f := changedFlag(opts.Flags, s.flag)
		if f == nil {
			continue
		}
		v := f.Value.String()
		if err := s.apply(&c, v, getenv); err != nil {
			return Config{}, &ConfigError{Key: "--" + s.flag, Source: sourceFlag, Value: s.display(v), Reason: err.Error()}
		}
	}

	if c.DataDir == "" {
		dir, err := dataDir(getenv)
		if err != nil {
			return Config{}, fmt.Errorf("config: no data directory (set SYFTWALLET_DATA_DIR or --data-dir): %w", err)
		}
		c.DataDir = dir
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

// RegisterFlags defines the configuration flags on fs. LoadConfig reads those
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
	fs.Var(&textFlag{kind: "name"}, "theme", "colour theme: "+strings.Join(themes, ", ")+" (default default)")
}

// textFlag is a flag whose text LoadConfig parses, so that a flag, an
// environment variable and a file key share one parser and one error message.
type textFlag struct {
	kind, text string
}

func (f *textFlag) String() string     { return f.text }
func (f *textFlag) Set(s string) error { f.text = s; return nil }
func (f *textFlag) Type() string       { return f.kind }

// setting is one key of one or more sources and how it sets the Config.
type setting struct {
	yaml   string // dotted key in the config file, or ""
	env    string // environment variable, or ""
	flag   string // flag name without dashes, or ""
	secret bool   // never show the value
	apply  func(c *Config, text string, getenv func(string) (string, bool)) error
}

// display is the value as an error message may show it.
func (s setting) display(v string) string {
	if s.secret {
		return "[redacted]"
	}
	return redactURL(v)
}

// settings lists every key of every source. Keys (the keys: section) is
// handled by loadYAML itself.
var settings = []setting{
	{yaml: "syftbox.accounting.service_url", env: "SYFTBOX_ACCOUNTING_URL", flag: "server", apply: urlSetting},
	{yaml: "syftbox.accounting.timeout", env: "SYFTBOX_TIMEOUT", flag: "timeout",
		apply: durationSetting(func(c *Config) *time.Duration { return &c.Timeout }, time.Second, true)},
	{yaml: "syftbox.accounting.max_retries", env: "SYFTBOX_MAX_RETRIES", flag: "max-retries",
		apply: intSetting(func(c *Config) *int { return &c.MaxRetries }, 0)},
	{yaml: "syftbox.accounting.retry_backoff",
		apply: durationSetting(func(c *Config) *time.Duration { return &c.RetryBackoff }, time.Second, false)},
	{yaml: "syftbox.accounting.connection_pool_size",
		apply: intSetting(func(c *Config) *int { return &c.PoolSize }, 1)},
	{yaml: "syftbox.accounting.legacy", flag: "legacy",
		apply: boolSetting(func(c *Config) *bool { return &c.Legacy }, false)},
	{yaml: "syftbox.auth.token_refresh_buffer_minutes",
		apply: durationSetting(func(c *Config) *time.Duration { return &c.TokenRefreshBuffer }, time.Minute, false)},
	{yaml: "syftbox.auth.mfa_enabled",
		apply: boolSetting(func(c *Config) *bool { return &c.MFAEnabled }, false)},
	{yaml: "syftbox.auth.keyring",
		apply: boolSetting(func(c *Config) *bool { return &c.Keyring }, false)},
	{flag: "no-keyring",
		apply: boolSetting(func(c *Config) *bool { return &c.Keyring }, true)},
	{yaml: "syftbox.caching.default_ttl",
		apply: durationSetting(func(c *Config) *time.Duration { return &c.CacheTTL }, time.Second, false)},
	{yaml: "syftbox.security.rate_limit_per_minute",
		apply: intSetting(func(c *Config) *int { return &c.RateLimitPerMinute }, 1)},
	{yaml: "syftbox.security.audit_logging",
		apply: boolSetting(func(c *Config) *bool { return &c.AuditLogging }, false)},
	{yaml: "syftbox.security.circuit_breaker_threshold",
		apply: intSetting(func(c *Config) *int { return &c.BreakerThreshold }, 1)},
	{yaml: "syftbox.features.enhanced_retry", env: "ENHANCED_RETRY",
		apply: boolSetting(func(c *Config) *bool { return &c.EnhancedRetry }, false)},
	{yaml: "syftbox.features.connection_pooling", env: "CONNECTION_POOLING",
		apply: boolSetting(func(c *Config) *bool { return &c.ConnectionPooling }, false)},
	{yaml: "syftbox.features.caching_enabled", env: "CACHING_ENABLED",
		apply: boolSetting(func(c *Config) *bool { return &c.CachingEnabled }, false)},
	{yaml: "syftbox.features.websocket_events", env: "WEBSOCKET_EVENTS",
		apply: boolSetting(func(c *Config) *bool { return &c.WebsocketEvents }, false)},
	{env: "SYFTBOX_ACCOUNTING_EMAIL", flag: "email",
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			c.Email = strings.TrimSpace(s)
			return nil
		}},
	{env: "SYFTBOX_ACCOUNTING_PASSWORD", secret: true,
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			c.Password = s
			return nil
		}},
	{yaml: "syftbox.auth.api_key", env: "SYFTWALLET_API_KEY", secret: true,
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			s = strings.TrimSpace(s)
			if err := checkAPIKey(s); err != nil {
				return err
			}
			c.APIKey = s
			return nil
		}},
	{yaml: "wallet.data_dir", env: "SYFTWALLET_DATA_DIR", flag: "data-dir", apply: dataDirSetting},
	{yaml: "wallet.theme", flag: "theme",
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			s = strings.TrimSpace(s)
			if err := checkTheme(s); err != nil {
				return err
			}
			c.Theme = s
			return nil
		}},
	{yaml: "wallet.pay_confirm_threshold",
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			s = strings.TrimSpace(s)
			if err := checkAmount(s); err != nil {
				return err
			}
			c.PayConfirmThreshold = s
			return nil
		}},
}

func urlSetting(c *Config, s string, _ func(string) (string, bool)) error {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if err := checkServiceURL(s); err != nil {
		return err
	}
	c.ServiceURL = s
	return nil
}

func dataDirSetting(c *Config, s string, getenv func(string) (string, bool)) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("want a directory")
	}
	if s == "~" || strings.HasPrefix(s, "~/") || strings.HasPrefix(s, `~\`) {
		home, err := homeDir(getenv)
		if err != nil {
			return errors.New("cannot expand ~: no home directory")
		}
		s = filepath.Join(home, s[1:])
	}
	c.DataDir = filepath.Clean(s)
	return nil
}

// durationSetting parses a number of units (seconds or minutes, fractions
// allowed) or a Go duration such as "1m30s".
func durationSetting(field func(*Config) *time.Duration, unit time.Duration, positive bool) func(*Config, string, func(string) (string, bool)) error {
	return func(c *Config, s string, _ func(string) (string, bool)) error {
		s = strings.TrimSpace(s)
		var d time.Duration
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			x := f * float64(unit)
			if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > math.MaxInt64 {
				return wantDuration(unit, positive)
			}
			d = time.Duration(math.Round(x))
		} else if d, err = time.ParseDuration(s); err != nil {
			return wantDuration(unit, positive)
		}
		if err := checkDuration(d, unit, positive); err != nil {
			return err
		}
		*field(c) = d
		return nil
	}
}

func intSetting(field func(*Config) *int, min int) func(*Config, string, func(string) (string, bool)) error {
	return func(c *Config, s string, _ func(string) (string, bool)) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return wantInt(min)
		}
		if err := checkInt(n, min); err != nil {
			return err
		}
		*field(c) = n
		return nil
	}
}

// boolSetting parses true/false, 1/0 or yes/no in any case; negate stores the
// opposite (for --no-keyring).
func boolSetting(field func(*Config) *bool, negate bool) func(*Config, string, func(string) (string, bool)) error {
	return func(c *Config, s string, _ func(string) (string, bool)) error {
		var b bool
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "yes":
			b = true
		case "false", "0", "no":
			b = false
		default:
			return errors.New("want true or false")
		}
		*field(c) = b != negate
		return nil
	}
}

func wantDuration(unit time.Duration, positive bool) error {
	name := "seconds"
	if unit == time.Minute {
		name = "minutes"
	}
	if positive {
		return fmt.Errorf("want a positive number of %s", name)
	}
	return fmt.Errorf("want a number of %s", name)
}

func checkDuration(d, unit time.Duration, positive bool) error {
	if d < 0 || (positive && d == 0) {
		return wantDuration(unit, positive)
	}
	return nil
}

func wantInt(min int) error {
	if min == 0 {
		return errors.New("want a whole number, 0 or more")
	}
	return fmt.Errorf("want a whole number, %d or more", min)
}

func checkInt(n, min int) error {
	if n < min {
		return wantInt(min)
	}
	return nil
}

func checkServiceURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an http or https URL")
	}
	if u.User != nil {
		return errors.New("want a URL without credentials (use SYFTBOX_ACCOUNTING_EMAIL and SYFTBOX_ACCOUNTING_PASSWORD)")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want a URL without query or fragment")
	}
	return nil
}

// maxAmount is the largest amount the service accepts.
var maxAmount = decimal.NewFromInt(1_000_000_000_000)

func checkAmount(s string) error {
	d, err := decimal.NewFromString(s)
	if err != nil || d.IsNegative() || !d.Equal(d.Truncate(6)) || d.GreaterThan(maxAmount) {
		return errors.New("want an amount such as 1000.00 (0 or more, at most 6 decimals)")
	}
	return nil
}

// checkAPIKey accepts no key or one that looks like an API key: the prefix, then printable
// ASCII without spaces (what a header can carry).
func checkAPIKey(s string) error {
	if s == "" {
		return nil
	}
	ok := strings.HasPrefix(s, api.APIKeyPrefix) && len(s) > len(api.APIKeyPrefix)
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] > ' ' && s[i] < 0x7f
	}
	if !ok {
		return errors.New("want an API key starting with " + api.APIKeyPrefix + " (syftwallet apikey create makes one)")
	}
	return nil
}

func checkTheme(s string) error {
	if !slices.Contains(themes, s) {
		return fmt.Errorf("want one of %s", strings.Join(themes, ", "))
	}
	return nil
}

// redactURL hides the password in a URL's user information, if any.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}
