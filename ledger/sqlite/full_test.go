package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgersql"
	"github.com/syftbox/syftwallet/ledger/ledgertest"
)

// setMaxPages runs PRAGMA max_page_count on the writer's connection (0: as many pages as the
// ledger has now, so the next new page fails with SQLITE_FULL) and returns the limit set.
func setMaxPages(t *testing.T, s *Store, n int64) int64 {
	t.Helper()
	res, err := submit(s, context.Background(), func(w *wtx) (int64, error) {
		if n == 0 {
			if err := w.queryRow(`PRAGMA page_count`).Scan(&n); err != nil {
				return 0, err
			}
		}
		var set int64
		err := w.s.wconn.QueryRowContext(context.Background(), fmt.Sprintf("PRAGMA max_page_count = %d", n)).Scan(&set)
		return set, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestStorageFullIsADomainErrorAndTheWriterRecovers: with the ledger at its page limit
// (SQLITE_FULL, as on a full disk), payments fail with ledger.ErrStorageFull, alone and in
// concurrent groups, and move nothing; once there is room again the same writer goes on, with
// every invariant intact (issue 11, item 6).
func TestStorageFullIsADomainErrorAndTheWriterRecovers(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	published := 0
	s := open(t, Options{OnCommit: func(evs []ledger.Event) { mu.Lock(); published += len(evs); mu.Unlock() }})
	ada := ledgertest.MkAccount(t, s, "ada@example.com", ledgertest.Units(1_000_000))
	bob := ledgertest.MkAccount(t, s, "bob@example.com", 0)
	memo := strings.Repeat("m", 280)
	pay := func() error {
		_, err := s.Pay(ctx, ledger.Payment{SenderID: ada.ID, RecipientEmail: bob.Email, Amount: ledgertest.Units(1), Memo: &memo})
		return err
	}

	setMaxPages(t, s, 0)
	paid := 0
	var full error
	for i := 0; i < 10_000 && full == nil; i++ {
		if err := pay(); err != nil {
			full = err
		} else {
			paid++
		}
	}
	if !errors.Is(full, ledger.ErrStorageFull) {
		t.Fatalf("after %d payments: %v, want ErrStorageFull", paid, full)
	}
	// A burst at once: the writer groups them; every one fails, none is half written.
	const burst = 32
	start := make(chan struct{})
	errs := make(chan error, burst)
	for i := 0; i < burst; i++ {
		go func() { <-start; errs <- pay() }()
	}
	close(start)
	for i := 0; i < burst; i++ {
		if err := <-errs; !errors.Is(err, ledger.ErrStorageFull) {
			t.Fatalf("burst while full: %v", err)
		}
	}
	inv := ledgertest.MustCheck(t, s)
	a, _ := s.AccountByID(ctx, ada.ID)
	b, _ := s.AccountByID(ctx, bob.ID)
	if b.Balance != ledgertest.Units(int64(paid)) || a.Balance != ledgertest.Units(1_000_000-int64(paid)) {
		t.Fatalf("after %d payments: ada %v, bob %v", paid, a.Balance, b.Balance)
	}
	mu.Lock()
	before := published
	mu.Unlock()

	// Room again: the same store, no restart.
	setMaxPages(t, s, 1<<30)
	if err := pay(); err != nil {
		t.Fatalf("after room was made: %v", err)
	}
	after := ledgertest.MustCheck(t, s)
	if after.Transactions != inv.Transactions+1 {
		t.Fatalf("transactions %d then %d", inv.Transactions, after.Transactions)
	}
	mu.Lock()
	defer mu.Unlock()
	if published <= before {
		t.Fatal("the payment after recovery published no event")
	}
}

// TestStorageErrorClassification: only a full storage is ErrStorageFull.
func TestStorageErrorClassification(t *testing.T) {
	s := &Store{dir: t.TempDir()}
	if err := s.storageError(errors.New("ledger: something else")); errors.Is(err, ledger.ErrStorageFull) {
		t.Fatal("an ordinary error was taken for a full disk")
	}
	if err := s.storageError(fmt.Errorf("write: %w", syscall.ENOSPC)); !errors.Is(err, ledger.ErrStorageFull) {
		t.Fatal("ENOSPC is a full disk")
	}
}

// TestFullDiskMidGroupFailsTheWholeGroup: SQLite answers SQLITE_FULL by rolling back the whole
// transaction. A group whose second call hits it must not go on: a third call would run outside
// any transaction, commit on its own, and still be reported as failed. Every call of the group
// fails, and what the ledger holds matches what was reported.
func TestFullDiskMidGroupFailsTheWholeGroup(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	ada := ledgertest.MkAccount(t, s, "ada@example.com", ledgertest.Units(100))
	bob := ledgertest.MkAccount(t, s, "bob@example.com", 0)
	payOne := func(w *wtx) (any, error) { // a payment's writes, without its events
		from, err := w.AccountByID(ada.ID)
		if err != nil {
			return nil, err
		}
		to, err := w.AccountByEmail(bob.Email)
		if err != nil {
			return nil, err
		}
		amt := int64(ledgertest.Units(1))
		if err := w.Insert(ledgersql.TxRow{ID: ledgersql.NewID(), Sender: from.N, Recipient: to.N, Amount: amt,
			Status: "COMPLETED", CreatedBy: "SENDER", CreatedAt: w.now.UnixMilli()}); err != nil {
			return nil, err
		}
		if err := w.Move(from, -amt, 0, 0); err != nil {
			return nil, err
		}
		return nil, w.Move(to, amt, 0, 0)
	}
	tooBig := func(w *wtx) (any, error) { // far more than the pages left
		to, err := w.AccountByID(bob.ID)
		if err != nil {
			return nil, err
		}
		_, err = w.exec(`INSERT INTO events (account, seq, type, at, data) VALUES (?, ?, ?, ?, ?)`,
			to.N, 1<<40, "x", 0, strings.Repeat("x", 4<<20))
		return nil, err
	}
	setMaxPages(t, s, 0)
	if _, err := submit(s, ctx, tooBig); !errors.Is(err, ledger.ErrStorageFull) {
		t.Fatalf("alone: %v", err)
	}

	// Hold the writer, queue three calls, let it go: they run as one group.
	hold, held := make(chan struct{}), make(chan struct{})
	blocked := make(chan error, 1)
	go func() {
		_, err := submit(s, ctx, func(*wtx) (any, error) { close(held); <-hold; return nil, nil })
		blocked <- err
	}()
	<-held
	ops := []*op{
		{ctx: ctx, fn: payOne, done: make(chan struct{})},
		{ctx: ctx, fn: tooBig, done: make(chan struct{})},
		{ctx: ctx, fn: payOne, done: make(chan struct{})},
	}
	for _, o := range ops {
		s.calls.C <- o
	}
	close(hold)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	moved := 0
	for i, o := range ops {
		<-o.done
		if o.err == nil {
			moved++
		} else if !errors.Is(o.err, ledger.ErrStorageFull) {
			t.Errorf("call %d: %v, want ErrStorageFull", i, o.err)
		}
	}
	ledgertest.MustCheck(t, s)
	b, err := s.AccountByID(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Balance != ledgertest.Units(int64(moved)) {
		t.Fatalf("%d calls reported success, bob holds %v", moved, b.Balance)
	}
}
