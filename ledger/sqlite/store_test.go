package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

func open(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
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

func TestPayHoldResolve(t *testing.T) {
	ctx := context.Background()
	var committed []ledger.Event
	var mu sync.Mutex
	s := open(t, Options{OnCommit: func(evs []ledger.Event) { mu.Lock(); committed = append(committed, evs...); mu.Unlock() }})
	a := mkAccount(t, s, "ada@example.com", units(100))
	b := mkAccount(t, s, "bob@example.com", 0)
	if a.Balance != units(100) {
		t.Fatalf("credit: balance %v", a.Balance)
	}
	if _, err := s.CreateAccount(ctx, ledger.NewAccount{Email: "ada@example.com"}); !errors.Is(err, ledger.ErrAccountExists) {
		t.Fatalf("duplicate account: %v", err)
	}

	r, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: units(30)})
	if err != nil || len(r.Transactions) != 1 || r.Transactions[0].Status != api.StatusCompleted {
		t.Fatalf("pay: %+v %v", r, err)
	}
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: units(71)}); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("overdraft: %v", err)
	}
	var ins *ledger.InsufficientFunds
	_, err = s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: units(71)})
	if !errors.As(err, &ins) || ins.Available != units(70) || ins.Needed != units(71) {
		t.Fatalf("overdraft detail: %v", err)
	}
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: a.Email, Amount: 1}); !errors.Is(err, ledger.ErrSelfPayment) {
		t.Fatalf("self: %v", err)
	}
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: "nobody@example.com", Amount: 1}); !errors.Is(err, ledger.ErrUnknownRecipient) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: ledger.SystemEmail, Amount: 1}); !errors.Is(err, ledger.ErrUnknownRecipient) {
		t.Fatalf("pay system: %v", err)
	}

	// A hold reduces what ada can spend, not her balance.
	h, err := s.Hold(ctx, ledger.Hold{SenderEmail: a.Email, RecipientEmail: b.Email, Amount: units(50), CreatedBy: api.PartySender})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.AccountByID(ctx, a.ID)
	if got.Balance != units(70) || got.Available() != units(20) {
		t.Fatalf("after hold: %+v", got)
	}
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: units(21)}); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("spend held money: %v", err)
	}
	stranger := mkAccount(t, s, "eve@example.com", 0)
	if _, err := s.Resolve(ctx, ledger.Resolution{TransactionID: h.Transactions[0].ID, ActorID: stranger.ID, Confirm: true}); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("stranger resolve: %v", err)
	}
	tx, err := s.Resolve(ctx, ledger.Resolution{TransactionID: h.Transactions[0].ID, ActorID: b.ID, Confirm: true})
	if err != nil || tx.Status != api.StatusCompleted || tx.ResolvedBy != api.PartyRecipient {
		t.Fatalf("confirm: %+v %v", tx, err)
	}
	if _, err := s.Resolve(ctx, ledger.Resolution{TransactionID: tx.ID, ActorID: a.ID}); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("second resolve: %v", err)
	}
	got, _ = s.AccountByID(ctx, a.ID)
	if got.Balance != units(20) || got.Held != 0 {
		t.Fatalf("after confirm: %+v", got)
	}
	// Cancel releases the hold.
	h2, _ := s.Hold(ctx, ledger.Hold{SenderEmail: a.Email, RecipientEmail: b.Email, Amount: units(5), CreatedBy: api.PartySender})
	if _, err := s.Resolve(ctx, ledger.Resolution{TransactionID: h2.Transactions[0].ID, ActorID: a.ID}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.AccountByID(ctx, a.ID)
	if got.Balance != units(20) || got.Held != 0 {
		t.Fatalf("after cancel: %+v", got)
	}
	inv := mustCheck(t, s)
	if inv.SystemBalance != -units(100) {
		t.Fatalf("system balance %v", inv.SystemBalance)
	}

	// Events: ada got, in order, payment.received+balance for the credit, then sent+balance, ...
	evs, err := s.EventsAfter(ctx, a.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("seq %d at %d", e.Seq, i)
		}
		types = append(types, e.Type)
	}
	want := []string{"payment.received", "balance.updated", "payment.sent", "balance.updated",
		"transaction.pending", "balance.updated", "transaction.completed", "balance.updated",
		"transaction.pending", "balance.updated", "transaction.cancelled", "balance.updated"}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Fatalf("events\n got %v\nwant %v", types, want)
	}
	var sent api.Transaction
	if err := json.Unmarshal(evs[2].Data, &sent); err != nil || sent.Direction != "out" || sent.Amount != units(30) {
		t.Fatalf("payment.sent data: %s", evs[2].Data)
	}
	mu.Lock()
	n := len(committed)
	mu.Unlock()
	if n == 0 {
		t.Fatal("OnCommit never called")
	}
	if last, _ := s.LatestSeq(ctx, a.ID); last != int64(len(evs)) {
		t.Fatalf("latest seq %d, events %d", last, len(evs))
	}
}

