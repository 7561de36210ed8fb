// Package ledgertest is the conformance suite of package ledger: the property, idempotency,
// batch, events, sign-in and keys tests that every store (ledger/sqlite, ledger/postgres) must
// pass, run from one table of stores (stores_test.go) through Run. It knows package ledger's
// interfaces and nothing of any store's SQL.
package ledgertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// Store is what the suite needs of a store.
type Store interface {
	ledger.Ledger
	ledger.AuthStore
	ledger.KeyStore
	ledger.APIKeyStore
	// Prune drops old events and idempotency keys now.
	Prune(ctx context.Context) error
}

// Options are the store options the tests set; zero values are the store's defaults.
type Options struct {
	Now      func() time.Time
	OnCommit func([]ledger.Event)
	MaxGroup int
	EventTTL time.Duration
}

// Opener opens a fresh, empty store of its own for one test and closes it when the test ends.
type Opener func(t testing.TB, opts Options) Store

// Run runs every test of the suite against the stores open makes, each as a subtest.
func Run(t *testing.T, open Opener) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

var tests = []struct {
	name string
	fn   func(t *testing.T, open Opener)
}{
	{"PayHoldResolve", testPayHoldResolve},
	{"DelegatedTokenSingleUse", testDelegatedTokenSingleUse},
	{"Idempotency", testIdempotency},
	{"BatchAllOrNothing", testBatchAllOrNothing},
	{"PagingAndFilters", testPagingAndFilters},
	{"BalanceHistory", testBalanceHistory},
	{"EventsPruneAndResync", testEventsPruneAndResync},
	{"ConcurrentTransfers", testConcurrentTransfers},
	{"BatchTotalCannotOverflow", testBatchTotalCannotOverflow},
	{"BalanceLimit", testBalanceLimit},
	{"RefreshRotationAndReuse", testRefreshRotationAndReuse},
	{"TOTPStepOnceAndLockout", testTOTPStepOnceAndLockout},
	{"RecoveryCodes", testRecoveryCodes},
	{"ChallengeAttemptsAtOnce", testChallengeAttemptsAtOnce},
	{"ReplaceKeys", testReplaceKeys},
	{"SignedTokensDependOnTheirKey", testSignedTokensDependOnTheirKey},
	{"APIKeyStore", testAPIKeyStore},
	{"APIKeySpending", testAPIKeySpending},
	{"TokenLimits", testTokenLimits},
}

