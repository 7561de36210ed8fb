package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/syftbox/syftwallet/cli"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/testkit"
)

func TestRegisterLoginBalanceLogout(t *testing.T) {
	e := newEnv(t)
	r := e.must(call{args: []string{"register", "--email", "Ada@Example.com", "--password-stdin", "--json"}, stdin: password + "\n"})
	golden(t, "register.json", normalize(r.stdout))

	// Registered means signed in: balance works at once, from the keyring.
	r = e.must(call{args: []string{"balance"}})
	if !strings.Contains(r.stdout, "ada@example.com") || !strings.Contains(r.stdout, "0.00") {
		t.Errorf("balance: %q", r.stdout)
	}

	r = e.must(call{args: []string{"logout", "--json"}})
	golden(t, "logout.json", r.stdout)

	r = e.run("balance", "--json")
	if r.code != cli.ExitAuth {
		t.Fatalf("balance after logout: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	golden(t, "error-unauthenticated.json", r.stdout)
	if got := strings.TrimSpace(r.stderr); got != "syftwallet: You are not signed in: run `syftwallet login` first." {
		t.Errorf("stderr: %q", got)
	}

	r = e.must(call{args: []string{"login", "--email", "ada@example.com", "--password-stdin", "--json"}, stdin: password + "\n"})
	golden(t, "login.json", r.stdout)

	e.http("POST", "/user/add-balance", "Bearer "+adminKey, map[string]any{"recipientEmail": "ada@example.com", "amount": "1234.5"}, 200)
	r = e.must(call{args: []string{"balance", "--json"}})
	golden(t, "balance.json", normalize(r.stdout))

	// Human output: amounts right-aligned with the same number of decimals, and the one number
	// format of every human output (thousands separated, as in the wallet and in errors).
	r = e.must(call{args: []string{"balance"}})
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "1,234.50 USD") || !strings.Contains(lines[2], "1,234.50 USD") ||
		strings.Index(lines[1], "1,234.50") != strings.Index(lines[2], "1,234.50") {
		t.Errorf("balance table:\n%s", r.stdout)
	}

	// Wrong password: authentication, exit 2, one sentence.
	r = e.do(call{args: []string{"login", "--email", "ada@example.com", "--password-stdin"}, stdin: "wrong password"})
	if r.code != cli.ExitAuth || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "The email or password is wrong.") {
		t.Errorf("wrong password: exit %d %q", r.code, r.stderr)
	}

	// The password from the environment, never from a flag.
	r = e.do(call{args: []string{"login", "--email", "ada@example.com"}, vars: map[string]string{"SYFTBOX_ACCOUNTING_PASSWORD": password}})
	if r.code != 0 || !strings.Contains(r.stdout, "Signed in as ada@example.com") {
		t.Errorf("login from env: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := e.run("login", "--email", "ada@example.com", "--password", password); r.code != cli.ExitUsage {
		t.Errorf("--password flag: exit %d", r.code)
	}
	if r := e.run("login", "--email", "ada@example.com"); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--password-stdin") {
		t.Errorf("login without a password: exit %d %q", r.code, r.stderr)
	}

	e.must(call{args: []string{"logout"}})
	r = e.must(call{args: []string{"logout", "--json"}})
	golden(t, "logout-not-signed-in.json", r.stdout)
	r = e.must(call{args: []string{"logout"}})
	if !strings.Contains(r.stdout, "not signed in") {
		t.Errorf("logout twice: %q", r.stdout)
	}
}

