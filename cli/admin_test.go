package cli_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/money"
)

// adminLedger is a ledger file with two people in it, left open as a running service would keep
// it while the admin commands work on the same file.
func adminLedger(t *testing.T) (string, *sqlite.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	ctx := context.Background()
	store, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for _, email := range []string{"ada@example.com", "bob@example.com"} {
		if _, err := store.CreateAccount(ctx, ledger.NewAccount{Email: email, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := store.Credit(ctx, ledger.Credit{RecipientEmail: "ada@example.com", Amount: 50 * money.Scale}); err != nil {
		t.Fatal(err)
	}
	return path, store
}

func TestAdminCommands(t *testing.T) {
	e := &env{t: t, vars: baseVars(t)}
	db, _ := adminLedger(t)

	var users struct {
		Users []struct {
			Email   string `json:"email"`
			Balance string `json:"balance"`
		} `json:"users"`
	}
	decode(t, e.must(call{args: []string{"admin", "users", "--db", db, "--json"}}).stdout, &users)
	if len(users.Users) != 2 || users.Users[0].Email != "ada@example.com" || users.Users[0].Balance != "50.00" {
		t.Fatalf("admin users: %+v, want ada (50.00) and bob, not the system account", users)
	}
	human := e.must(call{args: []string{"admin", "users", "--db", db}}).stdout
	if !strings.Contains(human, "bob@example.com") || !strings.Contains(human, "2 accounts") {
		t.Errorf("admin users:\n%s", human)
	}

	var credit struct {
		Account struct {
			Email   string `json:"email"`
			Balance string `json:"balance"`
		} `json:"account"`
		Amount        string `json:"amount"`
		TransactionID string `json:"transactionId"`
	}
	decode(t, e.must(call{args: []string{"admin", "add-balance", "bob@example.com", "12.5", "--db", db, "--json"}}).stdout, &credit)
	if credit.Account.Balance != "12.50" || credit.Amount != "12.50" || credit.TransactionID == "" {
		t.Fatalf("admin add-balance: %+v", credit)
	}
	if r := e.run("admin", "add-balance", "nobody@example.com", "1", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "No account") {
		t.Errorf("add-balance to nobody: exit %d, %s", r.code, r.stderr)
	}
	if r := e.run("admin", "add-balance", "bob@example.com", "-3", "--db", db); r.code != 1 {
		t.Errorf("add-balance of a negative amount: exit %d, %s", r.code, r.stderr)
	}

	var check struct {
		OK           bool   `json:"ok"`
		Accounts     int    `json:"accounts"`
		Transactions int    `json:"transactions"`
		Total        string `json:"total"`
		MoneyCreated string `json:"moneyCreated"`
	}
	decode(t, e.must(call{args: []string{"admin", "check", "--db", db, "--json"}}).stdout, &check)
	if !check.OK || check.Accounts != 3 || check.Transactions != 2 || check.Total != "0.00" || check.MoneyCreated != "62.50" {
		t.Fatalf("admin check: %+v", check)
	}

	backup := filepath.Join(t.TempDir(), "copy.db")
	var b struct {
		File  string `json:"file"`
		Bytes int64  `json:"bytes"`
	}
	decode(t, e.must(call{args: []string{"admin", "backup", backup, "--db", db, "--json"}}).stdout, &b)
	if b.File != backup || b.Bytes == 0 {
		t.Fatalf("admin backup: %+v", b)
	}
	// The copy is a ledger of its own, with everything in it.
	decode(t, e.must(call{args: []string{"admin", "check", "--db", backup, "--json"}}).stdout, &check)
	if !check.OK || check.Accounts != 3 || check.MoneyCreated != "62.50" {
		t.Fatalf("admin check of the backup: %+v", check)
	}
	if r := e.run("admin", "backup", backup, "--db", db); r.code == 0 || !strings.Contains(r.stderr, "exists already") {
		t.Errorf("backup over an existing file: exit %d, %s", r.code, r.stderr)
	}
}

// A ledger whose books do not balance: admin check says which account and exits 1.
func TestAdminCheckFindsABreach(t *testing.T) {
	e := &env{t: t, vars: baseVars(t)}
	db, _ := adminLedger(t)
	raw, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Money from nowhere: a balance raised without a posting.
	if _, err := raw.Exec(`UPDATE accounts SET balance = balance + 1000000 WHERE email = 'bob@example.com'`); err != nil {
		t.Fatal(err)
	}
	r := e.run("admin", "check", "--db", db, "--json")
	if r.code != 1 {
		t.Fatalf("admin check of a broken ledger: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	var doc struct {
		OK         bool     `json:"ok"`
		Total      string   `json:"total"`
		Mismatched []string `json:"mismatched"`
	}
	decode(t, strings.SplitN(r.stdout, "\n", 2)[0], &doc)
	if doc.OK || doc.Total != "1.00" || len(doc.Mismatched) != 1 || doc.Mismatched[0] != "bob@example.com" {
		t.Fatalf("admin check: %+v", doc)
	}
	if !strings.Contains(r.stdout, `"invariant_broken"`) {
		t.Errorf("the error document does not name the breach: %s", r.stdout)
	}
	human := e.run("admin", "check", "--db", db)
	if human.code != 1 || !strings.Contains(human.stdout, "bob@example.com") || !strings.Contains(human.stdout, "NOT consistent") {
		t.Errorf("admin check (human): exit %d\n%s", human.code, human.stdout)
	}
}

// A mistyped --db is an error, never a new empty ledger.
func TestAdminNeedsAnExistingLedger(t *testing.T) {
	e := &env{t: t, vars: baseVars(t)}
	missing := filepath.Join(t.TempDir(), "nope.db")
	r := e.run("admin", "check", "--db", missing)
	if r.code == 0 || !strings.Contains(r.stderr, "no ledger at") {
		t.Fatalf("admin check of a missing file: exit %d, %s", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("admin check created %s", missing)
	}
}
