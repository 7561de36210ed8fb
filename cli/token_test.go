package cli_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/cli"
)

// token create with limits, token list and token revoke, for people and with --json; the
// recipient's draw is what the list then shows.
func TestTokenListAndRevoke(t *testing.T) {
	e := newEnv(t)
	e.account("ada@example.com", "10")
	e.account("app@example.com", "")
	e.signIn("ada@example.com")

	r := e.must(call{args: []string{"token", "create", "--to", "app@example.com", "--max-amount", "5.00", "--max-uses", "3",
		"--expires", "2h", "--json"}})
	var made struct {
		Token, ID, MaxAmount string
		MaxUses              int64
		ExpiresAt            time.Time
	}
	decode(t, r.stdout, &made)
	if made.ID == "" || made.MaxAmount != "5.00" || made.MaxUses != 3 || time.Until(made.ExpiresAt) > 2*time.Hour ||
		time.Until(made.ExpiresAt) < 119*time.Minute {
		t.Fatalf("%s", r.stdout)
	}
	r = e.must(call{args: []string{"token", "create", "--to", "app@example.com", "--max-uses", "1"}})
	if !strings.Contains(r.stderr, "it can be used once, for any amount you can cover") || strings.Count(r.stdout, ".") != 2 {
		t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
	}

	// app draws 1.25 with the first token, over HTTP as a SyftBox app does.
	e.http("POST", "/transaction/create", basicAuth("app@example.com"), map[string]any{
		"senderEmail": "ada@example.com", "recipientEmail": "app@example.com", "amount": "1.25", "token": made.Token}, 201)

	r = e.must(call{args: []string{"token", "list", "--json"}})
	var list struct {
		Tokens []struct {
			ID, RecipientEmail, UsedAmount, State string
			MaxAmount                             *string
			UsedCount                             int64
			RevokedAt                             *string
		}
	}
	decode(t, r.stdout, &list)
	if len(list.Tokens) != 2 || list.Tokens[1].ID != made.ID || list.Tokens[1].UsedAmount != "1.25" ||
		list.Tokens[1].UsedCount != 1 || list.Tokens[1].State != "active" || list.Tokens[0].MaxAmount != nil {
		t.Fatalf("%s", r.stdout)
	}
	if strings.Contains(r.stdout, made.Token) {
		t.Fatal("token list shows the token")
	}
	r = e.must(call{args: []string{"token", "list"}})
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[2], "1 × 1.25") ||
		!strings.Contains(lines[2], "3 uses, 5.00") || !strings.Contains(lines[1], "1 uses") {
		t.Fatalf("%s", r.stdout)
	}

	r = e.must(call{args: []string{"token", "revoke", made.ID}})
	if !strings.Contains(r.stdout, "Revoked the token "+made.ID+" for app@example.com") {
		t.Fatalf("%q", r.stdout)
	}
	r = e.must(call{args: []string{"token", "revoke", made.ID, "--json"}})
	if !strings.Contains(r.stdout, `"state":"revoked"`) {
		t.Fatalf("%s", r.stdout)
	}
	if r := e.run("token", "revoke", "no-such-token"); r.code != cli.ExitService || !strings.Contains(r.stderr, "Not found") {
		t.Fatalf("unknown id: exit %d %q", r.code, r.stderr)
	}
	for _, args := range [][]string{
		{"--max-uses", "0"}, {"--max-uses", "-2"}, {"--max-amount", "0"}, {"--max-amount", "1,5"}, {"--expires", "soon"},
		{"--expires", "0s"},
	} {
		if r := e.run(append([]string{"token", "create", "--to", "app@example.com"}, args...)...); r.code != cli.ExitUsage {
			t.Errorf("%v: exit %d %q", args, r.code, r.stderr)
		}
	}
	if r := e.run("token", "create", "--to", "app@example.com", "--expires", fmt.Sprint(25*time.Hour)); r.code != cli.ExitUsage ||
		!strings.Contains(r.stderr, "expiresIn") {
		t.Errorf("--expires 25h: exit %d %q", r.code, r.stderr)
	}
}
