package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestConfigRedactsPassword(t *testing.T) {
	c := DefaultConfig()
	c.Password = "hunter2"
	c.ServiceURL = "https://bob:topsecret@example.org"
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", c)
	asJSON, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String": c.String(),
		"%v":     fmt.Sprintf("%v", c),
		"%+v":    fmt.Sprintf("%+v", c),
		"%#v":    fmt.Sprintf("%#v", c),
		"%s ptr": fmt.Sprintf("%s", &c),
		"slog":   logged.String(),
	}
	if strings.Contains(string(asJSON), "hunter2") {
		t.Errorf("json shows the password: %s", asJSON)
	}
	for name, out := range outputs {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "topsecret") {
			t.Errorf("%s shows a secret: %s", name, out)
		}
	}
	if !strings.Contains(c.String(), "[redacted]") || !strings.Contains(logged.String(), "[redacted]") {
		t.Errorf("a set password should show as [redacted]: %s / %s", c, logged.String())
	}
	if c.Password != "hunter2" {
		t.Error("redacting must not change the config")
	}
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
