package cli_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/ledger/postgres/pgtest"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/money"
)

// adminStores is the one table of ledgers the admin commands are tested on: a SQLite file, and a
// PostgreSQL database of its own (skipped, with the reason, without SYFTWALLET_TEST_POSTGRES).
// open returns the --db value of a ledger with two people in it (ada with 50.00, bob), left open
// as a running service would keep it while the commands work on it, and a way to write to the
// ledger behind the service's back (to break it). backup checks what admin backup does there.
var adminStores = []struct {
	name   string
	open   func(t *testing.T) (db string, exec func(query string))
	backup func(t *testing.T, e *env, db string)
}{
	{"sqlite", func(t *testing.T) (string, func(string)) {
		path := filepath.Join(t.TempDir(), "ledger.db")
		store, err := sqlite.Open(context.Background(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		seedAdminLedger(t, store)
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return path, func(q string) {
			t.Helper()
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	}, backupSQLite},
	{"postgres", func(t *testing.T) (string, func(string)) {
		url := pgtest.URL(t)
		store, err := postgres.Open(context.Background(), url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		seedAdminLedger(t, store)
		return url, func(q string) {
			t.Helper()
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}, backupPostgres},
}

func seedAdminLedger(t *testing.T, store ledger.Ledger) {
	t.Helper()
	ctx := context.Background()
	for _, email := range []string{"ada@example.com", "bob@example.com"} {
		if _, err := store.CreateAccount(ctx, ledger.NewAccount{Email: email, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := store.Credit(ctx, ledger.Credit{RecipientEmail: "ada@example.com", Amount: 50 * money.Scale}); err != nil {
		t.Fatal(err)
	}
}

// admin check's document, as far as these tests read it.
type adminCheckDoc struct {
	OK           bool     `json:"ok"`
	Accounts     int      `json:"accounts"`
	Transactions int      `json:"transactions"`
	Total        string   `json:"total"`
	MoneyCreated string   `json:"moneyCreated"`
	Mismatched   []string `json:"mismatched"`
}

func TestAdminCommands(t *testing.T) {
	for _, st := range adminStores {
		t.Run(st.name, func(t *testing.T) {
			e := &env{t: t, vars: baseVars(t)}
			db, _ := st.open(t)

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
			// Without --db, DATABASE_URL names the ledger (as serve takes it).
			byEnv := e.must(call{args: []string{"admin", "users", "--json"}, vars: map[string]string{"DATABASE_URL": db}}).stdout
			decode(t, byEnv, &users)
			if len(users.Users) != 2 {
				t.Errorf("admin users with DATABASE_URL: %s", byEnv)
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
			decode(t, e.must(call{args: []string{"admin", "users", "--db", db, "--json"}}).stdout, &users)
			if len(users.Users) != 2 || users.Users[1].Email != "bob@example.com" || users.Users[1].Balance != "12.50" {
				t.Errorf("admin users after add-balance: %+v, want bob with 12.50", users)
			}

			var check adminCheckDoc
			decode(t, e.must(call{args: []string{"admin", "check", "--db", db, "--json"}}).stdout, &check)
			if !check.OK || check.Accounts != 3 || check.Transactions != 2 || check.Total != "0.00" || check.MoneyCreated != "62.50" {
				t.Fatalf("admin check: %+v", check)
			}
			if out := e.must(call{args: []string{"admin", "check", "--db", db}}).stdout; !strings.Contains(out, "The ledger is consistent: 3 accounts, 2 transactions, 62.50 USD created.") {
				t.Errorf("admin check (human):\n%s", out)
			}

			st.backup(t, e, db)
		})
	}
}

// backupSQLite: admin backup writes a copy that is a ledger of its own, and never overwrites.
func backupSQLite(t *testing.T, e *env, db string) {
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
	var check adminCheckDoc
	decode(t, e.must(call{args: []string{"admin", "check", "--db", backup, "--json"}}).stdout, &check)
	if !check.OK || check.Accounts != 3 || check.MoneyCreated != "62.50" {
		t.Fatalf("admin check of the backup: %+v", check)
	}
	if r := e.run("admin", "backup", backup, "--db", db); r.code == 0 || !strings.Contains(r.stderr, "exists already") {
		t.Errorf("backup over an existing file: exit %d, %s", r.code, r.stderr)
	}
}

// backupPostgres: admin backup writes nothing and says to use pg_dump (a usage error, exit 1).
func backupPostgres(t *testing.T, e *env, db string) {
	backup := filepath.Join(t.TempDir(), "copy.dump")
	r := e.run("admin", "backup", backup, "--db", db)
	if r.code != 1 || !strings.Contains(r.stderr, "pg_dump") || r.stdout != "" {
		t.Errorf("admin backup on PostgreSQL: exit %d, want 1 and pg_dump named\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, db) {
		t.Errorf("admin backup printed the database URL: %s", r.stderr)
	}
	var doc struct {
		Error struct {
			Message  string `json:"message"`
			ExitCode int    `json:"exitCode"`
		} `json:"error"`
	}
	decode(t, e.run("admin", "backup", backup, "--db", db, "--json").stdout, &doc)
	if !strings.Contains(doc.Error.Message, "pg_dump") || doc.Error.ExitCode != 1 {
		t.Errorf("admin backup --json on PostgreSQL: %+v", doc)
	}
	if _, err := os.Stat(backup); !os.IsNotExist(err) {
		t.Errorf("admin backup on PostgreSQL wrote %s", backup)
	}
}

// A ledger whose books do not balance: admin check says which account and exits 1.
func TestAdminCheckFindsABreach(t *testing.T) {
	for _, st := range adminStores {
		t.Run(st.name, func(t *testing.T) {
			e := &env{t: t, vars: baseVars(t)}
			db, exec := st.open(t)
			// Money from nowhere: a balance raised without a posting.
			exec(`UPDATE accounts SET balance = balance + 1000000 WHERE email = 'bob@example.com'`)
			r := e.run("admin", "check", "--db", db, "--json")
			if r.code != 1 {
				t.Fatalf("admin check of a broken ledger: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
			}
			var doc adminCheckDoc
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
		})
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
