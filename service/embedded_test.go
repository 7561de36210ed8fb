package service

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// One data directory, one service: a second StartEmbedded (another wallet, a scripting command,
// the SSH host) talks to the first one's service instead of opening a second writer on the
// ledger; when the owner closes, the next start owns it again.
func TestEmbeddedServiceIsSharedPerDataDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	first, err := StartEmbedded(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Owner() {
		t.Fatal("the first start does not run the service")
	}
	second, err := StartEmbedded(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if second.Owner() || second.URL != first.URL || second.Identity() != first.Identity() {
		t.Fatalf("second start: owner=%v url=%s (first %s)", second.Owner(), second.URL, first.URL)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(first.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("closing a sharer stopped the owner's service: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dir, urlFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("service.url: %v %v", st, err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, urlFile)); !os.IsNotExist(err) {
		t.Fatalf("service.url left behind: %v", err)
	}
	third, err := StartEmbedded(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if !third.Owner() {
		t.Fatal("after the owner left, a new start does not run the service")
	}
}
