package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// 0006 on a ledger that already holds transactions, with the column 0005 (API keys) added to
// transactions: the rows and the column stay, and a 0.00 transfer becomes possible while a
// negative one is still refused.
func TestTokenLimitsMigrationOnAnOldLedger(t *testing.T) {
	ctx := context.Background()
	path := oldLedger(t, 6,
		`INSERT INTO accounts (n, id, email, balance, created_at) VALUES (10, 'a', 'a@example.com', 5, 0), (11, 'b', 'b@example.com', 0, 0)`,
		`INSERT INTO transactions (id, sender, recipient, amount, status, created_by, created_at, api_key)
			VALUES ('t1', 10, 11, 5, 'COMPLETED', 'SENDER', 0, 'key-1')`)
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var key, schema, check string
	if err := s.rdb.QueryRowContext(ctx, `SELECT api_key FROM transactions WHERE id = 't1'`).Scan(&key); err != nil || key != "key-1" {
		t.Fatalf("the old row or the other migration's column was lost: %q %v", key, err)
	}
	if err := s.rdb.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE name = 'transactions'`).Scan(&schema); err != nil ||
		!strings.Contains(schema, "CHECK (amount >= 0)") || !strings.Contains(schema, "api_key") {
		t.Fatalf("schema %q %v", schema, err)
	}
	if err := s.rdb.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity %q %v", check, err)
	}
	// The writer's own connection, which ran the migration, sees the looser check at once.
	if _, err := s.wconn.ExecContext(ctx, `INSERT INTO transactions (id, sender, recipient, amount, status, created_by, created_at)
		VALUES ('t0', 10, 11, 0, 'PENDING', 'RECIPIENT', 0)`); err != nil {
		t.Fatalf("a 0.00 transfer: %v", err)
	}
	if _, err := s.wconn.ExecContext(ctx, `INSERT INTO transactions (id, sender, recipient, amount, status, created_by, created_at)
		VALUES ('tn', 10, 11, -1, 'PENDING', 'RECIPIENT', 0)`); err == nil {
		t.Fatal("a negative transfer was accepted")
	}
}

// oldLedger makes a ledger file as a release before migration version upTo left it: the
// migrations below upTo applied, user_version saying so, then the rows of then (SQL statements).
// It returns the file's path, closed.
func oldLedger(t *testing.T, upTo int, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	have := 0
	for _, m := range ms {
		if m.Version >= upTo {
			break
		}
		have = m.Version
		if _, err := db.Exec(m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, have)); err != nil {
		t.Fatal(err)
	}
	for _, q := range rows {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}
