package client

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// Config is everything the client needs to know before it talks to the
// accounting service: the SDK's settings only (the wallet's own, such as its
// theme and keys, are package config's). Start from [DefaultConfig] and check
// it with [Config.Validate]; package config loads it from the config file,
// the environment and flags.
//
// Config is a plain value: copy it freely.
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
}

// DefaultConfig returns the built-in defaults. DataDir is left empty: the
// configuration loader (package config) fills it in when no source sets it.
func DefaultConfig() Config {
	return Config{
		Timeout:            30 * time.Second,
		MaxRetries:         3,
		RetryBackoff:       time.Second,
		BreakerThreshold:   5,
		RateLimitPerMinute: 60,
		PoolSize:           10,
		CacheTTL:           300 * time.Second,
		TokenRefreshBuffer: time.Minute,
		MFAEnabled:         true,
		AuditLogging:       true,
		Keyring:            true,
		EnhancedRetry:      true,
		ConnectionPooling:  true,
		CachingEnabled:     true,
		WebsocketEvents:    true,
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
	)
}

// Validate reports every field that holds a value the client cannot use,
// joined into one error of *ConfigError (Key the field's name). The
// configuration loader refuses a bad value where it comes from with
// [Config.CheckField]; Validate is for a Config built or changed in code.
func (c Config) Validate() error {
	var errs []error
	for _, r := range rules {
		if err := r.check(c); err != nil {
			errs = append(errs, &ConfigError{Key: r.field, Reason: err.Error()})
		}
	}
	return errors.Join(errs...)
}

// CheckField is Validate for one field, named as Validate names it
// ("Timeout"): why its value cannot be used, or nil (also for a field
// Validate does not check).
func (c Config) CheckField(field string) error {
	for _, r := range rules {
		if r.field == field {
			return r.check(c)
		}
	}
	return nil
}

// rule is what Validate checks of one field.
type rule struct {
	field string
	check func(Config) error
}

// rules are every check of Validate, in the order it reports them.
var rules = []rule{
	{"ServiceURL", func(c Config) error { return checkServiceURL(c.ServiceURL) }},
	{"Timeout", func(c Config) error { return checkDuration(c.Timeout, time.Second, true) }},
	{"MaxRetries", func(c Config) error { return checkInt(c.MaxRetries, 0) }},
	{"RetryBackoff", func(c Config) error { return checkDuration(c.RetryBackoff, time.Second, false) }},
	{"BreakerThreshold", func(c Config) error { return checkInt(c.BreakerThreshold, 1) }},
	{"RateLimitPerMinute", func(c Config) error { return checkInt(c.RateLimitPerMinute, 1) }},
	{"PoolSize", func(c Config) error { return checkInt(c.PoolSize, 1) }},
	{"CacheTTL", func(c Config) error { return checkDuration(c.CacheTTL, time.Second, false) }},
	{"TokenRefreshBuffer", func(c Config) error { return checkDuration(c.TokenRefreshBuffer, time.Minute, false) }},
	{"DataDir", func(c Config) error {
		if c.DataDir == "" {
			return errors.New("want a directory")
		}
		return nil
	}},
	{"APIKey", func(c Config) error { return checkAPIKey(c.APIKey) }},
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
	case e.Source == SourceEnv || e.Source == SourceFlag:
		return fmt.Sprintf("config: %s=%q (%s): %s", e.Key, e.Value, e.Source, e.Reason)
	default:
		return fmt.Sprintf("config: %s in %s: %s", e.Key, e.Source, e.Reason)
	}
}

// The Source of a value from the environment or a flag.
const (
	SourceEnv  = "environment"
	SourceFlag = "flag"
)

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

// redactURL hides the password in a URL's user information, if any.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}
