package service

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger/postgres/pgtest"
)

// TestOldKeptResponsesReplayAfterTheUpgrade: an idempotency key kept before the ledger kept opaque
// bytes held an HTTP status and a body in two columns. After the upgrade (sqlite migration 0008,
// postgres 0005) a retry with the key still gets that status and body back byte for byte, with
// Idempotent-Replayed, and moves no money: for a success (201) and a kept refusal (402).
//
// The rows of the old form are made as the old code made them: the keys are used through the
// service, then the table is put back in its old shape (status and body columns, the schema
// version before the migration) with the status and the exact bytes the client was answered.
func TestOldKeptResponsesReplayAfterTheUpgrade(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "ledger.db")
		testOldKeptResponses(t, func() *Service { return startForTest(t, dir) }, func(old map[string]answer) {
			conn, err := sql.Open("sqlite", db)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			exec := func(q string, args ...any) {
				if _, err := conn.Exec(q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`ALTER TABLE idempotency RENAME COLUMN response TO body`)
			exec(`ALTER TABLE idempotency ADD COLUMN status INTEGER NOT NULL DEFAULT 0`)
			for key, a := range old {
				exec(`UPDATE idempotency SET status = ?, body = ? WHERE key = ?`, a.status, a.body, key)
			}
			exec("PRAGMA user_version = " + strconv.Itoa(versionBefore(t, "../ledger/sqlite/migrations", "opaque_kept")))
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		keys := filepath.Join(t.TempDir(), "keys.json")
		start := func() *Service {
			svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", DatabaseURL: url, KeysPath: keys,
				AdminKey: contractAdminKey})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = svc.Stop() })
			return svc
		}
		testOldKeptResponses(t, start, func(old map[string]answer) {
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			exec := func(q string, args ...any) {
				if _, err := conn.Exec(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`ALTER TABLE idempotency RENAME COLUMN response TO body`)
			exec(`ALTER TABLE idempotency ADD COLUMN status INTEGER NOT NULL DEFAULT 0`)
			for key, a := range old {
				exec(`UPDATE idempotency SET status = $1, body = $2 WHERE key = $3`, a.status, a.body, key)
			}
			exec(`DELETE FROM schema_migrations WHERE version > $1`,
				versionBefore(t, "../ledger/postgres/migrations", "opaque_kept"))
		})
	})
}

// versionBefore is the number of the migration before the one named name in dir.
func versionBefore(t *testing.T, dir, name string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	prev := 0
	for _, e := range entries {
		num, rest, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		if strings.HasPrefix(rest, name) {
			return prev
		}
		prev = v
	}
	t.Fatalf("no migration %s in %s", name, dir)
	return 0
}

// testOldKeptResponses uses two keys on the service start returns, stops it, lets downgrade put
// their rows in the old form, starts the service again on the same ledger and retries both.
func testOldKeptResponses(t *testing.T, start func() *Service, downgrade func(old map[string]answer)) {
	svc := start()
	alice := signUp(t, svc, "alice@example.com", 10)
	signUp(t, svc, "bob@example.com", 0)
	requests := map[string]map[string]any{
		"paid-once": {"recipientEmail": "bob@example.com", "amount": "3.50", "memo": "rent"},
		"too-much":  {"recipientEmail": "bob@example.com", "amount": "100"},
	}
	old := map[string]answer{}
	for key, req := range requests {
		old[key] = send(t, "POST", svc.URL+"/payments", req, append(alice.bearer(), api.HeaderIdempotencyKey, key)...)
	}
	if old["paid-once"].status != 201 || old["too-much"].status != 402 {
		t.Fatalf("first answers: %d %s, %d %s", old["paid-once"].status, old["paid-once"].body,
			old["too-much"].status, old["too-much"].body)
	}
	if err := svc.Stop(); err != nil {
		t.Fatal(err)
	}
	downgrade(old)

	svc = start()
	a := send(t, "POST", svc.URL+"/auth/login", map[string]any{"email": alice.email, "password": alice.password})
	var tok api.Tokens
	if a.status != 200 || json.Unmarshal(a.body, &tok) != nil {
		t.Fatalf("login after the upgrade: %d %s", a.status, a.body)
	}
	alice.token = tok.AccessToken
	for key, req := range requests {
		got := send(t, "POST", svc.URL+"/payments", req, append(alice.bearer(), api.HeaderIdempotencyKey, key)...)
		if got.status != old[key].status || !bytes.Equal(got.body, old[key].body) || got.header.Get(api.HeaderReplayed) != "true" {
			t.Errorf("%s after the upgrade: %d %q (replayed %q), want %d %q", key, got.status, got.body,
				got.header.Get(api.HeaderReplayed), old[key].status, old[key].body)
		}
	}
	me := send(t, "GET", svc.URL+"/user/my-info", nil, alice.bearer()...)
	var u api.UserBody
	if me.status != 200 || json.Unmarshal(me.body, &u) != nil || u.User.Balance != 6_500_000 {
		t.Fatalf("alice after the retries: %d %s (a key moved money twice?)", me.status, me.body)
	}
}
