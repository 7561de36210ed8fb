package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
)

// 0006 on a ledger that already holds transactions, with the column 0005 (API keys) added to
// transactions: the rows and the column stay, and a 0.00 transfer becomes possible while a
// negative one is still refused.
func TestTokenLimitsMigrationOnAnOldLedger(t *testing.T) {
	ctx := context.Background()
	s := oldLedger(t, 6,
		`INSERT INTO accounts (n, id, email, balance, created_at) VALUES (10, 'a', 'a@example.com', 5, 0), (11, 'b', 'b@example.com', 0, 0)`,
		`INSERT INTO transactions (id, sender, recipient, amount, status, created_by, created_at, api_key)
			VALUES ('t1', 10, 11, 5, 'COMPLETED', 'SENDER', 0, 'key-1')`)
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

// A ledger from before migration 0003 (schema version 2): its sealed secrets have no key id (the
// service finds out which key opens them), and its challenges, stored with their ids in clear,
// are dropped.
func TestMigrationFromVersion2(t *testing.T) {
	ctx := context.Background()
	s := oldLedger(t, 3,
		`INSERT INTO accounts (id, email, created_at, mfa_enabled, mfa_secret, mfa_pending) VALUES ('acct-1', 'ada@example.com', 0, 1, x'0102', NULL)`,
		`INSERT INTO accounts (id, email, created_at, mfa_pending) VALUES ('acct-2', 'bob@example.com', 0, x'0304')`,
		`INSERT INTO challenges (id, account, expires_at) VALUES ('challenge-id-in-clear', 1, 9999999999999)`)
	var n int
	if err := s.rdb.QueryRow(`SELECT COUNT(*) FROM challenges`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("challenges after the migration: %d, %v", n, err)
	}
	if _, err := s.Challenge(ctx, "challenge-id-in-clear"); err == nil {
		t.Fatal("a challenge from before the migration still answers")
	}
	u, err := s.KeyUse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.Recorded != (ledger.KeyIDs{}) || len(u.Legacy) != 2 || u.Empty() {
		t.Fatalf("key use of a version-2 ledger: %+v", u)
	}
	var legacy []ledger.LegacySecret
	for _, l := range u.Legacy {
		switch {
		case l.AccountID == "acct-1" && !l.Pending && string(l.Sealed) == "\x01\x02":
			l.KeyID = "data-1"
		case l.AccountID == "acct-2" && l.Pending && string(l.Sealed) == "\x03\x04":
			l.KeyID = ledger.UnknownKey
		default:
			t.Fatalf("legacy secret %+v", l)
		}
		legacy = append(legacy, l)
	}
	ids := ledger.KeyIDs{Signing: "sig-1", Data: "data-1"}
	if err := s.AdoptKeys(ctx, ids, legacy); err != nil {
		t.Fatal(err)
	}
	u, err = s.KeyUse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.Recorded != ids || u.MFAAccounts != 1 || u.Pending != 0 || len(u.Legacy) != 0 {
		t.Fatalf("after AdoptKeys: %+v", u)
	}
	if m, _ := s.MFA(ctx, "acct-1"); m.SecretKey != "data-1" {
		t.Errorf("acct-1's secret attributed to %q", m.SecretKey)
	}
	if m, _ := s.MFA(ctx, "acct-2"); m.PendingKey != ledger.UnknownKey {
		t.Errorf("acct-2's pending secret attributed to %q", m.PendingKey)
	}
}

// oldLedger makes a ledger file as a release before migration version upTo left it: the
// migrations below upTo applied, user_version saying so, then the rows of then (SQL statements).
// It returns that file opened as a Store (which runs the migrations from upTo on), closed when
// the test ends.
func oldLedger(t *testing.T, upTo int, rows ...string) *Store {
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
	db.Close()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
