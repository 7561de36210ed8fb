package cli_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/cli"
)

// A CI job's journey: a person creates keys (printed once), then commands run with
// SYFTWALLET_API_KEY against the real service, over any stored session: a read key reads the
// balance and cannot pay (exit 2, naming the scope), a pay key stops at its spend limit (exit 3),
// a revoked key is refused (exit 2); and no key is written to any file.
func TestAPIKeyCommands(t *testing.T) {
	e := newEnv(t)
	e.account("ada@example.com", "100")
	e.account("bob@example.com", "")
	e.signIn("ada@example.com")

	var created struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		Key        string   `json:"key"`
		Scopes     []string `json:"scopes"`
		SpendLimit *struct {
			Amount string `json:"amount"`
			Period string `json:"period"`
		} `json:"spendLimit"`
	}
	out := e.must(call{args: []string{"apikey", "create", "--name", "ci", "--scope", "read", "--expires", "90d", "--json"}})
	decode(t, out.stdout, &created)
	if !strings.HasPrefix(created.Key, "swk_") || created.Name != "ci" || created.SpendLimit != nil || len(created.Scopes) != 1 {
		t.Fatalf("create --json: %s", out.stdout)
	}
	readKey, readID := created.Key, created.ID
	// Without --json the key alone is on stdout (KEY=$(syftwallet apikey create …)); the rest on stderr.
	out = e.must(call{args: []string{"apikey", "create", "--name", "payer", "--scope", "pay", "--limit", "5.00/day"}})
	payKey := strings.TrimSpace(out.stdout)
	if !strings.HasPrefix(payKey, "swk_") || strings.Contains(payKey, "\n") || !strings.Contains(out.stderr, "only time the key is shown") ||
		!strings.Contains(out.stderr, "5.00 a day") {
		t.Fatalf("create: stdout %q\nstderr %s", out.stdout, out.stderr)
	}
	list := e.must(call{args: []string{"apikey", "list", "--json"}})
	if strings.Contains(list.stdout, readKey) || strings.Contains(list.stdout, payKey) ||
		!strings.Contains(list.stdout, `"spendLimit":{"amount":"5.00","period":"day"}`) || !strings.Contains(list.stdout, `"lastUsedAt":null`) {
		t.Fatalf("list --json: %s", list.stdout)
	}
	if out := e.run("apikey", "create", "--name", "x", "--limit", "5"); out.code != cli.ExitUsage || !strings.Contains(out.stderr, "50.00/day") {
		t.Errorf("a limit without a period: exit %d %s", out.code, out.stderr)
	}

	withKey := func(key string, args ...string) result {
		return e.do(call{args: args, vars: map[string]string{"SYFTWALLET_API_KEY": key}})
	}
	if out := withKey(readKey, "balance", "--json"); out.code != 0 || !strings.Contains(out.stdout, `"email":"ada@example.com"`) {
		t.Fatalf("balance with the read key: exit %d\n%s%s", out.code, out.stdout, out.stderr)
	}
	pay := withKey(readKey, "pay", "--to", "bob@example.com", "--amount", "1", "--yes")
	if pay.code != cli.ExitAuth || !strings.Contains(pay.stderr, `does not have the "pay" scope`) {
		t.Fatalf("pay with the read key: exit %d\n%s%s", pay.code, pay.stdout, pay.stderr)
	}
	if out := withKey(readKey, "apikey", "list"); out.code != cli.ExitUsage || !strings.Contains(out.stderr, "unset it") {
		t.Errorf("a key listing keys: exit %d %s", out.code, out.stderr)
	}
	if out := withKey(readKey, "login", "--email", "ada@example.com", "--password-stdin"); out.code != cli.ExitUsage {
		t.Errorf("login with a key set: exit %d %s", out.code, out.stderr)
	}
	if out := withKey(payKey, "pay", "--to", "bob@example.com", "--amount", "3", "--yes"); out.code != 0 {
		t.Fatalf("pay with the pay key: exit %d\n%s%s", out.code, out.stdout, out.stderr)
	}
	// The payment made with the key names it in the owner's history.
	var keys struct {
		APIKeys []struct{ ID, Name string } `json:"apiKeys"`
	}
	decode(t, list.stdout, &keys)
	payID := ""
	for _, k := range keys.APIKeys {
		if k.Name == "payer" {
			payID = k.ID
		}
	}
	if h := e.must(call{args: []string{"history", "--json"}}); payID == "" || !strings.Contains(h.stdout, `"apiKeyId":"`+payID+`"`) {
		t.Errorf("history --json does not name the key %q:\n%s", payID, h.stdout)
	}
	over := withKey(payKey, "pay", "--to", "bob@example.com", "--amount", "3", "--yes", "--json")
	if over.code != cli.ExitFunds || !strings.Contains(over.stdout, `"code":"spend_limit_exceeded"`) || !strings.Contains(over.stderr, "2.00 is left") {
		t.Fatalf("past the spend limit: exit %d\n%s%s", over.code, over.stdout, over.stderr)
	}

	if out := e.run("apikey", "revoke", readID); out.code != cli.ExitUsage || !strings.Contains(out.stderr, "--yes") {
		t.Errorf("revoke without a terminal or --yes: exit %d %s", out.code, out.stderr)
	}
	if out := e.do(call{args: []string{"apikey", "revoke", readID}, terminal: true, stdin: "n\n"}); out.code != cli.ExitUsage ||
		!strings.Contains(out.stderr, `Revoke the API key "ci"`) {
		t.Errorf("a declined revoke: exit %d %s", out.code, out.stderr)
	}
	if out := e.must(call{args: []string{"apikey", "revoke", readID, "--json"}, terminal: true, stdin: "y\n"}); out.stdout != `{"id":"`+readID+`","revoked":true}`+"\n" {
		t.Errorf("revoke --json: %s", out.stdout)
	}
	if out := withKey(readKey, "balance"); out.code != cli.ExitAuth || !strings.Contains(out.stderr, "API key was refused") {
		t.Errorf("a revoked key: exit %d\n%s%s", out.code, out.stdout, out.stderr)
	}

	// The keys are in no file: not the commands' config, data or home directories, not the
	// service's ledger, not the audit log. (Every directory of this test is under one root.)
	root := filepath.Dir(e.vars["HOME"])
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, k := range []string{readKey, payKey} {
			if bytes.Contains(b, []byte(k)) {
				t.Errorf("%s holds an API key", path)
			}
		}
		return nil
	})
}
