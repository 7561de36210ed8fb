package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// SYFTWALLET_API_KEY and the file's syftbox.auth.api_key set Config.APIKey; a value that is not
// a key is refused without being shown, and the key is redacted wherever a Config is printed.
func TestLoadConfigAPIKey(t *testing.T) {
	env := newTestEnv(t)
	env.vars["SYFTWALLET_API_KEY"] = " swk_from-env "
	c, err := LoadConfig(LoadOptions{Getenv: env.getenv})
	if err != nil || c.APIKey != "swk_from-env" {
		t.Fatalf("from the environment: %q, %v", c.APIKey, err)
	}
	delete(env.vars, "SYFTWALLET_API_KEY")
	path := writeConfig(t, filepath.Join(env.home, "cfg", "syftwallet"), "syftbox:\n  auth:\n    api_key: swk_from-file\n")
	if c, err = LoadConfig(LoadOptions{ConfigPath: path, Getenv: env.getenv}); err != nil || c.APIKey != "swk_from-file" {
		t.Fatalf("from the file: %q, %v", c.APIKey, err)
	}
	env.vars["SYFTWALLET_API_KEY"] = "swk_from-env"
	if c, err = LoadConfig(LoadOptions{ConfigPath: path, Getenv: env.getenv}); err != nil || c.APIKey != "swk_from-env" {
		t.Fatalf("the environment over the file: %q, %v", c.APIKey, err)
	}
	env.vars["SYFTWALLET_API_KEY"] = "hunter2-not-a-key"
	_, err = LoadConfig(LoadOptions{Getenv: env.getenv})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "SYFTWALLET_API_KEY" || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("a bad key: %v", err)
	}

	c = DefaultConfig()
	c.APIKey = "swk_secret-value"
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", c)
	asJSON, _ := json.Marshal(c)
	for name, out := range map[string]string{
		"String": c.String(), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"slog": logged.String(), "json": string(asJSON),
	} {
		if strings.Contains(out, "secret-value") {
			t.Errorf("%s shows the API key: %s", name, out)
		}
	}
}

// recorder is a transport that notes every request's path and Authorization header.
type recorder struct {
	mu    sync.Mutex
	paths []string
	authz []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.paths = append(r.paths, req.URL.Path)
	r.authz = append(r.authz, req.Header.Get("Authorization"))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// An API key takes precedence over a stored session: every call carries the key, the store is
// not read, and a refused key is never "refreshed" (there is nothing to refresh it with).
func TestAPIKeyOverStoredSession(t *testing.T) {
	s := startService(t)
	requireAuth(t, s)
	cfg := testConfig(t, s.URL)
	store := NewMemoryStore()
	signUp(t, s, cfg, "kay@example.com", WithTokenStore(store)) // a session in the store
	if _, err := store.Load(s.URL, "kay@example.com"); err != nil {
		t.Fatalf("no stored session to take precedence over: %v", err)
	}
	cfg.APIKey = "swk_not-a-key-the-service-knows"
	rec := &recorder{}
	c := newClient(t, cfg, WithTokenStore(store), WithTransport(rec))
	_, err := c.Resume(context.Background(), "kay@example.com")
	var unauth *UnauthenticatedError
	if !errors.As(err, &unauth) || !unauth.APIKey || !strings.Contains(err.Error(), "API key") {
		t.Fatalf("Resume with an unknown key: %v", err)
	}
	if _, err := c.Account(context.Background()); !errors.As(err, &unauth) {
		t.Fatalf("Account with an unknown key: %v", err)
	}
	if tok, err := c.AccessToken(context.Background()); err != nil || tok != cfg.APIKey {
		t.Errorf("AccessToken = %q, %v; want the key", tok, err)
	}
	if _, err := c.Refresh(context.Background()); err == nil {
		t.Error("Refresh with an API key succeeded")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.paths) == 0 {
		t.Fatal("no request was sent")
	}
	for i, p := range rec.paths {
		if strings.HasPrefix(p, "/auth/refresh") || strings.HasPrefix(p, "/auth/login") {
			t.Errorf("the client tried %s with an API key", p)
		}
		if rec.authz[i] != "Bearer "+cfg.APIKey {
			t.Errorf("%s sent %q, not the key", p, rec.authz[i])
		}
	}
	if !c.Session().APIKey {
		t.Error("Session does not say it uses an API key")
	}
}

func TestParseSpendLimitAndExpiry(t *testing.T) {
	l, err := ParseSpendLimit("50.00/day")
	if err != nil || l.Period != api.PeriodDay || l.Amount.String() != "50" {
		t.Fatalf("50.00/day: %+v, %v", l, err)
	}
	if l, err := ParseSpendLimit("1,000 / Month"); err != nil || l.Period != api.PeriodMonth || l.Amount.String() != "1000" {
		t.Errorf("1,000 / Month: %+v, %v", l, err)
	}
	if l, err := ParseSpendLimit(""); err != nil || l != nil {
		t.Errorf("empty: %+v, %v", l, err)
	}
	for _, bad := range []string{"50", "50/year", "0,50/day", "0/day", "/day", "-5/day"} {
		if _, err := ParseSpendLimit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"90d": now.Add(90 * 24 * time.Hour), "12h": now.Add(12 * time.Hour), "2w": now.Add(14 * 24 * time.Hour),
		"1y": now.Add(365 * 24 * time.Hour), "2027-03-01": time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "": {},
	} {
		if got, err := ParseKeyExpiry(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"90", "d", "-1d", "0d", "soon", "90m"} {
		if _, err := ParseKeyExpiry(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
