package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/service"
)

// The wallet whose embedded ledger lost its keys stops before the TUI with the service's
// sentences (naming the wallet's own flag); with that flag (Options.NewKeys) it starts.
func TestWalletRefusesLostKeysWithASentence(t *testing.T) {
	ctx := context.Background()
	cfg := embeddedConfig(t)
	a, err := Start(ctx, Options{Config: cfg, TokenStore: client.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := a.Client().Register(ctx, "lin@example.org", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client().Login(ctx, "lin@example.org", reg.Password); err != nil {
		t.Fatal(err)
	}
	a.Close()
	keys := filepath.Join(cfg.Client.DataDir, "keys.json")
	if err := os.Remove(keys); err != nil {
		t.Fatal(err)
	}

	_, err = Start(ctx, Options{Config: cfg, TokenStore: client.NewMemoryStore()})
	var ke *service.KeysError
	if !errors.As(err, &ke) {
		t.Fatalf("want the service's keys refusal, got %v", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "The keys file "+keys+" is missing") ||
		!strings.Contains(msg, "`syftwallet --new-keys`") {
		t.Errorf("refusal as the person sees it: %q", msg)
	}
	a, err = Start(ctx, Options{Config: cfg, TokenStore: client.NewMemoryStore(), NewKeys: true})
	if err != nil {
		t.Fatalf("with NewKeys: %v", err)
	}
	a.Close()
}
