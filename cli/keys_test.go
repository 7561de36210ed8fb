package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/cli"
)

// A scripting command whose embedded ledger lost its keys stops with the service's own sentences
// (what is wrong, how to restore keys.json, what --new-keys would end), not a Go error.
func TestEmbeddedLostKeysIsASentence(t *testing.T) {
	e := newEnv(t)
	delete(e.vars, "SYFTBOX_ACCOUNTING_URL")
	dir := filepath.Join(t.TempDir(), "wallet")
	e.vars["SYFTWALLET_DATA_DIR"] = dir
	e.must(call{args: []string{"register", "--email", "lin@example.org", "--password-stdin"}, stdin: password})
	keys := filepath.Join(dir, "keys.json")
	if err := os.Remove(keys); err != nil {
		t.Fatal(err)
	}
	r := e.run("balance")
	if r.code != cli.ExitUnreachable {
		t.Fatalf("balance with keys.json gone: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"The keys file " + keys + " is missing", "Restore keys.json from your backup to " + keys,
		"`syftwallet --new-keys`", "1 session ends"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q\ndoes not say %q", r.stderr, want)
		}
	}
	t.Logf("stderr: %s", r.stderr)
	if strings.Contains(r.stderr, "service:") || strings.Contains(r.stderr, "auth:") {
		t.Errorf("stderr shows Go error text: %q", r.stderr)
	}
}