func TestRegisterGeneratedPassword(t *testing.T) {
	e := newEnv(t)
	r := e.must(call{args: []string{"register", "--email", "grace@example.com", "--json"}})
	var doc struct {
		GeneratedPassword *string `json:"generatedPassword"`
		SignedIn          bool    `json:"signedIn"`
	}
	decode(t, r.stdout, &doc)
	if doc.GeneratedPassword == nil || len(*doc.GeneratedPassword) < 16 || !doc.SignedIn {
		t.Fatalf("register: %s", r.stdout)
	}
	e.must(call{args: []string{"logout"}})
	e.must(call{args: []string{"login", "--email", "grace@example.com", "--password-stdin"}, stdin: *doc.GeneratedPassword})

	// An existing account is a service error: exit 5.
	r = e.do(call{args: []string{"register", "--email", "grace@example.com", "--json"}})
	if r.code != cli.ExitService {
		t.Errorf("register twice: exit %d %s", r.code, r.stderr)
	}
	golden(t, "error-account-exists.json", r.stdout)
}

func TestPay(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "100"}, acct{"grace@example.com", ""})

	r := e.must(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "12.5", "--memo", "lunch",
		"--idempotency-key", "order-1", "--yes", "--json"}})
	golden(t, "pay.json", normalize(r.stdout))
	var first struct {
		IdempotencyKey string `json:"idempotencyKey"`
		Transaction    txJSON `json:"transaction"`
	}
	decode(t, r.stdout, &first)

	// The same key again pays once: the same transaction comes back.
	r = e.must(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "12.50", "--memo", "lunch",
		"--idempotency-key", "order-1", "--yes", "--json"}})
	var again struct{ Transaction txJSON }
	decode(t, r.stdout, &again)
	if again.Transaction.ID != first.Transaction.ID {
		t.Errorf("retry paid twice: %s then %s", first.Transaction.ID, again.Transaction.ID)
	}
	var bal struct{ Balance string }
	decode(t, e.must(call{args: []string{"balance", "--json"}}).stdout, &bal)
	if bal.Balance != "87.50" {
		t.Errorf("balance %s, want 87.50", bal.Balance)
	}

	// Without a key one is generated and printed before sending, on stderr.
	r = e.must(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "0.000001", "--yes"}})
	m := regexp.MustCompile(`Idempotency key: (\S+)`).FindStringSubmatch(r.stderr)
	if m == nil || !strings.Contains(r.stdout, "Paid 0.000001 USD to grace@example.com.") || !strings.Contains(r.stdout, m[1]) {
		t.Errorf("pay without key:\nstdout %s\nstderr %s", r.stdout, r.stderr)
	}

	// Not a terminal and no --yes: refused before anything happens.
	r = e.run("pay", "--to", "grace@example.com", "--amount", "1")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("no --yes: exit %d %q", r.code, r.stderr)
	}

	// On a terminal: the prompt shows recipient and amount; anything but yes pays nothing.
	r = e.do(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "2"}, terminal: true, stdin: "n\n"})
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "Pay 2.00 USD to grace@example.com") {
		t.Errorf("declined: exit %d %q", r.code, r.stderr)
	}
	r = e.do(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "2"}, terminal: true, stdin: "yes\n"})
	if r.code != 0 || !strings.Contains(r.stdout, "Paid 2.00 USD") {
		t.Errorf("confirmed: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	decode(t, e.must(call{args: []string{"balance", "--json"}}).stdout, &bal)
	if bal.Balance != "85.499999" {
		t.Errorf("balance %s, want 85.499999", bal.Balance)
	}

	// Insufficient funds: exit 3, the JSON error document, one sentence on stderr.
	r = e.do(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "1000", "--yes", "--json", "--idempotency-key", "big"}})
	if r.code != cli.ExitFunds || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("insufficient funds: exit %d %q", r.code, r.stderr)
	}
	golden(t, "error-insufficient-funds.json", r.stdout)

	// Refused values are usage errors.
	for _, args := range [][]string{
		{"--to", "nobody@example.com", "--amount", "1"},
		{"--to", "grace@example.com", "--amount", "1.0000001"},
		{"--to", "grace@example.com", "--amount", "-1"},
		{"--to", "grace@example.com", "--amount", "ten"},
		{"--to", "ada@example.com", "--amount", "1"},
		{"--amount", "1"},
		{"--to", "grace@example.com"},
	} {
		r := e.run(append([]string{"pay", "--yes"}, args...)...)
		if r.code != cli.ExitUsage || strings.Count(r.stderr, "syftwallet:") != 1 {
			t.Errorf("pay %v: exit %d %q", args, r.code, r.stderr)
		}
	}
}