func testPayHoldResolve(t *testing.T, open Opener) {
	ctx := context.Background()
	var committed []ledger.Event
	var mu sync.Mutex
	s := open(t, Options{OnCommit: func(evs []ledger.Event) { mu.Lock(); committed = append(committed, evs...); mu.Unlock() }})
	a := MkAccount(t, s, "ada@example.com", Units(100))
	b := MkAccount(t, s, "bob@example.com", 0)
	if a.Balance != Units(100) {
		t.Fatalf("credit: balance %v", a.Balance)
	}
	if _, err := s.CreateAccount(ctx, ledger.NewAccount{Email: "ada@example.com"}); !errors.Is(err, ledger.ErrAccountExists) {
		t.Fatalf("duplicate account: %v", err)
	}

	r, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: Units(30)})
	if err != nil || len(r.Transactions) != 1 || r.Transactions[0].Status != api.StatusCompleted {
		t.Fatalf("pay: %+v %v", r, err)
	}
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: Units(71)}); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("overdraft: %v", err)
	}
	var ins *ledger.InsufficientFunds
	_, err = s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: Units(71)})
	if !errors.As(err, &ins) || ins.Available != Units(70) || ins.Needed != Units(71) {
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
	h, err := s.Hold(ctx, ledger.Hold{SenderEmail: a.Email, RecipientEmail: b.Email, Amount: Units(50), CreatedBy: api.PartySender})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.AccountByID(ctx, a.ID)
	if got.Balance != Units(70) || got.Available() != Units(20) {
		t.Fatalf("after hold: %+v", got)
	}
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: Units(21)}); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("spend held money: %v", err)
	}
	stranger := MkAccount(t, s, "eve@example.com", 0)
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
	if got.Balance != Units(20) || got.Held != 0 {
		t.Fatalf("after confirm: %+v", got)
	}
	// Cancel releases the hold.
	h2, _ := s.Hold(ctx, ledger.Hold{SenderEmail: a.Email, RecipientEmail: b.Email, Amount: Units(5), CreatedBy: api.PartySender})
	if _, err := s.Resolve(ctx, ledger.Resolution{TransactionID: h2.Transactions[0].ID, ActorID: a.ID}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.AccountByID(ctx, a.ID)
	if got.Balance != Units(20) || got.Held != 0 {
		t.Fatalf("after cancel: %+v", got)
	}
	inv := MustCheck(t, s)
	if inv.SystemBalance != -Units(100) {
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
	if err := json.Unmarshal(evs[2].Data, &sent); err != nil || sent.Direction != "out" || sent.Amount != Units(30) {
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

func testDelegatedTokenSingleUse(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", Units(10))
	b := MkAccount(t, s, "bob@example.com", 0)
	h := ledger.Hold{SenderEmail: a.Email, RecipientEmail: b.Email, Amount: Units(1), CreatedBy: api.PartyRecipient, TokenID: "tok1"}
	r, err := s.Hold(ctx, h)
	if err != nil || r.Transactions[0].CreatedBy != api.PartyRecipient {
		t.Fatalf("delegated: %+v %v", r, err)
	}
	if _, err := s.Hold(ctx, h); !errors.Is(err, ledger.ErrTokenUsed) {
		t.Fatalf("token reuse: %v", err)
	}
	// A refused hold does not spend its token.
	h.TokenID, h.Amount = "tok2", Units(100)
	if _, err := s.Hold(ctx, h); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("overdraft: %v", err)
	}
	h.Amount = Units(1)
	if _, err := s.Hold(ctx, h); err != nil {
		t.Fatalf("token spent by a refused hold: %v", err)
	}
	MustCheck(t, s)
}

func testIdempotency(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", Units(10))
	b := MkAccount(t, s, "bob@example.com", 0)
	// What a key keeps is opaque to the ledger: any bytes, kept and handed back as they are.
	refusal := []byte("\x00\xffrefused: insufficient funds")
	keep := func(txs []ledger.Transaction, err error) []byte {
		if err != nil {
			return refusal
		}
		return []byte("\x01\x80\x00ok " + txs[0].ID)
	}
	idem := &ledger.Idempotency{Key: "k1", Fingerprint: []byte("fp1"), Keep: keep}
	p := ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: Units(3), Idem: idem}
	r1, err := s.Pay(ctx, p)
	if err != nil || r1.Replayed || len(r1.Transactions) != 1 || string(r1.Kept) != "\x01\x80\x00ok "+r1.Transactions[0].ID {
		t.Fatalf("first: %+v %v", r1, err)
	}
	r2, err := s.Pay(ctx, p)
	if err != nil || !r2.Replayed || len(r2.Transactions) != 0 || !bytes.Equal(r2.Kept, r1.Kept) {
		t.Fatalf("replay: %+v %v", r2, err)
	}
	p.Idem = &ledger.Idempotency{Key: "k1", Fingerprint: []byte("other"), Keep: keep}
	if _, err := s.Pay(ctx, p); !errors.Is(err, ledger.ErrKeyReused) {
		t.Fatalf("reused: %v", err)
	}
	// Keys are per caller: bob may use k1 too.
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: b.ID, RecipientEmail: a.Email, Amount: 1, Idem: idem}); err != nil {
		t.Fatalf("bob's k1: %v", err)
	}
	// An overdraft is kept and replayed: the first call returns the typed error beside what
	// it kept, the replay what was kept.
	p.Idem = &ledger.Idempotency{Key: "k2", Fingerprint: []byte("fp2"), Keep: keep}
	p.Amount = Units(100)
	r3, err := s.Pay(ctx, p)
	var short *ledger.InsufficientFunds
	if !errors.As(err, &short) || short.Needed != Units(100) || !bytes.Equal(r3.Kept, refusal) || r3.Replayed {
		t.Fatalf("overdraft kept: %+v %v", r3, err)
	}
	if r4, err := s.Pay(ctx, p); err != nil || !r4.Replayed || !bytes.Equal(r4.Kept, refusal) {
		t.Fatalf("overdraft replay: %+v %v", r4, err)
	}
	// An unknown recipient is not kept: the key stays free for the corrected request.
	p.Idem = &ledger.Idempotency{Key: "k3", Fingerprint: []byte("fp3"), Keep: keep}
	p.RecipientEmail, p.Amount = "nobody@example.com", 1
	if r5, err := s.Pay(ctx, p); !errors.Is(err, ledger.ErrUnknownRecipient) || r5.Kept != nil {
		t.Fatalf("unknown recipient: %+v %v", r5, err)
	}
	if k, err := s.Idempotent(ctx, a.ID, "k3"); err != nil || k != nil {
		t.Fatalf("unknown recipient kept: %+v %v", k, err)
	}
	if k, err := s.Idempotent(ctx, a.ID, "k1"); err != nil || k == nil || !bytes.Equal(k.Response, r1.Kept) || string(k.Fingerprint) != "fp1" {
		t.Fatalf("Idempotent: %+v %v", k, err)
	}
	got, _ := s.AccountByID(ctx, a.ID)
	if got.Balance != Units(7)+1 {
		t.Fatalf("balance %v: a key moved money twice", got.Balance)
	}
	MustCheck(t, s)
}

