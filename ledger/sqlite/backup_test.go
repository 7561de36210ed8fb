package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// A backup taken while payments commit is a consistent ledger of its own: it opens, its
// invariants hold, and it has every account; the file is the owner's only.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, filepath.Join(dir, "ledger.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []string
	for _, e := range []string{"a@example.com", "b@example.com"} {
		a, err := s.CreateAccount(ctx, ledger.NewAccount{Email: e, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
		if _, _, err := s.Credit(ctx, ledger.Credit{RecipientEmail: e, Amount: money.Micros(1_000_000_000)}); err != nil {
			t.Fatal(err)
		}
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
	path := filepath.Join(dir, "backup.db")
	err = s.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	if err := s.Backup(ctx, path); err == nil {
		t.Error("a second backup over an existing file succeeded")
	}
	b, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	inv := mustCheck(t, b)
	if !inv.OK() || inv.Accounts != 3 {
		t.Errorf("backup: %+v", inv)
	}
}
