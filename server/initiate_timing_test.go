package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// readCounter counts the reads a sign-in makes of the ledger and the auth store.
type readCounter struct {
	ledger.AuthStore
	mfa atomic.Int64
}

func (c *readCounter) MFA(ctx context.Context, accountID string) (ledger.MFAState, error) {
	c.mfa.Add(1)
	return c.AuthStore.MFA(ctx, accountID)
}

type accountReads struct {
	*hookLedger
	n atomic.Int64
}

func (a *accountReads) AccountByEmail(ctx context.Context, email string) (ledger.Account, error) {
	a.n.Add(1)
	return a.hookLedger.AccountByEmail(ctx, email)
}

// initiateCases are the ways into /auth/mfa/initiate: an unknown email, an account without MFA and
// one with MFA, with a wrong password and (where it is an account) the right one.
var initiateCases = []struct {
	name, email, pw string
	want            int
}{
	{"unknown email", "nobody@example.com", "wrong password!", 401},
	{"no MFA, wrong", "ada@example.com", "wrong password!", 401},
	{"MFA, wrong", "mfa@example.com", "wrong password!", 401},
	{"no MFA, right", "ada@example.com", testPassword, 409},
	{"MFA, right", "mfa@example.com", testPassword, 200},
}

func initiateEnv(t *testing.T) (*env, *readCounter, *accountReads) {
	rc := &readCounter{}
	ar := &accountReads{}
	e := newEnv(t, func(c *Config) {
		c.Limits = Limits{Account: Rate{PerMinute: 6000, Burst: 1000}, Address: Rate{PerMinute: 6000, Burst: 1000}}
		rc.AuthStore = c.Auth
		c.Auth = rc
		ar.hookLedger = c.Ledger.(*hookLedger)
		c.Ledger = ar
	})
	e.newUser("ada@example.com", "")
	e.newUser("mfa@example.com", "").enableMFA()
	return e, rc, ar
}

// TestInitiatePathsDoTheSameWork: every way into /auth/mfa/initiate reads the account and its MFA
// state once before it answers (and pays one hash: see the timing test).
func TestInitiatePathsDoTheSameWork(t *testing.T) {
	e, rc, ar := initiateEnv(t)
	var reads []string
	for _, c := range initiateCases {
		m0, a0 := rc.mfa.Load(), ar.n.Load()
		e.do("POST", "/auth/mfa/initiate", api.Credentials{Email: c.email, Password: c.pw}).want(t, c.want)
		reads = append(reads, fmt.Sprintf("%d account, %d MFA", ar.n.Load()-a0, rc.mfa.Load()-m0))
	}
	for i, c := range initiateCases {
		t.Logf("%-14s %s", c.name, reads[i])
		if reads[i] != reads[0] {
			t.Errorf("%s reads %s; %s reads %s", c.name, reads[i], initiateCases[0].name, reads[0])
		}
	}
}

// TestInitiateTimingIsTheSame: interleaved, best of 7 each, so all see the same machine load. Each
// pays one argon2id hash (about 25 ms here); a skipped hash would be about 1 ms. A factor of 5
// tolerates a shared, noisy machine and still catches a skip.
func TestInitiateTimingIsTheSame(t *testing.T) {
	e, _, _ := initiateEnv(t)
	best := make([]time.Duration, len(initiateCases))
	for i := range best {
		best[i] = time.Hour
	}
	for range 7 {
		for i, c := range initiateCases {
			start := time.Now()
			e.do("POST", "/auth/mfa/initiate", api.Credentials{Email: c.email, Password: c.pw}).want(t, c.want)
			best[i] = min(best[i], time.Since(start))
		}
	}
	lo, hi := best[0], best[0]
	for i, c := range initiateCases {
		t.Logf("%-14s %v", c.name, best[i])
		lo, hi = min(lo, best[i]), max(hi, best[i])
	}
	if hi > 5*lo {
		t.Fatalf("fastest path %v, slowest %v: more than 5x apart", lo, hi)
	}
}
