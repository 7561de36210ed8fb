package sqlite

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

func TestRefreshRotationAndReuse(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	a := mkAccount(t, s, "ada@example.com", 0)
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

func TestTOTPStepOnceAndLockout(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	a := mkAccount(t, s, "ada@example.com", 0)
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
	mustCheck(t, s)
}

// TestChallengeAttemptsAtOnce: attempts taken at once never exceed the challenge's MaxWrong nor
// the account's LockAfter, and a released attempt comes back.
func TestChallengeAttemptsAtOnce(t *testing.T) {
	s := open(t, Options{})
	ctx := context.Background()
	a := mkAccount(t, s, "ada@example.com", 0)
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