func TestHistory(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "100"}, acct{"grace@example.com", "50"})
	e.payDirect("grace@example.com", "ada@example.com", "7.25", "=SUM(A1)")
	e.must(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "12.5", "--memo", "lunch", "--yes", "--idempotency-key", "k1"}})
	e.must(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "0.000001", "--yes", "--idempotency-key", "k2"}})

	r := e.must(call{args: []string{"history", "--json"}})
	golden(t, "history.json", normalize(r.stdout))

	// People: signed amounts, right-aligned, all with six decimals here.
	r = e.must(call{args: []string{"history"}})
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("history:\n%s", r.stdout)
	}
	want := []string{"-0.000001", "-12.500000", "+7.250000", "+100.000000"}
	end := -1
	for i, w := range want {
		at := strings.Index(lines[i+1], w)
		if at < 0 || (end >= 0 && at+len(w) != end) {
			t.Errorf("amount %s not right-aligned:\n%s", w, r.stdout)
		}
		end = at + len(w)
	}

	r = e.must(call{args: []string{"history", "--csv", "--direction", "in"}})
	golden(t, "history.csv", normalizeCSV(r.stdout))

	// Paging: one at a time with the cursor, or everything with --all.
	var page struct {
		Transactions []txJSON `json:"transactions"`
		NextCursor   *string  `json:"nextCursor"`
		HasMore      bool     `json:"hasMore"`
	}
	decode(t, e.must(call{args: []string{"history", "--limit", "1", "--json"}}).stdout, &page)
	if len(page.Transactions) != 1 || !page.HasMore || page.NextCursor == nil || page.Transactions[0].Amount != "0.000001" {
		t.Fatalf("page 1: %+v", page)
	}
	decode(t, e.must(call{args: []string{"history", "--limit", "1", "--cursor", *page.NextCursor, "--json"}}).stdout, &page)
	if len(page.Transactions) != 1 || page.Transactions[0].Amount != "12.50" {
		t.Fatalf("page 2: %+v", page)
	}
	decode(t, e.must(call{args: []string{"history", "--all", "--limit", "1", "--json"}}).stdout, &page)
	if len(page.Transactions) != 4 || page.HasMore || page.NextCursor != nil {
		t.Fatalf("--all: %+v", page)
	}
	decode(t, e.must(call{args: []string{"history", "--counterparty", "grace@example.com", "--min-amount", "1", "--json"}}).stdout, &page)
	if len(page.Transactions) != 2 {
		t.Fatalf("filters: %+v", page)
	}

	for _, args := range [][]string{{"--json", "--csv"}, {"--limit", "0"}, {"--since", "yesterday"}, {"--direction", "sideways"}, {"--min-amount", "x"}} {
		if r := e.run(append([]string{"history"}, args...)...); r.code != cli.ExitUsage {
			t.Errorf("history %v: exit %d %q", args, r.code, r.stderr)
		}
	}
}

