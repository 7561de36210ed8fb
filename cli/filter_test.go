package cli_test

import (
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/cli"
)

// history --filter reads the wallet's History filter language (client.ParseFilter, the one
// implementation): the same rows as the flags that say the same, its own sentence for a bad
// word, and a usage error when it disagrees with a flag.
func TestHistoryFilterIsTheWalletsLanguage(t *testing.T) {
	e := newEnv(t)
	e.account("ada@example.com", "100")
	e.account("grace@example.com", "100")
	e.payDirect("ada@example.com", "grace@example.com", "12.50", "lunch")
	e.payDirect("ada@example.com", "grace@example.com", "3", "coffee")
	e.payDirect("grace@example.com", "ada@example.com", "20", "refund")
	e.signIn("ada@example.com")

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