func TestDelegatedTokenSingleUse(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	a := mkAccount(t, s, "ada@example.com", units(10))
	b := mkAccount(t, s, "bob@example.com", 0)
	h := ledger.Hold{SenderEmail: a.Email, RecipientEmail: b.Email, Amount: units(1), CreatedBy: api.PartyRecipient, TokenID: "tok1"}
	r, err := s.Hold(ctx, h)
	if err != nil || r.Transactions[0].CreatedBy != api.PartyRecipient {
		t.Fatalf("delegated: %+v %v", r, err)
	}
	if _, err := s.Hold(ctx, h); !errors.Is(err, ledger.ErrTokenUsed) {
		t.Fatalf("token reuse: %v", err)
	}
	// A refused hold does not spend its token.
	h.TokenID, h.Amount = "tok2", units(100)
	if _, err := s.Hold(ctx, h); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("overdraft: %v", err)
	}
	h.Amount = units(1)
	if _, err := s.Hold(ctx, h); err != nil {
		t.Fatalf("token spent by a refused hold: %v", err)
	}
	mustCheck(t, s)
}

func TestIdempotency(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	a := mkAccount(t, s, "ada@example.com", units(10))
	b := mkAccount(t, s, "bob@example.com", 0)
	render := func(txs []ledger.Transaction, err error) (int, []byte) {
		if err != nil {
			return 402, []byte(`{"code":"insufficient_funds"}`)
		}
		return 201, []byte(`{"id":"` + txs[0].ID + `"}`)
	}
	idem := &ledger.Idempotency{Key: "k1", Fingerprint: []byte("fp1"), Respond: render}
	p := ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: units(3), Idem: idem}
	r1, err := s.Pay(ctx, p)
	if err != nil || r1.Replayed || r1.Status != 201 {
		t.Fatalf("first: %+v %v", r1, err)
	}
	r2, err := s.Pay(ctx, p)
	if err != nil || !r2.Replayed || string(r2.Body) != string(r1.Body) {
		t.Fatalf("replay: %+v %v", r2, err)
	}
	p.Idem = &ledger.Idempotency{Key: "k1", Fingerprint: []byte("other"), Respond: render}
	if _, err := s.Pay(ctx, p); !errors.Is(err, ledger.ErrKeyReused) {
		t.Fatalf("reused: %v", err)
	}
	// Keys are per caller: bob may use k1 too.
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: b.ID, RecipientEmail: a.Email, Amount: 1, Idem: idem}); err != nil {
		t.Fatalf("bob's k1: %v", err)
	}
	// An overdraft is kept and replayed.
	p.Idem = &ledger.Idempotency{Key: "k2", Fingerprint: []byte("fp2"), Respond: render}
	p.Amount = units(100)
	r3, err := s.Pay(ctx, p)
	if err != nil || r3.Status != 402 || !errors.Is(r3.Err, ledger.ErrInsufficientFunds) {
		t.Fatalf("overdraft kept: %+v %v", r3, err)
	}
	if r4, _ := s.Pay(ctx, p); !r4.Replayed || r4.Status != 402 {
		t.Fatalf("overdraft replay: %+v", r4)
	}
	if k, err := s.Idempotent(ctx, a.ID, "k1"); err != nil || k == nil || k.Status != 201 {
		t.Fatalf("Idempotent: %+v %v", k, err)
	}
	got, _ := s.AccountByID(ctx, a.ID)
	if got.Balance != units(7)+1 {
		t.Fatalf("balance %v: a key moved money twice", got.Balance)
	}
	mustCheck(t, s)
}

func TestBatchAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	a := mkAccount(t, s, "ada@example.com", units(10))
	mkAccount(t, s, "bob@example.com", 0)
	mkAccount(t, s, "cy@example.com", 0)
	items := []ledger.BatchItem{{RecipientEmail: "bob@example.com", Amount: units(4)},
		{RecipientEmail: "cy@example.com", Amount: units(4)}, {RecipientEmail: "bob@example.com", Amount: units(4)}}
	_, err := s.PayBatch(ctx, ledger.Batch{SenderID: a.ID, Items: items})
	var ie *ledger.ItemError
	if !errors.As(err, &ie) || ie.Index != 2 || !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("batch overdraft: %v", err)
	}
	items[2].RecipientEmail = "ghost@example.com"
	items[2].Amount = 1
	if _, err := s.PayBatch(ctx, ledger.Batch{SenderID: a.ID, Items: items}); !errors.As(err, &ie) || ie.Index != 2 {
		t.Fatalf("batch unknown: %v", err)
	}
	items[2].RecipientEmail = "bob@example.com"
	r, err := s.PayBatch(ctx, ledger.Batch{SenderID: a.ID, Items: items})
	if err != nil || len(r.Transactions) != 3 {
		t.Fatalf("batch: %v", err)
	}
	bob, _ := s.AccountByEmail(ctx, "bob@example.com")
	if bob.Balance != units(4)+1 {
		t.Fatalf("bob %v", bob.Balance)
	}
	mustCheck(t, s)
}

