package postgres_test

import (
	"fmt"
	"testing"

	"github.com/syftbox/syftwallet/ledger/ledgertest"
	"github.com/syftbox/syftwallet/ledger/postgres"
)

// BenchmarkDurablePayments measures durable payments per second on PostgreSQL (run the server
// with fsync on: .ci/run's test cluster has it off) with 1, 8 and 64 payers: group commit against
// the baseline of one transaction per payment (MaxGroup=1, one writer), same code, same run; with
// one writer per instance (the default) and with two; and with the payers spread over three
// instances (three stores on one database).
//
//	go test -run '^$' -bench DurablePayments -benchtime 3000x ./ledger/postgres/
func BenchmarkDurablePayments(b *testing.B) {
	for _, mode := range []struct {
		name           string
		group, writers int
		instances      int
	}{{"group", 256, 1, 1}, {"group-2-writers", 256, 2, 1}, {"baseline", 1, 1, 1}, {"group-3-instances", 256, 1, 3}} {
		for _, payers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/payers=%d", mode.name, payers), func(b *testing.B) {
				st := openInstances(b, mode.instances, postgres.Options{MaxGroup: mode.group, Writers: mode.writers})
				stores := make([]ledgertest.Store, len(st))
				for i, s := range st {
					stores[i] = s
				}
				ledgertest.BenchPayments(b, payers, stores...)
			})
		}
	}
}