func testBatchAllOrNothing(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", Units(10))
	MkAccount(t, s, "bob@example.com", 0)
	MkAccount(t, s, "cy@example.com", 0)
	items := []ledger.BatchItem{{RecipientEmail: "bob@example.com", Amount: Units(4)},
		{RecipientEmail: "cy@example.com", Amount: Units(4)}, {RecipientEmail: "bob@example.com", Amount: Units(4)}}
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
	if bob.Balance != Units(4)+1 {
		t.Fatalf("bob %v", bob.Balance)
	}
	MustCheck(t, s)
}

func testPagingAndFilters(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(now.UnixMilli())
	s := open(t, Options{Now: func() time.Time { return time.UnixMilli(clock.Add(60_000)) }})
	a := MkAccount(t, s, "ada@example.com", Units(1000))
	b := MkAccount(t, s, "bob@example.com", Units(1000))
	memo := "coffee_100%"
	for i := 1; i <= 25; i++ {
		p := ledger.Payment{SenderID: a.ID, RecipientEmail: b.Email, Amount: Units(int64(i))}
		if i%5 == 0 {
			p = ledger.Payment{SenderID: b.ID, RecipientEmail: a.Email, Amount: Units(int64(i)), Memo: &memo}
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
		"min":       {ledger.Query{MinAmount: Units(20)}, 7}, // 20..25 and the 1000 credit
		"max":       {ledger.Query{MaxAmount: Units(2)}, 3},  // 1, 2 and the 1-micro payment
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

func testEventsPruneAndResync(t *testing.T, open Opener) {
	ctx := context.Background()
	clock := NewClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	s := open(t, Options{Now: clock.Now})
	a := MkAccount(t, s, "ada@example.com", Units(10)) // seq 1, 2
	b := MkAccount(t, s, "bob@example.com", 0)
	clock.Add(8 * 24 * time.Hour)
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
	MustCheck(t, s)
}

// TestConcurrentTransfers is the property test: 64 goroutines move money at random among a few
// accounts, one of them hot, with A->B and B->A cycles and duplicate idempotency keys. After:
// the total is unchanged, nothing is negative, one ledger entry per distinct key, no seq gaps.
func testConcurrentTransfers(t *testing.T, open Opener) {
	ConcurrentTransfers(t, open(t, Options{}))
}

// HotPair picks the sender and the recipient of a random movement among n accounts: the
// recipient is the hot account 0 one time in three, and never the sender.
func HotPair(rng *rand.Rand, n int) (from, to int) {
	from = rng.IntN(n)
	to = 0 // the hot account
	if rng.IntN(3) > 0 {
		to = rng.IntN(n)
	}
	if to == from {
		to = (from + 1) % n
	}
	return from, to
}

// ConcurrentTransfers is the property test over one or several stores sharing one database
// (instances of the service): the payers are spread over them.
func ConcurrentTransfers(t *testing.T, stores ...Store) {
	ctx := context.Background()
	s := stores[0]
	const nAcct, workers, perWorker = 6, 64, 40
	accts := make([]ledger.Account, nAcct)
	for i := range accts {
		accts[i] = MkAccount(t, s, fmt.Sprintf("p%d@example.com", i), Units(50))
	}
	keep := func(txs []ledger.Transaction, err error) []byte {
		if err != nil {
			return []byte("no")
		}
		return []byte(txs[0].ID)
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
				from, to := HotPair(rng, nAcct)
				key := fmt.Sprintf("k%d", rng.IntN(200)) // shared across workers: duplicates
				amt := money.Micros(rng.Int64N(int64(Units(20))) + 1)
				fp := []byte(fmt.Sprintf("%d>%d:%d", from, to, amt))
				s := stores[w%len(stores)]
				r, err := s.Pay(ctx, ledger.Payment{SenderID: accts[from].ID, RecipientEmail: accts[to].Email, Amount: amt,
					Idem: &ledger.Idempotency{Key: key, Fingerprint: fp, Keep: keep}})
				if err != nil && !errors.Is(err, ledger.ErrKeyReused) && !errors.Is(err, ledger.ErrInsufficientFunds) {
					t.Error(err)
					return
				}
				if err == nil && string(r.Kept) != "no" {
					mu.Lock()
					if okByKey[accts[from].ID] == nil {
						okByKey[accts[from].ID] = map[string]bool{}
					}
					okByKey[accts[from].ID][key+"="+string(r.Kept)] = true
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
	inv := MustCheck(t, s)
	if inv.SystemBalance != -Units(50*nAcct) {
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
func testBatchTotalCannotOverflow(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", 0)
	for i := 0; i < 9; i++ { // 9 × 1e12 units: just below the int64 limit of the system account
		if _, _, err := s.Credit(ctx, ledger.Credit{RecipientEmail: a.Email, Amount: money.MaxAmount}); err != nil {
			t.Fatal(err)
		}
	}
	items := make([]ledger.BatchItem, 20)
	for i := range items {
		email := fmt.Sprintf("r%d@example.com", i)
		MkAccount(t, s, email, 0)
		items[i] = ledger.BatchItem{RecipientEmail: email, Amount: money.MaxAmount}
	}
	_, err := s.PayBatch(ctx, ledger.Batch{SenderID: a.ID, Items: items})
	var ie *ledger.ItemError
	if !errors.As(err, &ie) || ie.Index != 9 || !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("batch past int64: got %v, want insufficient funds at item 9", err)
	}
	MustCheck(t, s)
}

// TestBalanceLimit: money the system account cannot represent is refused with ErrBalanceLimit,
// not a float from SQLite and a 500, and nothing moves.
func testBalanceLimit(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", 0)
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
	MustCheck(t, s)
}

func testRefreshRotationAndReuse(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", 0)
	sess, err := s.CreateSession(ctx, ledger.NewSession{AccountID: a.ID, RefreshHash: []byte("r1"), RefreshTTL: time.Hour, Method: "password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RotateRefresh(ctx, []byte("r1"), []byte("r2"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RotateRefresh(ctx, []byte("nope"), []byte("x"), time.Hour); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	// r1 again: the whole session dies, r2 with it.
	if got, err := s.RotateRefresh(ctx, []byte("r1"), []byte("r3"), time.Hour); !errors.Is(err, ledger.ErrRefreshReused) || got.ID != sess.ID {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := s.RotateRefresh(ctx, []byte("r2"), []byte("r4"), time.Hour); !errors.Is(err, ledger.ErrRevoked) {
		t.Fatalf("descendant of a reused token: %v", err)
	}
	if got, _ := s.Session(ctx, sess.ID); got.Live() {
		t.Fatal("session still live")
	}
	evs, _ := s.EventsAfter(ctx, a.ID, 0, 0)
	if len(evs) != 2 || evs[0].Type != api.EventSecurityLogin || evs[1].Type != api.EventSessionRevoked {
		t.Fatalf("events %+v", evs)
	}

	// Two concurrent refreshes with one token: exactly one succeeds.
	s2, _ := s.CreateSession(ctx, ledger.NewSession{AccountID: a.ID, RefreshHash: []byte("q1"), RefreshTTL: time.Hour})
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := s.RotateRefresh(ctx, []byte("q1"), []byte{'q', byte('a' + i)}, time.Hour); err == nil {
				ok.Add(1)
			}
		}(i)
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d concurrent refreshes succeeded", ok.Load())
	}
	_ = s2
	ids, err := s.RevokeSessions(ctx, a.ID, "", "logout-all")
	if err != nil || len(ids) != 0 { // s2 already revoked by the losing refresh
		t.Fatalf("revoke all: %v %v", ids, err)
	}
}

func testTOTPStepOnceAndLockout(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", 0)
	if err := s.SetPendingMFA(ctx, a.ID, []byte("sealed"), "k1"); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableMFA(ctx, a.ID, 100, [][]byte{[]byte("rc1"), []byte("rc2")}); err != nil {
		t.Fatal(err)
	}
	m, _ := s.MFA(ctx, a.ID)
	if !m.Enabled || string(m.Secret) != "sealed" || m.Pending != nil || m.Recovery != 2 || m.LastStep != 100 {
		t.Fatalf("mfa %+v", m)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if used, _ := s.UseTOTPStep(ctx, a.ID, 101); used {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("step used %d times", ok.Load())
	}
	if used, _ := s.UseTOTPStep(ctx, a.ID, 100); used {
		t.Fatal("older step accepted")
	}
	if used, _ := s.UseRecoveryCode(ctx, a.ID, []byte("rc1")); !used {
		t.Fatal("recovery code refused")
	}
	if used, _ := s.UseRecoveryCode(ctx, a.ID, []byte("rc1")); used {
		t.Fatal("recovery code used twice")
	}

	pol := ledger.ChallengePolicy{MaxWrong: 5, LockAfter: 10, LockFor: 15 * time.Minute}
	c1, _ := s.CreateChallenge(ctx, a.ID, 5*time.Minute)
	var c ledger.Challenge
	for i := 0; i < 5; i++ {
		if _, err := s.TakeChallengeAttempt(ctx, c1.ID, pol); err != nil {
			t.Fatal(err)
		}
		c, m, _ = s.FailChallenge(ctx, c1.ID, pol)
	}
	if _, err := s.TakeChallengeAttempt(ctx, c1.ID, pol); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("a sixth attempt on a dead challenge: %v", err)
	}
	if !c.Done || c.Wrong != 5 || !m.LockedUntil.IsZero() {
		t.Fatalf("after 5 wrong: %+v %+v", c, m)
	}
	c2, _ := s.CreateChallenge(ctx, a.ID, 5*time.Minute)
	for i := 0; i < 5; i++ {
		if _, err := s.TakeChallengeAttempt(ctx, c2.ID, pol); err != nil {
			t.Fatal(err)
		}
		c, m, _ = s.FailChallenge(ctx, c2.ID, pol)
	}
	if m.LockedUntil.IsZero() {
		t.Fatalf("10 failures did not lock: %+v", m)
	}
	evs, _ := s.EventsAfter(ctx, a.ID, 0, 0)
	if last := evs[len(evs)-1]; last.Type != api.EventSecurityMFAChanged {
		t.Fatalf("lock event missing: %+v", last)
	}
	if err := s.DisableMFA(ctx, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.MFA(ctx, a.ID); m.Enabled || m.Secret != nil || m.Recovery != 0 {
		t.Fatalf("after disable %+v", m)
	}
	MustCheck(t, s)
}

// testRecoveryCodes: a spent recovery code is told apart from one that never was (for its own
// account only), the same code spent by many at once is spent once and every loser sees it spent,
// and ReplaceRecoveryCodes swaps the whole set (old codes, spent or not, are gone), appends
// security.mfa_changed with the count, and refuses an account whose MFA is off.
func testRecoveryCodes(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	a := MkAccount(t, s, "ada@example.com", 0)
	b := MkAccount(t, s, "bob@example.com", 0)
	enable := func(id string, codes ...string) {
		t.Helper()
		if err := s.SetPendingMFA(ctx, id, []byte("sealed"), "k1"); err != nil {
			t.Fatal(err)
		}
		if err := s.EnableMFA(ctx, id, 1, hashes(codes...)); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(call func(context.Context, string, []byte) (bool, error)) func(id, code string) bool {
		return func(id, code string) bool {
			t.Helper()
			yes, err := call(ctx, id, []byte(code))
			if err != nil {
				t.Fatal(err)
			}
			return yes
		}
	}
	used, spend := ask(s.RecoveryCodeUsed), ask(s.UseRecoveryCode)
	enable(a.ID, "rc1", "rc2", "rc3")
	enable(b.ID, "rb1")
	if used(a.ID, "rc1") || used(a.ID, "nope") {
		t.Fatal("an unspent or unknown code reported as used")
	}
	if !spend(a.ID, "rc1") || !used(a.ID, "rc1") {
		t.Fatal("a spent code is not reported as used")
	}
	if !spend(b.ID, "rb1") || used(a.ID, "rb1") || used(b.ID, "rc1") {
		t.Fatal("another account's spent code reported as used")
	}

	// The same code at once: spent once; every call that lost sees it spent.
	const n = 8
	var wins, seen atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			ok, err := s.UseRecoveryCode(ctx, a.ID, []byte("rc2"))
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				wins.Add(1)
				return
			}
			if u, err := s.RecoveryCodeUsed(ctx, a.ID, []byte("rc2")); err == nil && u {
				seen.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || seen.Load() != n-1 {
		t.Fatalf("rc2 at once: %d spent it, %d of the others saw it spent (want 1 and %d)", wins.Load(), seen.Load(), n-1)
	}
	if m, _ := s.MFA(ctx, a.ID); m.Recovery != 1 {
		t.Fatalf("recovery left %d, want 1", m.Recovery)
	}

	// Replacing: ten new codes, the old ones gone whether spent (rc1) or not (rc3).
	fresh := make([]string, 10)
	for i := range fresh {
		fresh[i] = fmt.Sprintf("new%d", i)
	}
	if err := s.ReplaceRecoveryCodes(ctx, a.ID, hashes(fresh...)); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.MFA(ctx, a.ID); !m.Enabled || m.Recovery != 10 || string(m.Secret) != "sealed" {
		t.Fatalf("after replacing: %+v", m)
	}
	if used(a.ID, "rc1") || spend(a.ID, "rc3") {
		t.Fatal("an old code survived the replacement")
	}
	if !spend(a.ID, "new0") || !used(a.ID, "new0") {
		t.Fatal("a new code does not work once")
	}
	evs, err := s.EventsAfter(ctx, a.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	var data ledger.RecoveryCodesChanged
	if last.Type != api.EventSecurityMFAChanged || json.Unmarshal(last.Data, &data) != nil ||
		data != (ledger.RecoveryCodesChanged{Enabled: true, RecoveryCodesLeft: 10}) {
		t.Fatalf("event after replacing: %s %s", last.Type, last.Data)
	}
	if m, _ := s.MFA(ctx, b.ID); m.Recovery != 0 {
		t.Fatalf("bob's codes changed: %+v", m)
	}

	// MFA off (or no such account): nothing to replace, nothing written.
	if err := s.DisableMFA(ctx, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceRecoveryCodes(ctx, a.ID, hashes("x")); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("replace with MFA off: %v", err)
	}
	if m, _ := s.MFA(ctx, a.ID); m.Recovery != 0 || m.Enabled {
		t.Fatalf("replace with MFA off wrote: %+v", m)
	}
	if err := s.ReplaceRecoveryCodes(ctx, "acct_nobody", hashes("x")); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("replace for an unknown account: %v", err)
	}
	MustCheck(t, s)
}

func hashes(codes ...string) [][]byte {
	out := make([][]byte, len(codes))
	for i, c := range codes {
		out[i] = []byte(c)
	}
	return out
}

// TestChallengeAttemptsAtOnce: attempts taken at once never exceed the challenge's MaxWrong nor
// the account's LockAfter, and a released attempt comes back.
func testChallengeAttemptsAtOnce(t *testing.T, open Opener) {
	s := open(t, Options{})
	ctx := context.Background()
	a := MkAccount(t, s, "ada@example.com", 0)
	pol := ledger.ChallengePolicy{MaxWrong: 5, LockAfter: 10, LockFor: 15 * time.Minute}
	var chs []ledger.Challenge
	for range 4 {
		c, err := s.CreateChallenge(ctx, a.ID, 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		chs = append(chs, c)
	}
	takeAll := func(ids []string) (ok, notFound, noneLeft int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, id := range ids {
			wg.Go(func() {
				<-start
				_, err := s.TakeChallengeAttempt(ctx, id, pol)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ledger.ErrNotFound):
					notFound++
				case errors.Is(err, ledger.ErrNoAttemptsLeft):
					noneLeft++
				default:
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
		return
	}
	// 40 at once on one challenge: 5 taken.
	var one []string
	for range 40 {
		one = append(one, chs[0].ID)
	}
	if ok, nf, _ := takeAll(one); ok != 5 || nf != 35 {
		t.Fatalf("one challenge: %d taken, %d refused as spent", ok, nf)
	}
	// 30 more over the other three: the account's budget leaves 5.
	var three []string
	for i := range 30 {
		three = append(three, chs[1+i%3].ID)
	}
	if ok, _, nl := takeAll(three); ok != 5 || nl == 0 {
		t.Fatalf("across challenges: %d taken (want 5), %d refused for the account", ok, nl)
	}
	// A released attempt can be taken again.
	if err := s.ReleaseChallengeAttempt(ctx, chs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeChallengeAttempt(ctx, chs[0].ID, pol); err != nil {
		t.Fatalf("after a release: %v", err)
	}
	// Settled as wrong, the tenth locks.
	_, m, err := s.FailChallenge(ctx, chs[0].ID, pol)
	if err != nil || m.LockedUntil.IsZero() {
		t.Fatalf("10 taken and one settled wrong did not lock: %+v %v", m, err)
	}
}

// ReplaceKeys ends what the old keys held: every session (with its session.revoked event), every
// enrollment sealed by another key; enabled secrets stay, attributed to the key that sealed them.
func testReplaceKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, Options{})
	old := ledger.KeyIDs{Signing: "sig-1", Data: "data-1"}
	if err := s.AdoptKeys(ctx, old, nil); err != nil {
		t.Fatal(err)
	}
	ada := MkAccount(t, s, "ada@example.com", 0)
	bob := MkAccount(t, s, "bob@example.com", 0)
	if err := s.SetPendingMFA(ctx, ada.ID, []byte("sealed-a"), old.Data); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableMFA(ctx, ada.ID, 1, [][]byte{[]byte("rc")}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPendingMFA(ctx, bob.ID, []byte("sealed-b"), old.Data); err != nil {
		t.Fatal(err)
	}
	sess, err := s.CreateSession(ctx, ledger.NewSession{AccountID: bob.ID, RefreshHash: []byte("r1"), RefreshTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s.KeyUse(ctx)
	if u.MFAAccounts != 1 || u.Pending != 1 || u.LiveSessions != 1 || u.Empty() {
		t.Fatalf("key use: %+v", u)
	}

	neu := ledger.KeyIDs{Signing: "sig-2", Data: "data-2"}
	revoked, err := s.ReplaceKeys(ctx, neu)
	if err != nil {
		t.Fatal(err)
	}
	if len(revoked) != 1 || revoked[0] != sess.ID {
		t.Fatalf("revoked %v", revoked)
	}
	if got, _ := s.Session(ctx, sess.ID); got.Live() {
		t.Fatal("session still live")
	}
	evs, _ := s.EventsAfter(ctx, bob.ID, 0, 0)
	if last := evs[len(evs)-1]; last.Type != api.EventSessionRevoked {
		t.Errorf("last event of bob: %s", last.Type)
	}
	if m, _ := s.MFA(ctx, bob.ID); m.Pending != nil {
		t.Error("an enrollment sealed by the old key survived")
	}
	if m, _ := s.MFA(ctx, ada.ID); !m.Enabled || m.SecretKey != old.Data {
		t.Errorf("ada's secret: enabled %v, key %q", m.Enabled, m.SecretKey)
	}
	u, _ = s.KeyUse(ctx)
	if u.Recorded != neu || !u.Empty() {
		t.Fatalf("after ReplaceKeys: %+v", u)
	}
}

// TestSignedTokensDependOnTheirKey: a delegation token that may still be presented makes the
// ledger depend on the key that signed it, until it expires or the keys are replaced; the latest
// time noted is kept.
func testSignedTokensDependOnTheirKey(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	s := open(t, Options{Now: clock})
	ids := ledger.KeyIDs{Signing: "kid-1", Data: "data-1"}
	if err := s.AdoptKeys(ctx, ids, nil); err != nil {
		t.Fatal(err)
	}
	use := func() ledger.KeyUse {
		t.Helper()
		u, err := s.KeyUse(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if !use().Empty() {
		t.Fatal("a new ledger depends on its keys")
	}
	later := now.Add(24 * time.Hour).Truncate(time.Millisecond)
	for _, until := range []time.Time{later, now.Add(time.Hour)} { // an earlier note keeps the later
		if err := s.NoteTokensSigned(ctx, "kid-1", until); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.NoteTokensSigned(ctx, "kid-other", now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u := use(); u.Empty() || !u.TokensUntil.Equal(later) {
		t.Fatalf("tokens until %v (empty %v); want %v", u.TokensUntil, u.Empty(), later)
	}
	now = later.Add(time.Millisecond)
	if u := use(); !u.Empty() {
		t.Fatalf("expired tokens still count: %+v", u)
	}
	now = later.Add(-time.Hour)
	if _, err := s.ReplaceKeys(ctx, ledger.KeyIDs{Signing: "kid-2", Data: "data-2"}); err != nil {
		t.Fatal(err)
	}
	if u := use(); !u.Empty() {
		t.Fatalf("tokens of replaced keys still count: %+v", u)
	}
}

// Units is n whole units in micro-units.
func Units(n int64) money.Micros { return money.Micros(n * money.Scale) }

// MkAccount creates an account with credit from the system account (a password hash that no
// password matches: it is for tests that do not sign in).
func MkAccount(t testing.TB, s ledger.Ledger, email string, credit money.Micros) ledger.Account {
	t.Helper()
	return MkUser(t, s, email, "h", credit)
}

// MkUser is MkAccount for an account that signs in: passwordHash is its password's hash.
func MkUser(t testing.TB, s ledger.Ledger, email, passwordHash string, credit money.Micros) ledger.Account {
	t.Helper()
	a, err := s.CreateAccount(context.Background(), ledger.NewAccount{Email: email, PasswordHash: passwordHash})
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

// Clock is a clock for Options.Now that a test moves by hand, to the millisecond (what the
// stores keep), safe for concurrent use.
type Clock struct{ ms atomic.Int64 }

// NewClock is a Clock at t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.ms.Store(t.UnixMilli())
	return c
}

// Now is the clock's time, in UTC.
func (c *Clock) Now() time.Time { return time.UnixMilli(c.ms.Load()).UTC() }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// MustCheck fails the test unless every invariant holds.
func MustCheck(t testing.TB, s Store) ledger.Invariants {
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

// TestAPIKeyStore: create, find by hash, list (live keys only), touch, revoke, the cap on live
// keys, and the events of the owner.
func testAPIKeyStore(t *testing.T, open Opener) {
	ctx := context.Background()
	clock := NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	now := clock.Now
	s := open(t, Options{Now: now})
	ada := MkAccount(t, s, "ada@example.com", 0)

	k, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: ada.ID, Name: "ci", Scopes: []string{"read", "pay"},
		Hash: []byte("hash-1"), Limit: Units(5), Period: api.PeriodDay, ExpiresAt: now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.APIKeyByHash(ctx, []byte("hash-1"))
	if err != nil || got.ID != k.ID || got.AccountID != ada.ID || !got.Has("pay") || got.Limit != Units(5) ||
		got.Period != api.PeriodDay || !got.Live(now()) || !got.LastUsedAt.IsZero() {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	if _, err := s.APIKeyByHash(ctx, []byte("hash-2")); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	at := now().Add(time.Minute)
	if err := s.TouchAPIKey(ctx, k.ID, at); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchAPIKey(ctx, k.ID, at.Add(-time.Hour)); err != nil { // never backwards
		t.Fatal(err)
	}
	if got, _ := s.APIKeyByHash(ctx, []byte("hash-1")); !got.LastUsedAt.Equal(at) {
		t.Fatalf("last used %v, want %v", got.LastUsedAt, at)
	}

	// An expired key is not listed, nor counted against the cap.
	if _, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: ada.ID, Name: "short", Scopes: []string{"read"},
		Hash: []byte("hash-short"), ExpiresAt: now().Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Second)
	ks, err := s.APIKeys(ctx, ada.ID)
	if err != nil || len(ks) != 1 || ks[0].ID != k.ID {
		t.Fatalf("list: %+v %v", ks, err)
	}
	for i := 1; i < api.MaxAPIKeys; i++ {
		if _, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: ada.ID, Name: "many", Scopes: []string{"read"},
			Hash: []byte{byte(i), byte(i >> 8), 'h'}, ExpiresAt: now().Add(time.Hour)}); err != nil {
			t.Fatal(i, err)
		}
	}
	if _, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: ada.ID, Name: "one too many", Scopes: []string{"read"},
		Hash: []byte("hash-x"), ExpiresAt: now().Add(time.Hour)}); !errors.Is(err, ledger.ErrTooManyKeys) {
		t.Fatalf("101st key: %v", err)
	}

	// Revocation: once, by its owner only.
	bob := MkAccount(t, s, "bob@example.com", 0)
	if _, err := s.RevokeAPIKey(ctx, bob.ID, k.ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("revoked by another account: %v", err)
	}
	if _, err := s.RevokeAPIKey(ctx, ada.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeAPIKey(ctx, ada.ID, k.ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("revoked twice: %v", err)
	}
	if got, _ := s.APIKeyByHash(ctx, []byte("hash-1")); got.Live(now()) || got.RevokedAt.IsZero() {
		t.Fatalf("still live: %+v", got)
	}
	evs, err := s.EventsAfter(ctx, ada.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	created, revoked := 0, 0
	for _, ev := range evs {
		switch ev.Type {
		case api.EventAPIKeyCreated:
			created++
		case api.EventAPIKeyRevoked:
			revoked++
		}
	}
	if created != api.MaxAPIKeys+1 || revoked != 1 {
		t.Fatalf("%d created and %d revoked events", created, revoked)
	}
	MustCheck(t, s)
}

// TestAPIKeySpending: the ledger counts a key's spending per calendar period, refuses what would
// pass the limit, records the key on each transaction, and starts a new period afresh.
func testAPIKeySpending(t *testing.T, open Opener) {
	ctx := context.Background()
	clock := NewClock(time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC))
	now := clock.Now
	s := open(t, Options{Now: now})
	ada := MkAccount(t, s, "ada@example.com", Units(100))
	MkAccount(t, s, "carol@example.com", 0)
	k, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: ada.ID, Name: "ci", Scopes: []string{"pay"},
		Hash: []byte("h"), Limit: Units(5), Period: api.PeriodDay, ExpiresAt: now().Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pay := func(n int64) (ledger.Receipt, error) {
		return s.Pay(ctx, ledger.Payment{SenderID: ada.ID, RecipientEmail: "carol@example.com", Amount: Units(n), APIKeyID: k.ID})
	}
	r, err := pay(4)
	if err != nil || r.Transactions[0].APIKeyID != k.ID {
		t.Fatalf("pay: %+v %v", r, err)
	}
	if tx, _ := s.Transaction(ctx, r.Transactions[0].ID); tx.APIKeyID != k.ID {
		t.Fatalf("stored without its key: %+v", tx)
	}
	var over *ledger.SpendLimitExceeded
	if _, err := pay(2); !errors.As(err, &over) || over.Remaining != Units(1) || over.Limit != Units(5) ||
		!over.PeriodEnd.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("over the limit: %v", err)
	}
	_, err = s.PayBatch(ctx, ledger.Batch{SenderID: ada.ID, APIKeyID: k.ID, Items: []ledger.BatchItem{
		{RecipientEmail: "carol@example.com", Amount: Units(1)}, {RecipientEmail: "carol@example.com", Amount: Units(1)}}})
	var ie *ledger.ItemError
	if !errors.As(err, &ie) || ie.Index != 1 || !errors.Is(err, ledger.ErrSpendLimitExceeded) {
		t.Fatalf("batch: %v", err)
	}
	// Tomorrow (UTC) the day starts afresh.
	clock.Add(time.Hour)
	if _, err := pay(5); err != nil {
		t.Fatal(err)
	}
	got, _ := s.APIKeyByHash(ctx, []byte("h"))
	if got.SpentAt(now()) != Units(5) || got.SpentAt(now().Add(24*time.Hour)) != 0 {
		t.Fatalf("spent %s", got.SpentAt(now()))
	}
	// Another account's key, a revoked key and an expired one move nothing.
	bob := MkAccount(t, s, "bob@example.com", Units(10))
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: bob.ID, RecipientEmail: "carol@example.com", Amount: Units(1),
		APIKeyID: k.ID}); !errors.Is(err, ledger.ErrRevoked) {
		t.Fatalf("someone else's key: %v", err)
	}
	clock.Add(48 * time.Hour)
	if _, err := pay(1); !errors.Is(err, ledger.ErrExpired) {
		t.Fatalf("expired key: %v", err)
	}
	MustCheck(t, s)
}
