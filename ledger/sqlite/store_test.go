package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/syftbox/syftwallet/ledger/ledgertest"
	"github.com/syftbox/syftwallet/testkit"
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
	ledgertest.MkAccount(t, s, "ada@example.com", 1)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		testkit.WantMode(t, p, 0o600)
	}
}