func TestPagingAndFilters(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(now.UnixMilli())
	s := open(t, Options{Now: func() time.Time { return time.UnixMilli(clock.Add(60_000)) }})
	a := mkAccount(t, s, "ada@example.com", units(1000))
	b := mkAccount(t, s, "bob@example.com", units(1000))
	memo := "coffee_100%"
	for i := 1; i <= 25; i++ {
		p := ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: units(int64(i))}
		if i%5 == 0 {
			p = ledger.Payment{SenderID: b.ID, RecipientEmail: a.Email, Amount: units(int64(i)), Memo: &memo}
		}
		if _, err := s.Pay(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// Walk pages of 7 while new transactions arrive: no duplicate, no gap.
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		pg, err := s.Transactions(ctx, a.ID, ledger.Query{Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range pg.Transactions {
			if seen[tx.ID] {
				t.Fatalf("duplicate %s", tx.ID)
			}
			seen[tx.ID] = true
		}
		pages++
		if pages == 1 {
			s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: 1})
		}
		if !pg.HasMore {
			break
		}
		cursor = pg.NextCursor
	}
	if len(seen) != 26 || pages != 4 { // 25 payments + the credit
		t.Fatalf("paged %d transactions in %d pages", len(seen), pages)
	}
	count := func(q ledger.Query) int {
		pg, err := s.Transactions(ctx, a.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		return len(pg.Transactions)
	}
	cases := map[string]struct {
		q    ledger.Query
		want int
	}{
		"in":        {ledger.Query{Direction: "in"}, 6},   // 5 from bob + credit
		"out":       {ledger.Query{Direction: "out"}, 21}, // 20 + the one during paging
		"memo text": {ledger.Query{Text: "_100%"}, 5},
		"like safe": {ledger.Query{Text: "coffee_1000"}, 0},
		"min":       {ledger.Query{MinAmount: units(20)}, 7}, // 20..25 and the 1000 credit
		"max":       {ledger.Query{MaxAmount: units(2)}, 3},  // 1, 2 and the 1-micro payment
		"cp":        {ledger.Query{Counterparty: ledger.SystemEmail}, 1},
		"status":    {ledger.Query{Status: "pending"}, 0},
		"offset":    {ledger.Query{Limit: 5, Offset: 24}, 3},
		"since":     {ledger.Query{Since: now.Add(20 * time.Minute)}, 12}, // payments 15..25 (minutes 20..30) and the late one
	}
	for name, c := range cases {
		if got := count(c.q); got != c.want {
			t.Errorf("%s: %d transactions, want %d", name, got, c.want)
		}
	}
	if _, err := s.Transactions(ctx, a.ID, ledger.Query{Limit: 5, Cursor: "garbage"}); !errors.Is(err, ledger.ErrBadCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func TestEventsPruneAndResync(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	s := open(t, Options{Now: func() time.Time { return time.UnixMilli(clock.Load()) }})
	a := mkAccount(t, s, "ada@example.com", units(10)) // seq 1, 2
	b := mkAccount(t, s, "bob@example.com", 0)
	clock.Add((8 * 24 * time.Hour).Milliseconds())
	s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: 1}) // seq 3, 4
	if err := s.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EventsAfter(ctx, a.ID, 0, 0); !errors.Is(err, ledger.ErrResync) {
		t.Fatalf("since 0 after pruning: %v", err)
	}
	evs, err := s.EventsAfter(ctx, a.ID, 2, 0)
	if err != nil || len(evs) != 2 || evs[0].Seq != 3 {
		t.Fatalf("since 2: %v %v", evs, err)
	}
	mustCheck(t, s)
}

// TestConcurrentTransfers is the property test: 64 goroutines move money at random among a few
// accounts, one of them hot, with A->B and B->A cycles and duplicate idempotency keys. After:
// the total is unchanged, nothing is negative, one ledger entry per distinct key, no seq gaps.
func TestConcurrentTransfers(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	const nAcct, workers, perWorker = 6, 64, 40
	accts := make([]ledger.Account, nAcct)
	for i := range accts {
		accts[i] = mkAccount(t, s, fmt.Sprintf("p%d@example.com", i), units(50))
	}
	render := func(txs []ledger.Transaction, err error) (int, []byte) {
		if err != nil {
			return 402, []byte("no")
		}
		return 201, []byte(txs[0].ID)
	}
	var mu sync.Mutex
	okByKey := map[string]map[string]bool{} // sender -> key -> tx ids seen
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; i < perWorker; i++ {
				from := rng.IntN(nAcct)
				to := 0 // the hot account
				if rng.IntN(3) > 0 {
					to = rng.IntN(nAcct)
				}
				if to == from {
					to = (from + 1) % nAcct
				}
				key := fmt.Sprintf("k%d", rng.IntN(200)) // shared across workers: duplicates
				amt := money.Micros(rng.Int64N(int64(units(20))) + 1)
				fp := []byte(fmt.Sprintf("%d>%d:%d", from, to, amt))
				r, err := s.Pay(ctx, ledger.Payment{SenderID: accts[from].ID, RecipientEmail: accts[to].Email, Amount: amt,
					Idem: &ledger.Idempotency{Key: key, Fingerprint: fp, Respond: render}})
				if err != nil && !errors.Is(err, ledger.ErrKeyReused) {
					t.Error(err)
					return
				}
				if err == nil && r.Status == 201 {
					mu.Lock()
					if okByKey[accts[from].ID] == nil {
						okByKey[accts[from].ID] = map[string]bool{}
					}
					okByKey[accts[from].ID][key+"="+string(r.Body)] = true
					mu.Unlock()
				}
				// And a cycle back, un-keyed.
				if rng.IntN(4) == 0 {
					_, err := s.Pay(ctx, ledger.Payment{SenderID: accts[to].ID, RecipientEmail: accts[from].Email, Amount: 1})
					if err != nil && !errors.Is(err, ledger.ErrInsufficientFunds) {
						t.Error(err)
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	inv := mustCheck(t, s)
	if inv.SystemBalance != -units(50*nAcct) {
		t.Fatalf("money created or destroyed: system %v", inv.SystemBalance)
	}
	// One transaction per distinct (sender, key): every success for a key names the same tx.
	for sender, keys := range okByKey {
		perKey := map[string]string{}
		for kv := range keys {
			var k, id string
			fmt.Sscanf(kv, "%s", &kv)
			for i := range kv {
				if kv[i] == '=' {
					k, id = kv[:i], kv[i+1:]
					break
				}
			}
			if prev, ok := perKey[k]; ok && prev != id {
				t.Fatalf("sender %s key %s paid twice: %s and %s", sender, k, prev, id)
			}
			perKey[k] = id
		}
	}
}

// TestBatchTotalCannotOverflow: 20 items of the largest amount add up past int64; the running
// total must not wrap around and let a batch pay out far more than the sender has.
func TestBatchTotalCannotOverflow(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	a := mkAccount(t, s, "ada@example.com", 0)
	for i := 0; i < 9; i++ { // 9 × 1e12 units: just below the int64 limit of the system account
		if _, _, err := s.Credit(ctx, ledger.Credit{RecipientEmail: a.Email, Amount: money.MaxAmount}); err != nil {
			t.Fatal(err)
		}
	}
	items := make([]ledger.BatchItem, 20)
	for i := range items {
		email := fmt.Sprintf("r%d@example.com", i)
		mkAccount(t, s, email, 0)
		items[i] = ledger.BatchItem{RecipientEmail: email, Amount: money.MaxAmount}
	}
	_, err := s.PayBatch(ctx, ledger.Batch{SenderID: a.ID, Items: items})
	var ie *ledger.ItemError
	if !errors.As(err, &ie) || ie.Index != 9 || !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("batch past int64: got %v, want insufficient funds at item 9", err)
	}
	mustCheck(t, s)
}

// TestBalanceLimit: money the system account cannot represent is refused with ErrBalanceLimit,
// not a float from SQLite and a 500, and nothing moves.
func TestBalanceLimit(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	a := mkAccount(t, s, "ada@example.com", 0)
	for i := 0; i < 9; i++ {
		if _, _, err := s.Credit(ctx, ledger.Credit{RecipientEmail: a.Email, Amount: money.MaxAmount}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Credit(ctx, ledger.Credit{RecipientEmail: a.Email, Amount: money.MaxAmount}); !errors.Is(err, ledger.ErrBalanceLimit) {
		t.Fatalf("a credit past int64: %v", err)
	}
	if got, _ := s.AccountByID(ctx, a.ID); got.Balance != 9*money.MaxAmount {
		t.Fatalf("balance %v after a refused credit", got.Balance)
	}
	mustCheck(t, s)
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
