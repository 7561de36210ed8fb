package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// secretsHidden checks that no formatting or slog line of c shows a secret and each says
// [redacted] where one was, and that JSON leaves the password and the API key out.
func secretsHidden(t *testing.T, c Config, secrets ...string) {
	t.Helper()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", c)
	outputs := map[string]string{
		"String": c.String(),
		"%v":     fmt.Sprintf("%v", c),
		"%+v":    fmt.Sprintf("%+v", c),
		"%#v":    fmt.Sprintf("%#v", c),
		"%s ptr": fmt.Sprintf("%s", &c),
		"slog":   logged.String(),
	}
	for name, out := range outputs {
		for _, secret := range secrets {
			if strings.Contains(out, secret) {
				t.Errorf("%s shows a secret: %s", name, out)
			}
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s does not show a set secret as [redacted]: %s", name, out)
		}
	}
	asJSON, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{c.Password, c.APIKey} {
		if field != "" && strings.Contains(string(asJSON), field) {
			t.Errorf("json shows a secret: %s", asJSON)
		}
	}
}

func TestConfigRedactsPassword(t *testing.T) {
	c := DefaultConfig()
	c.Password = "hunter2"
	c.ServiceURL = "https://bob:topsecret@example.org"
	secretsHidden(t, c, "hunter2", "topsecret")
	if c.Password != "hunter2" {
		t.Error("redacting must not change the config")
	}
}

// The API key is redacted wherever a Config is printed (package config loads it).
func TestConfigRedactsAPIKey(t *testing.T) {
	c := DefaultConfig()
	c.APIKey = "swk_secret-value"
	secretsHidden(t, c, "secret-value")
}

func TestConfigValidate(t *testing.T) {
	c := DefaultConfig()
	c.DataDir = t.TempDir()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}

	err := Config{}.Validate()
	if err == nil {
		t.Fatal("the zero Config validated")
	}
	for _, field := range []string{"Timeout", "BreakerThreshold", "RateLimitPerMinute", "PoolSize", "DataDir"} {
		if !strings.Contains(err.Error(), "config: "+field+": ") {
			t.Errorf("error does not name %s:\n%v", field, err)
		}
		if c.CheckField(field) != nil || (Config{}).CheckField(field) == nil {
			t.Errorf("CheckField(%q) does not say what Validate says", field)
		}
	}

	bad := c
	bad.ServiceURL = "gopher://example.org"
	err = bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "config: ServiceURL: want an http or https URL") {
		t.Errorf("err = %v", err)
	}
}
