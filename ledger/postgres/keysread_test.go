package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/ledger/postgres/pgtest"
)

// A group's read of its idempotency keys probes the primary key once per (owner, key) pair and
// never scans the table, even while the table has no statistics (a table that grew since the
// last ANALYZE): the plan PostgreSQL chooses for it, with 16 accounts, 20,000 kept keys and a
// group of 26 keys, has no sequential scan of idempotency.
func TestKeysReadProbesThePrimaryKey(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`ALTER TABLE idempotency SET (autovacuum_enabled = false)`,
		`INSERT INTO accounts (id, email, created_at) SELECT 'id' || i, 'p' || i || '@example.com', 0 FROM generate_series(1, 16) i`,
		`INSERT INTO idempotency (account, key, fingerprint, response, created_at)
			SELECT a.n, 'k' || i, '\x00', '\x00', i FROM generate_series(1, 20000) i
			JOIN accounts a ON a.id = 'id' || (1 + i % 16)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var ids, emails []*string
	var keys []string
	for i := range 26 {
		id := "id" + string(rune('1'+i%9))
		ids, emails, keys = append(ids, &id), append(emails, nil), append(keys, "k"+string(rune('a'+i)))
	}
	rows, err := conn.Query(ctx, "EXPLAIN "+keysRead, ids, emails, keys)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if strings.Contains(text, "Seq Scan on idempotency") || !strings.Contains(text, "idempotency_pkey") {
		t.Errorf("the keys' read does not probe idempotency's primary key:\n%s", text)
	}
}
