package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgertest"
	"github.com/syftbox/syftwallet/testkit"
)

// A backup taken while payments commit is a consistent ledger of its own: it opens, its
// invariants hold, and it has every account; the file is the owner's only.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	var ids []string
	for _, e := range []string{"a@example.com", "b@example.com"} {
		ids = append(ids, ledgertest.MkAccount(t, s, e, ledgertest.Units(1000)).ID)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = s.Pay(ctx, ledger.Payment{SenderID: ids[i%2], RecipientEmail: []string{"b@example.com", "a@example.com"}[i%2], Amount: 1})
		}
	})
	path := filepath.Join(t.TempDir(), "backup.db")
	err := s.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	testkit.WantMode(t, path, 0o600)
	if err := s.Backup(ctx, path); err == nil {
		t.Error("a second backup over an existing file succeeded")
	}
	b, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	inv := ledgertest.MustCheck(t, b)
	if !inv.OK() || inv.Accounts != 3 {
		t.Errorf("backup: %+v", inv)
	}
}
