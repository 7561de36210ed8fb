package sqlite

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// TestAPIKeyStore: create, find by hash, list (live keys only), touch, revoke, the cap on live
// keys, and the events of the owner.
func TestAPIKeyStore(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC).UnixMilli())
	now := func() time.Time { return time.UnixMilli(clock.Load()).UTC() }
	s := open(t, Options{Now: now})
	ada := mkAccount(t, s, "ada@example.com", 0)

	k, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: ada.ID, Name: "ci", Scopes: []string{"read", "pay"},
		Hash: []byte("hash-1"), Limit: units(5), Period: api.PeriodDay, ExpiresAt: now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.APIKeyByHash(ctx, []byte("hash-1"))
	if err != nil || got.ID != k.ID || got.AccountID != ada.ID || !got.Has("pay") || got.Limit != units(5) ||
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
	clock.Add((2 * time.Second).Milliseconds())
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
	bob := mkAccount(t, s, "bob@example.com", 0)
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
	mustCheck(t, s)
}

// TestAPIKeySpending: the ledger counts a key's spending per calendar period, refuses what would
// pass the limit, records the key on each transaction, and starts a new period afresh.
func TestAPIKeySpending(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC).UnixMilli())
	now := func() time.Time { return time.UnixMilli(clock.Load()).UTC() }
	s := open(t, Options{Now: now})
	ada := mkAccount(t, s, "ada@example.com", units(100))
	mkAccount(t, s, "carol@example.com", 0)
	k, err := s.CreateAPIKey(ctx, ledger.NewAPIKey{AccountID: ada.ID, Name: "ci", Scopes: []string{"pay"},
		Hash: []byte("h"), Limit: units(5), Period: api.PeriodDay, ExpiresAt: now().Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pay := func(n int64) (ledger.Receipt, error) {
		return s.Pay(ctx, ledger.Payment{SenderID: ada.ID, RecipientEmail: "carol@example.com", Amount: units(n), APIKeyID: k.ID})
	}
	r, err := pay(4)
	if err != nil || r.Transactions[0].APIKeyID != k.ID {
		t.Fatalf("pay: %+v %v", r, err)
	}
	if tx, _ := s.Transaction(ctx, r.Transactions[0].ID); tx.APIKeyID != k.ID {
		t.Fatalf("stored without its key: %+v", tx)
	}
	var over *ledger.SpendLimitExceeded
	if _, err := pay(2); !errors.As(err, &over) || over.Remaining != units(1) || over.Limit != units(5) ||
		!over.PeriodEnd.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("over the limit: %v", err)
	}
	_, err = s.PayBatch(ctx, ledger.Batch{SenderID: ada.ID, APIKeyID: k.ID, Items: []ledger.BatchItem{
		{RecipientEmail: "carol@example.com", Amount: units(1)}, {RecipientEmail: "carol@example.com", Amount: units(1)}}})
	var ie *ledger.ItemError
	if !errors.As(err, &ie) || ie.Index != 1 || !errors.Is(err, ledger.ErrSpendLimitExceeded) {
		t.Fatalf("batch: %v", err)
	}
	// Tomorrow (UTC) the day starts afresh.
	clock.Add(time.Hour.Milliseconds())
	if _, err := pay(5); err != nil {
		t.Fatal(err)
	}
	got, _ := s.APIKeyByHash(ctx, []byte("h"))
	if got.SpentAt(now()) != units(5) || got.SpentAt(now().Add(24*time.Hour)) != 0 {
		t.Fatalf("spent %s", got.SpentAt(now()))
	}
	// Another account's key, a revoked key and an expired one move nothing.
	bob := mkAccount(t, s, "bob@example.com", units(10))
	if _, err := s.Pay(ctx, ledger.Payment{SenderID: bob.ID, RecipientEmail: "carol@example.com", Amount: units(1),
		APIKeyID: k.ID}); !errors.Is(err, ledger.ErrRevoked) {
		t.Fatalf("someone else's key: %v", err)
	}
	clock.Add((48 * time.Hour).Milliseconds())
	if _, err := pay(1); !errors.Is(err, ledger.ErrExpired) {
		t.Fatalf("expired key: %v", err)
	}
	mustCheck(t, s)
}
