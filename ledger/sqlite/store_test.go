package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// The conformance suite (ledger/ledgertest) runs against this store from the table of stores in
// ledger/ledgertest/stores_test.go; what is here is SQLite's own.

func open(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// submit runs fn on the writer, as the rules' calls do, and returns its result as a T.
func submit[T any](s *Store, ctx context.Context, fn func(w *wtx) (T, error)) (T, error) {
	res, err := s.enqueue(ctx, func(w *wtx) (any, error) { return fn(w) })
	v, _ := res.(T)
	return v, err
}

func units(n int64) money.Micros { return money.Micros(n * money.Scale) }

func mkAccount(t testing.TB, s *Store, email string, credit money.Micros) ledger.Account {
	t.Helper()
	a, err := s.CreateAccount(context.Background(), ledger.NewAccount{Email: email, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if credit > 0 {
		if a, _, err = s.Credit(context.Background(), ledger.Credit{RecipientEmail: email, Amount: credit}); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func mustCheck(t testing.TB, s *Store) ledger.Invariants {
	t.Helper()
	inv, err := s.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !inv.OK() {
		t.Fatalf("invariants broken: %+v", inv)
	}
	return inv
}

// TestLedgerFilesArePrivate: the database and its WAL and shared-memory files hold password
// hashes and are readable by the owner only.
func TestLedgerFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mkAccount(t, s, "ada@example.com", 1)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", filepath.Base(p), st.Mode().Perm())
		}
	}
}
