package client

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/shopspring/decimal"
	"github.com/spf13/pflag"
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
//	  auth: {token_refresh_buffer_minutes, mfa_enabled, keyring}
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
// SYFTWALLET_DATA_DIR and the feature flags ENHANCED_RETRY,
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

// loadYAML applies the config file at path, whose content is data.
func loadYAML(c *Config, path string, data []byte, getenv func(string) (string, bool)) error {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	if len(f.Docs) > 1 {
		line := 0
		if start := f.Docs[1].Start; start != nil {
			line = start.Position.Line
		}
		return &ConfigError{Key: "---", Source: path, Line: line, Reason: "want a single YAML document"}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil
	}
	l := yamlLoader{c: c, path: path, getenv: getenv}
	return l.section(f.Docs[0].Body, "")
}

// yamlLoader walks the config file's syntax tree, so that every error can
// name the key and its line.
type yamlLoader struct {
	c      *Config
	path   string
	getenv func(string) (string, bool)
}

func (l *yamlLoader) fail(key string, n ast.Node, reason string) error {
	return &ConfigError{Key: key, Source: l.path, Line: n.GetToken().Position.Line, Reason: reason}
}

// section applies a mapping found at prefix ("" for the document itself).
func (l *yamlLoader) section(n ast.Node, prefix string) error {
	n = unwrap(n)
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	m, ok := n.(ast.MapNode)
	if !ok {
		return l.fail(cmpOr(prefix, "(document)"), n, "want a mapping")
	}
	for it := m.MapRange(); it.Next(); {
		name, ok := scalarText(it.Key())
		if !ok {
			return l.fail(cmpOr(prefix, "(document)"), it.Key(), "want plain keys")
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		value := unwrap(it.Value())
		if _, ok := value.(*ast.AliasNode); ok {
			return l.fail(key, value, "aliases are not supported")
		}
		var err error
		switch s, kind := lookupKey(key); kind {
		case keyLeaf:
			err = l.leaf(s, key, value)
		case keySection:
			err = l.section(value, key)
		case keyBindings:
			err = l.bindings(value, key)
		default:
			reason := "unknown key"
			if hint := suggest(key); hint != "" {
				reason += "; did you mean " + hint + "?"
			}
			err = l.fail(key, it.Key(), reason)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *yamlLoader) leaf(s setting, key string, n ast.Node) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	text, ok := scalarText(n)
	if !ok {
		return l.fail(key, n, "want a single value")
	}
	if err := s.apply(l.c, text, l.getenv); err != nil {
		return l.fail(key, n, err.Error())
	}
	return nil
}

// bindings reads the keys: section: each action maps to a list of keys (or a
// single key).
func (l *yamlLoader) bindings(n ast.Node, key string) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	m, ok := n.(ast.MapNode)
	if !ok {
		return l.fail(key, n, "want a mapping of actions to lists of keys")
	}
	if l.c.Keys == nil {
		l.c.Keys = map[string][]string{}
	}
	for it := m.MapRange(); it.Next(); {
		action, ok := scalarText(it.Key())
		if !ok || action == "" {
			return l.fail(key, it.Key(), "want an action name")
		}
		akey := key + "." + action
		var items []ast.Node
		switch v := unwrap(it.Value()).(type) {
		case *ast.SequenceNode:
			items = v.Values
		default:
			items = []ast.Node{v}
		}
		keys := make([]string, 0, len(items))
		for _, item := range items {
			item = unwrap(item)
			text, ok := scalarText(item)
			if _, null := item.(*ast.NullNode); !ok || null || text == "" {
				return l.fail(akey, item, `want a list of keys, e.g. ["q", "ctrl+c"]`)
			}
			keys = append(keys, text)
		}
		l.c.Keys[action] = keys
	}
	return nil
}

type keyKind int

const (
	keyUnknown keyKind = iota
	keyLeaf
	keySection
	keyBindings
)

// lookupKey says what a dotted key of the config file is.
func lookupKey(key string) (setting, keyKind) {
	if key == "keys" {
		return setting{}, keyBindings
	}
	kind := keyUnknown
	for _, s := range settings {
		switch {
		case s.yaml == "":
		case s.yaml == key:
			return s, keyLeaf
		case strings.HasPrefix(s.yaml, key+"."):
			kind = keySection
		}
	}
	return setting{}, kind
}

// suggest returns a known key of the same section within two edits of key.
func suggest(key string) string {
	prefix, name := "", key
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		prefix, name = key[:i+1], key[i+1:]
	}
	var siblings []string
	if prefix == "" {
		siblings = append(siblings, "keys")
	}
	for _, s := range settings {
		if rest, ok := strings.CutPrefix(s.yaml, prefix); ok && s.yaml != "" {
			siblings = append(siblings, strings.SplitN(rest, ".", 2)[0])
		}
	}
	for _, sib := range siblings {
		if editDistance(name, sib) <= 2 {
			return sib
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// unwrap looks through tags and anchors to the value they decorate.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

// scalarText is a scalar's text as written (unquoted), so that 1000.00 stays
// "1000.00" and file values parse exactly like environment values.
func scalarText(n ast.Node) (string, bool) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return strings.TrimRight(v.Value.Value, "\n"), true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode, *ast.NullNode:
		return v.GetToken().Value, true
	}
	return "", false
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// homeDir is the user's home directory, from getenv when it knows it.
func homeDir(getenv func(string) (string, bool)) (string, error) {
	name := "HOME"
	switch runtime.GOOS {
	case "windows":
		name = "USERPROFILE"
	case "plan9":
		name = "home"
	}
	if h, ok := getenv(name); ok && h != "" {
		return h, nil
	}
	return os.UserHomeDir()
}

// absEnv returns an environment variable that holds an absolute path.
func absEnv(getenv func(string) (string, bool), name string) (string, bool) {
	v, ok := getenv(name)
	return v, ok && filepath.IsAbs(v)
}

// configDir is os.UserConfigDir, reading the environment through getenv.
func configDir(getenv func(string) (string, bool)) (string, error) {
	return platformDir(getenv, "XDG_CONFIG_HOME", ".config", "AppData", "Library/Application Support")
}

// dataDir is where the wallet keeps its data when no source says:
// $XDG_DATA_HOME/syftwallet or ~/.local/share/syftwallet on Unix,
// ~/Library/Application Support/syftwallet on macOS and
// %LocalAppData%\syftwallet on Windows.
func dataDir(getenv func(string) (string, bool)) (string, error) {
	dir, err := platformDir(getenv, "XDG_DATA_HOME", ".local/share", "LocalAppData", "Library/Application Support")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "syftwallet"), nil
}

// DefaultDataDir is the data directory used when no source sets one.
func DefaultDataDir() (string, error) { return dataDir(os.LookupEnv) }

func platformDir(getenv func(string) (string, bool), xdg, xdgHome, windowsVar, darwinHome string) (string, error) {
	switch runtime.GOOS {
	case "windows":
		if v, ok := getenv(windowsVar); ok && v != "" {
			return v, nil
		}
		return "", fmt.Errorf("%%%s%% is not set", windowsVar)
	case "darwin", "ios":
		home, err := homeDir(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, filepath.FromSlash(darwinHome)), nil
	case "plan9":
		home, err := homeDir(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "lib"), nil
	default:
		if v, ok := absEnv(getenv, xdg); ok {
			return v, nil
		}
		home, err := homeDir(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, filepath.FromSlash(xdgHome)), nil
	}
}