// normalizeCSV replaces the ids and times of CSV rows.
func normalizeCSV(s string) string {
	s = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`).ReplaceAllString(s, "<time>")
	return regexp.MustCompile(`(?m)^[^,\n]+,<time>,`).ReplaceAllString(s, "<id>,<time>,")
}

// history --filter reads the wallet's History filter language (client.ParseFilter, the one
// implementation): the same rows as the flags that say the same, its own sentence for a bad
// word, and a usage error when it disagrees with a flag.
func TestHistoryFilterIsTheWalletsLanguage(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "100"}, acct{"grace@example.com", "100"})
	e.payDirect("ada@example.com", "grace@example.com", "12.50", "lunch")
	e.payDirect("ada@example.com", "grace@example.com", "3", "coffee")
	e.payDirect("grace@example.com", "ada@example.com", "20", "refund")

	byFilter := e.must(call{args: []string{"history", "--filter", "out >5 with:grace@example.com", "--csv"}}).stdout
	byFlags := e.must(call{args: []string{"history", "--direction", "out", "--min-amount", "5.000001",
		"--counterparty", "grace@example.com", "--csv"}}).stdout
	if byFilter != byFlags || strings.Count(byFilter, "\n") != 2 || !strings.Contains(byFilter, "lunch") {
		t.Fatalf("--filter:\n%s\nflags:\n%s", byFilter, byFlags)
	}
	if r := e.do(call{args: []string{"history", "--filter", "status:sideways"}}); r.code != cli.ExitUsage ||
		!strings.Contains(r.stderr, "the status is pending, completed or cancelled") {
		t.Fatalf("a bad filter: exit %d %q", r.code, r.stderr)
	}
	if r := e.do(call{args: []string{"history", "--filter", "in", "--direction", "out"}}); r.code != cli.ExitUsage ||
		!strings.Contains(r.stderr, "--filter and --direction disagree") {
		t.Fatalf("a filter against a flag: exit %d %q", r.code, r.stderr)
	}
}

func TestTokenCreate(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "10"}, acct{"app@example.com", ""})
	r := e.must(call{args: []string{"token", "create", "--to", "App@example.com", "--json"}})
	var doc struct{ Token string }
	decode(t, r.stdout, &doc)
	if strings.Count(doc.Token, ".") != 2 {
		t.Errorf("token: %s", r.stdout)
	}
	golden(t, "token.json", normalize(r.stdout, doc.Token, "<token>"))

	r = e.must(call{args: []string{"token", "create", "--to", "app@example.com"}})
	if strings.Count(r.stdout, "\n") != 1 || strings.Count(r.stdout, ".") != 2 {
		t.Errorf("token alone on stdout: %q", r.stdout)
	}
	if r := e.run("token", "create", "--to", "nobody@example.com"); r.code != cli.ExitUsage {
		t.Errorf("unknown recipient: exit %d", r.code)
	}
	if r := e.run("token", "create"); r.code != cli.ExitUsage {
		t.Errorf("no --to: exit %d", r.code)
	}
}

// token create with limits, token list and token revoke, for people and with --json; the
// recipient's draw is what the list then shows.
func TestTokenListAndRevoke(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "10"}, acct{"app@example.com", ""})

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

// A CI job's journey: a person creates keys (printed once), then commands run with
// SYFTWALLET_API_KEY against the real service, over any stored session: a read key reads the
// balance and cannot pay (exit 2, naming the scope), a pay key stops at its spend limit (exit 3),
// a revoked key is refused (exit 2); and no key is written to any file.
func TestAPIKeyCommands(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "100"}, acct{"bob@example.com", ""})

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
	for _, h := range testkit.FilesHolding(t, filepath.Dir(e.vars["HOME"]), readKey, payKey) {
		t.Errorf("%s holds the API key starting %s", h.Path, h.Prefix())
	}
}

func TestMFA(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "10"})

	// A script enrolls, then confirms with a code.
	r := e.must(call{args: []string{"mfa", "enable", "--json"}})
	var en struct {
		MFAEnabled bool    `json:"mfaEnabled"`
		Secret     *string `json:"secret"`
		OtpauthURL *string `json:"otpauthUrl"`
	}
	decode(t, r.stdout, &en)
	if en.MFAEnabled || en.Secret == nil || en.OtpauthURL == nil {
		t.Fatalf("enroll: %s", r.stdout)
	}
	golden(t, "mfa-enroll.json", normalize(r.stdout, *en.Secret, "<secret>", *en.OtpauthURL, "<url>"))

	if r := e.run("mfa", "enable", "--mfa-code", "000000"); r.code != cli.ExitAuth {
		t.Errorf("wrong code: exit %d %q", r.code, r.stderr)
	}
	now := time.Now()
	code, _ := totp.GenerateCode(*en.Secret, now)
	r = e.must(call{args: []string{"mfa", "enable", "--mfa-code", code, "--json"}})
	var on struct {
		MFAEnabled    bool     `json:"mfaEnabled"`
		RecoveryCodes []string `json:"recoveryCodes"`
	}
	decode(t, r.stdout, &on)
	if !on.MFAEnabled || len(on.RecoveryCodes) != 10 {
		t.Fatalf("enable: %s", r.stdout)
	}
	golden(t, "mfa-enable.json", normalize(regexp.MustCompile(`"recoveryCodes":\[[^\]]*\]`).ReplaceAllString(r.stdout, `"recoveryCodes":["<10 codes>"]`)))
	if r := e.run("mfa", "enable"); r.code != cli.ExitService || !strings.Contains(r.stderr, "already on") {
		t.Errorf("enable twice: exit %d %q", r.code, r.stderr)
	}

	// Signing in now needs the second factor.
	e.must(call{args: []string{"logout"}})
	login := []string{"login", "--email", "ada@example.com", "--password-stdin"}
	if r := e.do(call{args: login, stdin: password}); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--mfa-code") {
		t.Errorf("no code, no terminal: exit %d %q", r.code, r.stderr)
	}
	if r := e.do(call{args: append(login, "--mfa-code", "123456"), stdin: password}); r.code != cli.ExitAuth {
		t.Errorf("wrong code: exit %d %q", r.code, r.stderr)
	}
	r = e.must(call{args: append(login, "--mfa-code", on.RecoveryCodes[0], "--json"), stdin: password})
	golden(t, "login-mfa.json", r.stdout)

	// On a terminal the code is asked for.
	e.must(call{args: []string{"logout"}})
	r = e.do(call{args: []string{"login", "--email", "ada@example.com"}, terminal: true, stdin: password + "\n" + on.RecoveryCodes[1] + "\n"})
	if r.code != 0 || !strings.Contains(r.stderr, "Password: ") || !strings.Contains(r.stderr, "Code from your authenticator app") {
		t.Errorf("terminal login: exit %d %q %q", r.code, r.stdout, r.stderr)
	}

	// The environment's password cannot get past MFA.
	e.must(call{args: []string{"logout"}})
	r = e.do(call{args: []string{"balance"}, vars: map[string]string{"SYFTBOX_ACCOUNTING_EMAIL": "ada@example.com", "SYFTBOX_ACCOUNTING_PASSWORD": password}})
	if r.code != cli.ExitAuth || !strings.Contains(r.stderr, "--mfa-code") {
		t.Errorf("env sign-in with MFA: exit %d %q", r.code, r.stderr)
	}
	e.must(call{args: append(login, "--mfa-code", on.RecoveryCodes[2]), stdin: password})

	if r := e.run("mfa", "disable"); r.code != cli.ExitUsage {
		t.Errorf("disable without a code: exit %d", r.code)
	}
	next, _ := totp.GenerateCode(*en.Secret, now.Add(30*time.Second))
	r = e.must(call{args: []string{"mfa", "disable", "--mfa-code", next, "--json"}})
	golden(t, "mfa-disable.json", r.stdout)
	if r := e.run("mfa", "disable", "--mfa-code", "123456"); r.code != cli.ExitService || !strings.Contains(r.stderr, "not on") {
		t.Errorf("disable twice: exit %d %q", r.code, r.stderr)
	}

	// On a terminal, enable shows the secret and asks for the code (an empty line asks again).
	r = e.do(call{args: []string{"mfa", "enable"}, terminal: true, stdin: "\n000000\n"})
	if !regexp.MustCompile(`secret:\s+\S+`).MatchString(r.stdout) || strings.Count(r.stderr, "Code from the app: ") != 2 || r.code != cli.ExitAuth {
		t.Errorf("terminal enroll: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// mfa recovery-codes: the count, a new set for a TOTP code (never for a recovery code), and a
// spent code at sign-in said to be already used.
func TestMFARecoveryCodes(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", ""})
	r := e.must(call{args: []string{"mfa", "recovery-codes"}})
	if !strings.Contains(r.stdout, "off") {
		t.Errorf("count with MFA off: %q", r.stdout)
	}
	var en struct {
		Secret *string `json:"secret"`
	}
	decode(t, e.must(call{args: []string{"mfa", "enable", "--json"}}).stdout, &en)
	now := time.Now()
	code, _ := totp.GenerateCode(*en.Secret, now)
	var on recoveryDoc
	decode(t, e.must(call{args: []string{"mfa", "enable", "--mfa-code", code, "--json"}}).stdout, &on)

	var st recoveryDoc
	decode(t, e.must(call{args: []string{"mfa", "recovery-codes", "--json"}}).stdout, &st)
	if !st.MFAEnabled || st.RecoveryCodesLeft != 10 || st.RecoveryCodes != nil {
		t.Fatalf("count: %+v", st)
	}
	if r := e.run("mfa", "recovery-codes", "--new"); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--mfa-code") {
		t.Errorf("--new without a code, no terminal: exit %d %q", r.code, r.stderr)
	}
	if r := e.run("mfa", "recovery-codes", "--new", "--mfa-code", on.RecoveryCodes[0]); r.code != cli.ExitAuth ||
		!strings.Contains(r.stderr, "recovery code cannot") {
		t.Errorf("--new with a recovery code: exit %d %q", r.code, r.stderr)
	}
	next, _ := totp.GenerateCode(*en.Secret, now.Add(30*time.Second))
	var fresh recoveryDoc
	decode(t, e.must(call{args: []string{"mfa", "recovery-codes", "--new", "--mfa-code", next, "--json"}}).stdout, &fresh)
	if !fresh.MFAEnabled || fresh.RecoveryCodesLeft != 10 || len(fresh.RecoveryCodes) != 10 || fresh.RecoveryCodes[0] == on.RecoveryCodes[0] {
		t.Fatalf("new codes: %+v", fresh)
	}

	login := []string{"login", "--email", "ada@example.com", "--password-stdin", "--mfa-code"}
	e.must(call{args: []string{"logout"}})
	e.must(call{args: append(login, fresh.RecoveryCodes[0]), stdin: password})
	e.must(call{args: []string{"logout"}})
	r = e.do(call{args: append(login, fresh.RecoveryCodes[0]), stdin: password})
	if r.code != cli.ExitAuth || !strings.Contains(r.stderr, "already used") {
		t.Errorf("a spent recovery code: exit %d %q", r.code, r.stderr)
	}
	e.must(call{args: append(login, fresh.RecoveryCodes[1]), stdin: password})
	if r := e.must(call{args: []string{"mfa", "recovery-codes"}}); r.stdout != "8 recovery codes left.\n" {
		t.Errorf("count after two: %q", r.stdout)
	}
}

type recoveryDoc struct {
	MFAEnabled        bool     `json:"mfaEnabled"`
	RecoveryCodesLeft int      `json:"recoveryCodesLeft"`
	RecoveryCodes     []string `json:"recoveryCodes"`
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	p := newProxy(t, e.base)
	e.vars["SYFTBOX_ACCOUNTING_URL"] = p.URL()
	e.account("ada@example.com", "10")
	e.account("grace@example.com", "100")
	e.signIn("ada@example.com")

	ev := e.follow("events", "--json")

	e.payDirect("grace@example.com", "ada@example.com", "1.5", "first")
	waitFor(t, "two events", func() bool { return strings.Count(ev.out.String(), "\n") == 2 })

	// A network drop: the stream says so, reconnects and resumes, missing nothing.
	p.Cut()
	waitFor(t, "disconnected", func() bool { return strings.Contains(ev.errb.String(), "Disconnected") })
	e.payDirect("grace@example.com", "ada@example.com", "2", "second")
	waitFor(t, "four events", func() bool { return strings.Count(ev.out.String(), "\n") == 4 })
	if !strings.Contains(ev.errb.String(), "Reconnected: resuming after seq") {
		t.Errorf("stderr: %s", ev.errb.String())
	}

	r := ev.stop()
	if r.code != 0 || r.err != nil {
		t.Fatalf("events: exit %d %v", r.code, r.err)
	}
	got := ev.out.String()
	var seqs []int64
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		var ev struct{ Seq int64 }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		seqs = append(seqs, ev.Seq)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Errorf("seqs %v: want consecutive", seqs)
		}
	}
	golden(t, "events.jsonl", normalize(regexp.MustCompile(`"seq":\d+`).ReplaceAllString(got, `"seq":<seq>`)))

	// People: one line per event; --since 0 replays every event kept, from the first (the
	// top-up, then "first" and "second"), then goes on live.
	human := e.follow("events", "--since", "0")
	e.payDirect("grace@example.com", "ada@example.com", "3", "third")
	waitFor(t, "human lines", func() bool { return strings.Count(human.out.String(), "\n") == 9 }) // 7 kept (a login among them), 2 new
	human.stop()
	if s := human.out.String(); !strings.Contains(s, "[seq 1]\n") ||
		!strings.Contains(s, "from grace@example.com  COMPLETED  first") || !strings.Contains(s, "COMPLETED  second") ||
		!strings.Contains(s, "+3.00 USD  from grace@example.com  COMPLETED  third") ||
		!strings.Contains(s, "balance 16.50 USD, available 16.50") {
		t.Errorf("human events:\n%s", s)
	}

	// Signed out: authentication error before anything is followed.
	e.must(call{args: []string{"logout"}})
	if r := e.run("events"); r.code != cli.ExitAuth {
		t.Errorf("events signed out: exit %d", r.code)
	}
}

func TestEmbedded(t *testing.T) {
	e := newEnv(t)
	delete(e.vars, "SYFTBOX_ACCOUNTING_URL") // no server: the ledger in the data dir
	dir := filepath.Join(t.TempDir(), "wallet")
	e.vars["SYFTWALLET_DATA_DIR"] = dir
	r := e.must(call{args: []string{"register", "--email", "lin@example.org", "--password-stdin"}, stdin: password})
	if !strings.Contains(r.stdout, "Balance: 100.00 USD") {
		t.Errorf("welcome credit: %q", r.stdout)
	}
	// Each command starts and stops its own service; the session survives in the keyring under
	// the data dir's name, and the ledger in the data dir, with the TUI's demo accounts to pay.
	e.must(call{args: []string{"pay", "--to", "ada@example.com", "--amount", "30", "--yes"}})
	var bal struct{ Balance string }
	decode(t, e.must(call{args: []string{"balance", "--json"}}).stdout, &bal)
	if bal.Balance != "70.00" {
		t.Errorf("balance %s", bal.Balance)
	}
	if _, err := os.Stat(filepath.Join(dir, "ledger.db")); err != nil {
		t.Error(err)
	}
	if _, err := keyringHas(cli.EmbeddedIdentity(dir), "lin@example.org"); err != nil {
		t.Errorf("session not in the keyring under the embedded identity: %v", err)
	}
	// --data-dir picks another ledger: nobody is signed in there.
	if r := e.run("balance", "--data-dir", filepath.Join(t.TempDir(), "other")); r.code != cli.ExitAuth {
		t.Errorf("other data dir: exit %d %q", r.code, r.stderr)
	}
}

func keyringHas(server, email string) (client.Secret, error) {
	return client.NewKeyringStore().Load(server, email)
}

func TestExitCodes(t *testing.T) {
	e := newEnv(t)
	down := "http://127.0.0.1:1"
	cases := []struct {
		name string
		c    call
		want int
	}{
		{"unknown flag", call{args: []string{"balance", "--nope"}}, cli.ExitUsage},
		{"extra argument", call{args: []string{"balance", "extra"}}, cli.ExitUsage},
		{"bad server flag", call{args: []string{"balance", "--server", "ftp://x"}}, cli.ExitUsage},
		{"bad environment", call{args: []string{"balance"}, vars: map[string]string{"SYFTBOX_TIMEOUT": "soon"}}, cli.ExitUsage},
		{"not signed in", call{args: []string{"balance"}}, cli.ExitAuth},
		{"unreachable", call{args: []string{"login", "--email", "ada@example.com", "--server", down, "--max-retries", "0"},
			vars: map[string]string{"SYFTBOX_ACCOUNTING_PASSWORD": password}}, cli.ExitUnreachable},
	}
	for _, tc := range cases {
		r := e.do(tc.c)
		if r.code != tc.want {
			t.Errorf("%s: exit %d, want %d (%q)", tc.name, r.code, tc.want, r.stderr)
		}
		if strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: want one line on stderr, got %q", tc.name, r.stderr)
		}
	}

	// Signed in, then the service goes away: 4, and the JSON error says so.
	e.account("ada@example.com", "1")
	e.signIn("ada@example.com")
	e.stop()
	r := e.run("balance", "--json", "--max-retries", "0")
	if r.code != cli.ExitUnreachable {
		t.Errorf("service gone: exit %d %q", r.code, r.stderr)
	}
	golden(t, "error-unreachable.json", r.stdout)

	if got := cli.ExitCode(context.Canceled); got != cli.ExitInterrupted {
		t.Errorf("canceled: %d", got)
	}
	if got := cli.ExitCode(errors.New("unknown command")); got != cli.ExitUsage {
		t.Errorf("cobra's own error: %d", got)
	}
	if got := cli.ExitCode(&client.ServerError{Status: 500}); got != cli.ExitService {
		t.Errorf("server error: %d", got)
	}
	if got := cli.ExitCode(&client.RateLimitedError{}); got != cli.ExitService {
		t.Errorf("rate limited: %d", got)
	}
}

// TestBinary builds syftwallet and checks that the exit codes reach the shell.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "syftwallet")
	build := exec.Command("go", "build", "-o", bin, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	vars := baseVars(t)
	environ := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	for _, tc := range []struct {
		args []string
		env  []string
		want int
	}{
		{[]string{"pay", "--to", "a@example.com", "--amount", "1"}, nil, cli.ExitUsage},
		{[]string{"balance", "--server", "http://127.0.0.1:1", "--no-keyring"}, nil, cli.ExitAuth},
		{[]string{"login", "--email", "a@example.com", "--server", "http://127.0.0.1:1", "--max-retries", "0", "--no-keyring"},
			[]string{"SYFTBOX_ACCOUNTING_PASSWORD=" + password}, cli.ExitUnreachable},
		{[]string{"balance", "--help"}, nil, cli.ExitOK},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(environ, tc.env...)
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.want {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, code, tc.want, out)
		}
	}
}

// An amount is typed as a decimal: "1e5" is a slip that would pay 100,000.00 with --yes, so pay
// refuses exponents (as the wallet's pay screen does) and moves no money.
func TestPayRefusesExponentAmounts(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "100"}, acct{"grace@example.com", ""})
	for _, amt := range []string{"1e1", "5E0", "1e-2"} {
		r := e.run("pay", "--yes", "--to", "grace@example.com", "--amount", amt)
		if r.code != cli.ExitUsage {
			t.Errorf("pay --amount %s: exit %d, want %d (usage) %q", amt, r.code, cli.ExitUsage, r.stderr)
		}
	}
	var bal struct{ Balance string }
	decode(t, e.must(call{args: []string{"balance", "--json"}}).stdout, &bal)
	if bal.Balance != "100.00" {
		t.Errorf("balance %s after refused payments, want 100.00", bal.Balance)
	}
}
