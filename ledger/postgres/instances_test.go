package postgres_test

import (
	"context"
	"testing"

	"github.com/syftbox/syftwallet/ledger/ledgertest"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/ledger/postgres/pgtest"
)

func openInstances(t testing.TB, n int, o postgres.Options) []*postgres.Store {
	url := pgtest.URL(t)
	out := make([]*postgres.Store, n)
	for i := range out {
		s, err := postgres.Open(context.Background(), url, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

// TestThreeInstancesConcurrentTransfers: the property test with its 64 payers spread over three
// stores on one database, as three instances of the service are: duplicate idempotency keys
// across instances, A->B / B->A cycles and a hot account. Afterwards the total is unchanged,
// nothing is negative, each key paid once and every account's seqs are gap-free.
func TestThreeInstancesConcurrentTransfers(t *testing.T) {
	st := openInstances(t, 3, postgres.Options{})
	ledgertest.ConcurrentTransfers(t, st[0], st[1], st[2])
}
