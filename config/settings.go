package config

import (
	"errors"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/money"
)

// setting is one key of one or more sources and how it sets the Config.
type setting struct {
	yaml   string // dotted key in the config file, or ""
	env    string // environment variable, or ""
	flag   string // flag name without dashes, or ""
	secret bool   // never show the value
	// field is the client.Config field apply sets, as its rules name it (client.Config.CheckField):
	// after apply, that rule decides whether the value is usable, so every source of a setting
	// is refused with one sentence.
	field string
	apply func(c *Config, text string, getenv func(string) (string, bool)) error
}

// set applies text and checks the client field it set.
func (s setting) set(c *Config, text string, getenv func(string) (string, bool)) error {
	if err := s.apply(c, text, getenv); err != nil {
		return err
	}
	return c.Client.CheckField(s.field)
}

// display is the value as an error message may show it.
func (s setting) display(v string) string {
	if s.secret {
		return "[redacted]"
	}
	return redactURL(v)
}

// unusable is what a number setting stores for text that is not a number: a value its field's
// rule refuses, so that the rule's sentence ("want a positive number of seconds") answers both
// "abc" and "-1".
const unusable = -1

// settings lists every key of every source. Keys (the keys: section) is
// handled by loadYAML itself.
var settings = []setting{
	{yaml: "syftbox.accounting.service_url", env: "SYFTBOX_ACCOUNTING_URL", flag: "server", field: "ServiceURL",
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			c.Client.ServiceURL = strings.TrimRight(strings.TrimSpace(s), "/")
			return nil
		}},
	{yaml: "syftbox.accounting.timeout", env: "SYFTBOX_TIMEOUT", flag: "timeout", field: "Timeout",
		apply: durationSetting(func(c *Config) *time.Duration { return &c.Client.Timeout }, time.Second)},
	{yaml: "syftbox.accounting.max_retries", env: "SYFTBOX_MAX_RETRIES", flag: "max-retries", field: "MaxRetries",
		apply: intSetting(func(c *Config) *int { return &c.Client.MaxRetries })},
	{yaml: "syftbox.accounting.retry_backoff", field: "RetryBackoff",
		apply: durationSetting(func(c *Config) *time.Duration { return &c.Client.RetryBackoff }, time.Second)},
	{yaml: "syftbox.accounting.connection_pool_size", field: "PoolSize",
		apply: intSetting(func(c *Config) *int { return &c.Client.PoolSize })},
	{yaml: "syftbox.accounting.legacy", flag: "legacy",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.Legacy }, false)},
	{yaml: "syftbox.auth.token_refresh_buffer_minutes", field: "TokenRefreshBuffer",
		apply: durationSetting(func(c *Config) *time.Duration { return &c.Client.TokenRefreshBuffer }, time.Minute)},
	{yaml: "syftbox.auth.mfa_enabled",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.MFAEnabled }, false)},
	{yaml: "syftbox.auth.keyring",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.Keyring }, false)},
	{flag: "no-keyring",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.Keyring }, true)},
	{yaml: "syftbox.caching.default_ttl", field: "CacheTTL",
		apply: durationSetting(func(c *Config) *time.Duration { return &c.Client.CacheTTL }, time.Second)},
	{yaml: "syftbox.security.rate_limit_per_minute", field: "RateLimitPerMinute",
		apply: intSetting(func(c *Config) *int { return &c.Client.RateLimitPerMinute })},
	{yaml: "syftbox.security.audit_logging",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.AuditLogging }, false)},
	{yaml: "syftbox.security.circuit_breaker_threshold", field: "BreakerThreshold",
		apply: intSetting(func(c *Config) *int { return &c.Client.BreakerThreshold })},
	{yaml: "syftbox.features.enhanced_retry", env: "ENHANCED_RETRY",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.EnhancedRetry }, false)},
	{yaml: "syftbox.features.connection_pooling", env: "CONNECTION_POOLING",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.ConnectionPooling }, false)},
	{yaml: "syftbox.features.caching_enabled", env: "CACHING_ENABLED",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.CachingEnabled }, false)},
	{yaml: "syftbox.features.websocket_events", env: "WEBSOCKET_EVENTS",
		apply: boolSetting(func(c *Config) *bool { return &c.Client.WebsocketEvents }, false)},
	{env: "SYFTBOX_ACCOUNTING_EMAIL", flag: "email",
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			c.Client.Email = strings.TrimSpace(s)
			return nil
		}},
	{env: "SYFTBOX_ACCOUNTING_PASSWORD", secret: true,
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			c.Client.Password = s
			return nil
		}},
	{yaml: "syftbox.auth.api_key", env: "SYFTWALLET_API_KEY", secret: true, field: "APIKey",
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			c.Client.APIKey = strings.TrimSpace(s)
			return nil
		}},
	{yaml: "wallet.data_dir", env: "SYFTWALLET_DATA_DIR", flag: "data-dir", field: "DataDir", apply: dataDirSetting},
	{yaml: "wallet.theme", flag: "theme",
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			s = strings.TrimSpace(s)
			if err := checkTheme(s); err != nil {
				return err
			}
			c.Theme = s
			return nil
		}},
	{yaml: "wallet.mouse",
		apply: boolSetting(func(c *Config) *bool { return &c.Mouse }, false)},
	{yaml: "wallet.pay_confirm_threshold",
		apply: func(c *Config, s string, _ func(string) (string, bool)) error {
			m, err := money.Parse(s)
			if err != nil {
				return errThreshold
			}
			if err := checkThreshold(m); err != nil {
				return err
			}
			if m == 0 {
				m = DefaultPayThreshold
			}
			c.PayThreshold = m
			return nil
		}},
}

// dataDirSetting sets the data directory, ~ expanded; "" is left for the DataDir rule to refuse.
func dataDirSetting(c *Config, s string, getenv func(string) (string, bool)) error {
	s = strings.TrimSpace(s)
	if s == "" {
		c.Client.DataDir = ""
		return nil
	}
	if s == "~" || strings.HasPrefix(s, "~/") || strings.HasPrefix(s, `~\`) {
		home, err := homeDir(getenv)
		if err != nil {
			return errors.New("cannot expand ~: no home directory")
		}
		s = filepath.Join(home, s[1:])
	}
	c.Client.DataDir = filepath.Clean(s)
	return nil
}

// durationSetting parses a number of units (seconds or minutes, fractions
// allowed) or a Go duration such as "1m30s"; anything else is unusable.
func durationSetting(field func(*Config) *time.Duration, unit time.Duration) func(*Config, string, func(string) (string, bool)) error {
	return func(c *Config, s string, _ func(string) (string, bool)) error {
		s = strings.TrimSpace(s)
		d := time.Duration(unusable)
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			if x := f * float64(unit); !math.IsNaN(x) && !math.IsInf(x, 0) && math.Abs(x) <= math.MaxInt64 {
				d = time.Duration(math.Round(x))
			}
		} else if p, err := time.ParseDuration(s); err == nil {
			d = p
		}
		*field(c) = d
		return nil
	}
}

// intSetting parses a whole number; anything else is unusable.
func intSetting(field func(*Config) *int) func(*Config, string, func(string) (string, bool)) error {
	return func(c *Config, s string, _ func(string) (string, bool)) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			n = unusable
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
