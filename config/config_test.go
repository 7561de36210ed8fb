package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
)

// testEnv is a hermetic environment: HOME and XDG_CONFIG_HOME point into a
// temporary directory, so no test reads the real user's config.
type testEnv struct {
	t    *testing.T
	home string
	vars map[string]string
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "plan9" {
		t.Skip("the tests spell out Unix directory layouts")
	}
	home := t.TempDir()
	return &testEnv{t: t, home: home, vars: map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, "cfg"),
	}}
}

func (e *testEnv) getenv(name string) (string, bool) {
	v, ok := e.vars[name]
	return v, ok
}

// load is Load with opts in the test's environment; an error fails the test.
func (e *testEnv) load(opts LoadOptions) Config {
	e.t.Helper()
	opts.Getenv = e.getenv
	c, err := Load(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// writeConfig writes a config file and returns its path.
func writeConfig(t *testing.T, dir, content string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// parsedFlags registers the flags and parses args.
func parsedFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestLoadDefaults(t *testing.T) {
	env := newTestEnv(t)
	got := env.load(LoadOptions{})
	want := Default()
	want.Client.DataDir = filepath.Join(env.home, ".local", "share", "syftwallet")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// The defaults the brief asks for, spelled out.
	if got.Client.Timeout != 30*time.Second || got.Client.MaxRetries != 3 || got.Client.RetryBackoff != time.Second ||
		got.Client.BreakerThreshold != 5 || got.Client.RateLimitPerMinute != 60 || got.Client.PoolSize != 10 ||
		got.Client.CacheTTL != 300*time.Second || got.Client.TokenRefreshBuffer != time.Minute ||
		!got.Client.MFAEnabled || !got.Client.AuditLogging || !got.Client.Keyring || got.Client.Legacy || got.Client.ServiceURL != "" ||
		!got.Client.EnhancedRetry || !got.Client.ConnectionPooling || !got.Client.CachingEnabled || !got.Client.WebsocketEvents ||
		got.PayThreshold != 1000*money.Scale || got.Theme != "default" {
		t.Errorf("unexpected defaults: %+v", got)
	}
}

func TestLoadDataDirFromXDG(t *testing.T) {
	env := newTestEnv(t)
	env.vars["XDG_DATA_HOME"] = filepath.Join(env.home, "data")
	got := env.load(LoadOptions{})
	if want := filepath.Join(env.home, "data", "syftwallet"); got.Client.DataDir != want {
		t.Errorf("DataDir = %q, want %q", got.Client.DataDir, want)
	}

	// A relative XDG_DATA_HOME is ignored, as the XDG spec says.
	env.vars["XDG_DATA_HOME"] = "relative"
	got = env.load(LoadOptions{})
	if want := filepath.Join(env.home, ".local", "share", "syftwallet"); got.Client.DataDir != want {
		t.Errorf("DataDir = %q, want %q", got.Client.DataDir, want)
	}
}

const fullYAML = `# every key
syftbox:
  accounting:
    service_url: https://accounting.example.org/
    timeout: 12.5
    max_retries: 7
    retry_backoff: 0.25
    connection_pool_size: 4
    legacy: true
  auth: {token_refresh_buffer_minutes: 2.5, mfa_enabled: false, keyring: false}
  caching: {default_ttl: 60}
  security:
    rate_limit_per_minute: 120
    audit_logging: false
    circuit_breaker_threshold: 9
  features: {enhanced_retry: false, connection_pooling: no, caching_enabled: "0", websocket_events: FALSE}
wallet:
  data_dir: ~/wallet-data
  theme: high-contrast
  pay_confirm_threshold: 250.50
  mouse: true
keys:
  quit: ["q", "ctrl+c"]
  pay: p
`

func TestLoadFile(t *testing.T) {
	env := newTestEnv(t)
	path := writeConfig(t, filepath.Join(env.home, "elsewhere"), fullYAML)
	got := env.load(LoadOptions{ConfigPath: path})
	want := Config{
		Client: client.Config{
			ServiceURL:         "https://accounting.example.org",
			Timeout:            12500 * time.Millisecond,
			MaxRetries:         7,
			RetryBackoff:       250 * time.Millisecond,
			BreakerThreshold:   9,
			RateLimitPerMinute: 120,
			PoolSize:           4,
			CacheTTL:           time.Minute,
			TokenRefreshBuffer: 150 * time.Second,
			DataDir:            filepath.Join(env.home, "wallet-data"),
			Legacy:             true,
		},
		Wallet: Wallet{
			PayThreshold: 250_500_000,
			Theme:        "high-contrast",
			Keys:         map[string][]string{"quit": {"q", "ctrl+c"}, "pay": {"p"}},
			Mouse:        true,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestLoadDefaultFile(t *testing.T) {
	env := newTestEnv(t)
	writeConfig(t, filepath.Join(env.home, "cfg", "syftwallet"), "syftbox:\n  accounting:\n    max_retries: 5\n")
	got := env.load(LoadOptions{})
	if got.Client.MaxRetries != 5 {
		t.Errorf("MaxRetries = %d, want 5 from the default config file", got.Client.MaxRetries)
	}
}

func TestLoadEmptyAndPartialFiles(t *testing.T) {
	env := newTestEnv(t)
	for _, content := range []string{"", "# nothing\n", "syftbox:\n", "syftbox:\n  accounting:\n    timeout:\n", "keys:\n"} {
		path := writeConfig(t, t.TempDir(), content)
		got, err := Load(LoadOptions{ConfigPath: path, Getenv: env.getenv})
		if err != nil {
			t.Errorf("%q: %v", content, err)
			continue
		}
		if got.Client.Timeout != 30*time.Second {
			t.Errorf("%q: Timeout = %v, want the default", content, got.Client.Timeout)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	env := newTestEnv(t)
	// A missing default file is fine (newTestEnv creates no file).
	if _, err := Load(LoadOptions{Getenv: env.getenv}); err != nil {
		t.Fatalf("missing default file: %v", err)
	}
	// A missing explicit file is not, from the options or from --config.
	missing := filepath.Join(env.home, "nope.yaml")
	if _, err := Load(LoadOptions{ConfigPath: missing, Getenv: env.getenv}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("explicit missing file: err = %v, want ErrNotExist", err)
	}
	fs := parsedFlags(t, "--config", missing)
	if _, err := Load(LoadOptions{Getenv: env.getenv, Flags: fs}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--config missing file: err = %v, want ErrNotExist", err)
	}
}

func TestLoadEnvironment(t *testing.T) {
	env := newTestEnv(t)
	env.vars["SYFTBOX_ACCOUNTING_URL"] = "http://127.0.0.1:8080"
	env.vars["SYFTBOX_TIMEOUT"] = "2.5"
	env.vars["SYFTBOX_MAX_RETRIES"] = "0"
	env.vars["SYFTBOX_ACCOUNTING_EMAIL"] = " alice@example.org "
	env.vars["SYFTBOX_ACCOUNTING_PASSWORD"] = " s3cret with spaces "
	env.vars["SYFTWALLET_DATA_DIR"] = filepath.Join(env.home, "d")
	env.vars["ENHANCED_RETRY"] = "No"
	env.vars["CONNECTION_POOLING"] = "0"
	env.vars["CACHING_ENABLED"] = "FALSE"
	env.vars["WEBSOCKET_EVENTS"] = "false"
	got := env.load(LoadOptions{})
	want := Default()
	want.Client.ServiceURL = "http://127.0.0.1:8080"
	want.Client.Timeout = 2500 * time.Millisecond
	want.Client.MaxRetries = 0
	want.Client.Email = "alice@example.org"
	want.Client.Password = " s3cret with spaces "
	want.Client.DataDir = filepath.Join(env.home, "d")
	want.Client.EnhancedRetry, want.Client.ConnectionPooling, want.Client.CachingEnabled, want.Client.WebsocketEvents = false, false, false, false
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	// Feature flags turn back on with any spelling of true.
	for _, v := range []string{"true", "TRUE", "1", "yes", "Yes"} {
		env.vars["WEBSOCKET_EVENTS"] = v
		got, err := Load(LoadOptions{Getenv: env.getenv})
		if err != nil || !got.Client.WebsocketEvents {
			t.Errorf("WEBSOCKET_EVENTS=%q: WebsocketEvents = %v, err %v", v, got.Client.WebsocketEvents, err)
		}
	}
}

func TestLoadEmptyEnvironmentVariableIsUnset(t *testing.T) {
	env := newTestEnv(t)
	env.vars["SYFTBOX_TIMEOUT"] = ""
	got, err := Load(LoadOptions{Getenv: env.getenv})
	if err != nil || got.Client.Timeout != 30*time.Second {
		t.Errorf("Timeout = %v, err %v; want the default", got.Client.Timeout, err)
	}
}

func TestLoadFlags(t *testing.T) {
	env := newTestEnv(t)
	fs := parsedFlags(t,
		"--server", "https://pay.example.org",
		"--timeout", "1m30s",
		"--max-retries", "1",
		"--data-dir", filepath.Join(env.home, "flagdata"),
		"--email", "bob@example.org",
		"--legacy",
		"--no-keyring",
		"--theme", "mono",
	)
	got := env.load(LoadOptions{Flags: fs})
	want := Default()
	want.Client.ServiceURL = "https://pay.example.org"
	want.Client.Timeout = 90 * time.Second
	want.Client.MaxRetries = 1
	want.Client.DataDir = filepath.Join(env.home, "flagdata")
	want.Client.Email = "bob@example.org"
	want.Client.Legacy = true
	want.Client.Keyring = false
	want.Theme = "mono"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	// Every flag is documented.
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Usage == "" {
			t.Errorf("--%s has no usage text", f.Name)
		}
	})
}

func TestLoadPrecedence(t *testing.T) {
	env := newTestEnv(t)
	path := writeConfig(t, t.TempDir(), `
syftbox:
  accounting: {service_url: "http://file.example.org", timeout: 10, max_retries: 1}
  auth: {keyring: false}
wallet: {theme: mono}
`)
	env.vars["SYFTBOX_TIMEOUT"] = "20"
	env.vars["SYFTBOX_MAX_RETRIES"] = "2"
	fs := parsedFlags(t, "--config", path, "--max-retries", "4")
	got := env.load(LoadOptions{Flags: fs})
	checks := []struct {
		name      string
		got, want any
	}{
		{"ServiceURL (file over default)", got.Client.ServiceURL, "http://file.example.org"},
		{"Timeout (environment over file)", got.Client.Timeout, 20 * time.Second},
		{"MaxRetries (flag over environment)", got.Client.MaxRetries, 4},
		{"Keyring (unset --no-keyring keeps the file's)", got.Client.Keyring, false},
		{"Theme (unset --theme keeps the file's)", got.Theme, "mono"},
		{"PoolSize (default)", got.Client.PoolSize, 10},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	// --no-keyring=false turns the keyring back on over the file.
	fs = parsedFlags(t, "--config", path, "--no-keyring=false")
	got, err := Load(LoadOptions{Getenv: env.getenv, Flags: fs})
	if err != nil || !got.Client.Keyring {
		t.Errorf("--no-keyring=false: Keyring = %v, err %v", got.Client.Keyring, err)
	}

	// --config overrides LoadOptions.ConfigPath.
	other := writeConfig(t, t.TempDir(), "wallet: {theme: high-contrast}\n")
	got, err = Load(LoadOptions{ConfigPath: other, Getenv: env.getenv, Flags: parsedFlags(t, "--config", path)})
	if err != nil || got.Theme != "mono" {
		t.Errorf("--config over ConfigPath: Theme = %q, err %v", got.Theme, err)
	}
}

func TestLoadErrors(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		name  string
		env   map[string]string
		file  string
		flags []string
		want  string // the whole message; "FILE" stands for the file's path
	}{
		{name: "env timeout not a number", env: map[string]string{"SYFTBOX_TIMEOUT": "abc"},
			want: `config: SYFTBOX_TIMEOUT="abc" (environment): want a positive number of seconds`},
		{name: "env negative timeout", env: map[string]string{"SYFTBOX_TIMEOUT": "-1"},
			want: `config: SYFTBOX_TIMEOUT="-1" (environment): want a positive number of seconds`},
		{name: "env zero timeout", env: map[string]string{"SYFTBOX_TIMEOUT": "0"},
			want: `config: SYFTBOX_TIMEOUT="0" (environment): want a positive number of seconds`},
		{name: "env infinite timeout", env: map[string]string{"SYFTBOX_TIMEOUT": "1e300"},
			want: `config: SYFTBOX_TIMEOUT="1e300" (environment): want a positive number of seconds`},
		{name: "env retries", env: map[string]string{"SYFTBOX_MAX_RETRIES": "2.5"},
			want: `config: SYFTBOX_MAX_RETRIES="2.5" (environment): want a whole number, 0 or more`},
		{name: "env negative retries", env: map[string]string{"SYFTBOX_MAX_RETRIES": "-1"},
			want: `config: SYFTBOX_MAX_RETRIES="-1" (environment): want a whole number, 0 or more`},
		{name: "env URL scheme", env: map[string]string{"SYFTBOX_ACCOUNTING_URL": "ftp://example.org"},
			want: `config: SYFTBOX_ACCOUNTING_URL="ftp://example.org" (environment): want an http or https URL`},
		{name: "env URL without host", env: map[string]string{"SYFTBOX_ACCOUNTING_URL": "localhost:8080"},
			want: `config: SYFTBOX_ACCOUNTING_URL="localhost:8080" (environment): want an http or https URL`},
		{name: "env URL with credentials is refused and redacted", env: map[string]string{"SYFTBOX_ACCOUNTING_URL": "https://bob:hunter2@example.org"},
			want: `config: SYFTBOX_ACCOUNTING_URL="https://bob:xxxxx@example.org" (environment): want a URL without credentials (use SYFTBOX_ACCOUNTING_EMAIL and SYFTBOX_ACCOUNTING_PASSWORD)`},
		{name: "env feature flag", env: map[string]string{"CACHING_ENABLED": "maybe"},
			want: `config: CACHING_ENABLED="maybe" (environment): want true or false`},
		{name: "file timeout", file: "syftbox:\n  accounting:\n    timeout: abc\n",
			want: `config: syftbox.accounting.timeout in FILE line 3: want a positive number of seconds`},
		{name: "file negative backoff", file: "syftbox:\n  accounting: {retry_backoff: -0.5}\n",
			want: `config: syftbox.accounting.retry_backoff in FILE line 2: want a number of seconds`},
		{name: "file pool size", file: "syftbox:\n  accounting:\n    connection_pool_size: 0\n",
			want: `config: syftbox.accounting.connection_pool_size in FILE line 3: want a whole number, 1 or more`},
		{name: "file unknown key with hint", file: "syftbox:\n  accounting:\n    timeuot: 3\n",
			want: `config: syftbox.accounting.timeuot in FILE line 3: unknown key; did you mean timeout?`},
		{name: "file unknown section", file: "wallet: {}\nextra: 1\n",
			want: `config: extra in FILE line 2: unknown key`},
		{name: "file unknown top-level typo", file: "syftbx:\n  accounting: {}\n",
			want: `config: syftbx in FILE line 1: unknown key; did you mean syftbox?`},
		{name: "file leaf given a mapping", file: "syftbox:\n  accounting:\n    timeout: {seconds: 3}\n",
			want: `config: syftbox.accounting.timeout in FILE line 3: want a single value`},
		{name: "file section given a scalar", file: "syftbox: 3\n",
			want: `config: syftbox in FILE line 1: want a mapping`},
		{name: "file theme", file: "wallet:\n  theme: neon\n",
			want: `config: wallet.theme in FILE line 2: want one of default, high-contrast, mono`},
		{name: "file threshold", file: "wallet:\n  pay_confirm_threshold: 1.0000001\n",
			want: `config: wallet.pay_confirm_threshold in FILE line 2: want an amount such as 1000.00 (0 or more, at most 6 decimals)`},
		{name: "file negative threshold", file: "wallet:\n  pay_confirm_threshold: \"-5\"\n",
			want: `config: wallet.pay_confirm_threshold in FILE line 2: want an amount such as 1000.00 (0 or more, at most 6 decimals)`},
		{name: "file bool", file: "syftbox:\n  auth:\n    mfa_enabled: sometimes\n",
			want: `config: syftbox.auth.mfa_enabled in FILE line 3: want true or false`},
		{name: "file bad binding", file: "keys:\n  quit: [q, {x: 1}]\n",
			want: `config: keys.quit in FILE line 2: want a list of keys, e.g. ["q", "ctrl+c"]`},
		{name: "file alias", file: "syftbox:\n  accounting:\n    timeout: &t 3\n    retry_backoff: *t\n",
			want: `config: syftbox.accounting.retry_backoff in FILE line 4: aliases are not supported`},
		{name: "file two documents", file: "wallet: {}\n---\nwallet: {}\n",
			want: `config: --- in FILE line 2: want a single YAML document`},
		{name: "flag timeout", flags: []string{"--timeout", "soon"},
			want: `config: --timeout="soon" (flag): want a positive number of seconds`},
		{name: "flag theme", flags: []string{"--theme", "neon"},
			want: `config: --theme="neon" (flag): want one of default, high-contrast, mono`},
		{name: "flag server", flags: []string{"--server", "example.org"},
			want: `config: --server="example.org" (flag): want an http or https URL`},
		{name: "flag empty data dir", flags: []string{"--data-dir", ""},
			want: `config: --data-dir="" (flag): want a directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &testEnv{home: env.home, vars: map[string]string{"HOME": env.home, "XDG_CONFIG_HOME": filepath.Join(env.home, "cfg")}}
			for k, v := range tt.env {
				e.vars[k] = v
			}
			opts := LoadOptions{Getenv: e.getenv}
			want := tt.want
			if tt.file != "" {
				opts.ConfigPath = writeConfig(t, t.TempDir(), tt.file)
				want = strings.ReplaceAll(want, "FILE", opts.ConfigPath)
			}
			if tt.flags != nil {
				opts.Flags = parsedFlags(t, tt.flags...)
			}
			_, err := Load(opts)
			if err == nil {
				t.Fatalf("no error, want %s", want)
			}
			if err.Error() != want {
				t.Errorf("error\n got %s\nwant %s", err, want)
			}
			var ce *client.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *ConfigError", err)
			}
		})
	}
}

func TestLoadYAMLSyntaxError(t *testing.T) {
	env := newTestEnv(t)
	path := writeConfig(t, t.TempDir(), "syftbox:\n  accounting: {timeout: 3\n")
	_, err := Load(LoadOptions{ConfigPath: path, Getenv: env.getenv})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want a syntax error naming %s", err, path)
	}
	path = writeConfig(t, t.TempDir(), "wallet: {theme: mono}\nwallet: {theme: mono}\n")
	if _, err := Load(LoadOptions{ConfigPath: path, Getenv: env.getenv}); err == nil || !strings.Contains(err.Error(), "already defined") {
		t.Errorf("duplicate key: err = %v", err)
	}
}

func TestLoadPasswordNeverInErrors(t *testing.T) {
	env := newTestEnv(t)
	env.vars["SYFTBOX_ACCOUNTING_PASSWORD"] = "hunter2"
	env.vars["SYFTBOX_TIMEOUT"] = "abc"
	_, err := Load(LoadOptions{Getenv: env.getenv})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("err = %v", err)
	}
}

func TestSuggest(t *testing.T) {
	for key, want := range map[string]string{
		"syftbox.accounting.max_retrys": "max_retries",
		"walet":                         "wallet",
		"syftbox.secuirty":              "security",
		"syftbox.accounting.zzz":        "",
	} {
		if got := suggest(key); got != want {
			t.Errorf("suggest(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	c := Default()
	c.Client.DataDir = t.TempDir()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}

	err := Config{}.Validate()
	if err == nil {
		t.Fatal("the zero Config validated")
	}
	for _, field := range []string{"Timeout", "BreakerThreshold", "RateLimitPerMinute", "PoolSize", "DataDir", "Theme"} {
		if !strings.Contains(err.Error(), "config: "+field+": ") {
			t.Errorf("error does not name %s:\n%v", field, err)
		}
	}

	bad := c
	bad.Client.ServiceURL = "gopher://example.org"
	bad.Keys = map[string][]string{"quit": {""}}
	bad.PayThreshold = -1
	err = bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "config: ServiceURL: want an http or https URL") ||
		!strings.Contains(err.Error(), "config: Keys.quit: ") || !strings.Contains(err.Error(), "config: PayThreshold: ") {
		t.Errorf("err = %v", err)
	}
}

// The pay review threshold is read once, into micro-units; 0 keeps the default, as it always has.
func TestLoadPayThreshold(t *testing.T) {
	env := newTestEnv(t)
	for text, want := range map[string]money.Micros{
		"250.50": 250_500_000, "0.000001": 1, "1e3": 1_000 * money.Scale, "0": DefaultPayThreshold,
		"1000000000000": money.MaxAmount,
	} {
		got, err := Load(LoadOptions{ConfigPath: writeConfig(t, t.TempDir(), "wallet: {pay_confirm_threshold: \""+text+"\"}\n"), Getenv: env.getenv})
		if err != nil || got.PayThreshold != want {
			t.Errorf("%s: PayThreshold = %d, err %v; want %d", text, got.PayThreshold, err, want)
		}
	}
	for _, text := range []string{"1000000000000.000001", "abc", "1,000"} {
		if _, err := Load(LoadOptions{ConfigPath: writeConfig(t, t.TempDir(), "wallet: {pay_confirm_threshold: \""+text+"\"}\n"), Getenv: env.getenv}); err == nil {
			t.Errorf("%s: accepted", text)
		}
	}
}

// SYFTWALLET_API_KEY and the file's syftbox.auth.api_key set Client.APIKey; a value that is not
// a key is refused without being shown.
func TestLoadAPIKey(t *testing.T) {
	env := newTestEnv(t)
	env.vars["SYFTWALLET_API_KEY"] = " swk_from-env "
	c, err := Load(LoadOptions{Getenv: env.getenv})
	if err != nil || c.Client.APIKey != "swk_from-env" {
		t.Fatalf("from the environment: %q, %v", c.Client.APIKey, err)
	}
	delete(env.vars, "SYFTWALLET_API_KEY")
	path := writeConfig(t, filepath.Join(env.home, "cfg", "syftwallet"), "syftbox:\n  auth:\n    api_key: swk_from-file\n")
	if c, err = Load(LoadOptions{ConfigPath: path, Getenv: env.getenv}); err != nil || c.Client.APIKey != "swk_from-file" {
		t.Fatalf("from the file: %q, %v", c.Client.APIKey, err)
	}
	env.vars["SYFTWALLET_API_KEY"] = "swk_from-env"
	if c, err = Load(LoadOptions{ConfigPath: path, Getenv: env.getenv}); err != nil || c.Client.APIKey != "swk_from-env" {
		t.Fatalf("the environment over the file: %q, %v", c.Client.APIKey, err)
	}
	env.vars["SYFTWALLET_API_KEY"] = "hunter2-not-a-key"
	_, err = Load(LoadOptions{Getenv: env.getenv})
	var ce *client.ConfigError
	if !errors.As(err, &ce) || ce.Key != "SYFTWALLET_API_KEY" || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("a bad key: %v", err)
	}
}
