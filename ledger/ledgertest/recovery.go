package ledgertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

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
	used := func(id, code string) bool {
		t.Helper()
		u, err := s.RecoveryCodeUsed(ctx, id, []byte(code))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	spend := func(id, code string) bool {
		t.Helper()
		ok, err := s.UseRecoveryCode(ctx, id, []byte(code))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
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
