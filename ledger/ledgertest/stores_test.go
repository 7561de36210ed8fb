package ledgertest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/syftbox/syftwallet/ledger/ledgertest"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/ledger/postgres/pgtest"
	"github.com/syftbox/syftwallet/ledger/sqlite"
)

// stores is the one table of stores that the conformance suite runs against. PostgreSQL needs a
// server (SYFTWALLET_TEST_POSTGRES or DATABASE_URL) and is skipped without one; each test gets a
// database of its own.
var stores = []struct {
	name string
	open ledgertest.Opener
}{
	{"sqlite", func(t testing.TB, o ledgertest.Options) ledgertest.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{
			Now: o.Now, OnCommit: o.OnCommit, MaxGroup: o.MaxGroup, EventTTL: o.EventTTL})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t testing.TB, o ledgertest.Options) ledgertest.Store {
		s, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{
			Now: o.Now, OnCommit: o.OnCommit, MaxGroup: o.MaxGroup, EventTTL: o.EventTTL})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

func TestStores(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) { ledgertest.Run(t, st.open) })
	}
}
