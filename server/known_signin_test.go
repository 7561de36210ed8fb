package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// A flood can look clean: every wrong password from an address of its own, against an email of
// its own (accounts that do not even exist), so that nothing marks it as an attack and it shares
// the hasher's priority lane with real sign-ins. What tells a real sign-in apart is that the
// same address signed in to the same account before.

// home is the address the owner signs in from in these tests: once it has, a known place.
const home = "198.51.100.20"

// knownAt makes ada and signs her in once from addr, which makes addr a place known for her.
func (e *env) knownAt(addr string) *user {
	e.t.Helper()
	ada := e.newUser("ada@example.com", "")
	ada.signIn(testPassword, from(addr)...).want(e.t, 200)
	return ada
}

// cleanLookingFlood sends wrong passwords until stop is closed, each from a fresh address to a
// fresh unknown email, and counts their answers.
func (e *env) cleanLookingFlood(stop chan struct{}, workers int) (wait func() map[int]int) {
	return e.flood(stop, workers, func(i int64, from []string) (resp, error) {
		return e.send("POST", "/auth/login", api.Credentials{Email: fmt.Sprintf("ghost%d@example.com", i), Password: "guess guess"}, from...)
	})
}

// TestKnownSignInBeatsACleanLookingFlood: while a flood that looks clean keeps the priority lane
// full, the owner signing in again from the address it signed in from before is still served
// (a lane of its own), by /auth/login and by Basic; the flood is answered 503.
func TestKnownSignInBeatsACleanLookingFlood(t *testing.T) {
	h, err := auth.NewHasherCapacity(auth.DefaultParams(), auth.Capacity{Concurrent: 1, MaxWait: time.Minute, MaxQueued: 2})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, byHeader(nil), func(c *Config) { c.Hasher = h; c.CredentialTTL = time.Nanosecond })
	ada := e.knownAt(home)
	stop := make(chan struct{})
	wait := e.cleanLookingFlood(stop, 8)
	var got []int
	for i := range 12 {
		if i%2 == 0 {
			got = append(got, ada.signIn(testPassword, from(home)...).status)
		} else {
			got = append(got, e.do("GET", "/account", nil, append(from(home), ada.auth()...)...).status)
		}
	}
	close(stop)
	flood := wait()
	t.Logf("flood answers %v; the owner's sign-ins from home %v", flood, got)
	if flood[503] == 0 {
		t.Fatalf("the flood never filled the queue: %v", flood)
	}
	for _, s := range got {
		if s != 200 {
			t.Fatalf("the owner, signing in from the address it signed in from before, got %v during the flood", got)
		}
	}
}

// TestKnownAddressPassesTheTargetedLockout: once an attacker with many fresh addresses has spent
// both of the account's budgets, the owner still signs in from an address it signed in from
// before (a fresh one waits, as documented); a wrong password from that address ends its trust.
func TestKnownAddressPassesTheTargetedLockout(t *testing.T) {
	e := newEnv(t, byHeader(nil), stillBudgets)
	ada := e.knownAt(home)
	rs := e.burst(60, func(i int) (resp, error) {
		return e.send("POST", "/auth/login", api.Credentials{Email: ada.email, Password: "guess guess"},
			from(fmt.Sprintf("192.0.2.%d", i+1))...)
	})
	c := tally(rs)
	if c[401] > DefaultLimits.Account.Burst+cleanAddressBurst || c[429] == 0 {
		t.Fatalf("fresh addresses: %v", c)
	}
	ada.signIn(testPassword, from("198.51.100.7")...).want(t, 429)
	ada.signIn(testPassword, from(home)...).want(t, 200)
	e.do("GET", "/account", nil, append(from(home), ada.auth()...)...).want(t, 200)
	// Spend the budgets again; a mistyped password from home is evaluated once (401), and then
	// home is an address with a failure like any other.
	e.burst(60, func(i int) (resp, error) {
		return e.send("POST", "/auth/login", api.Credentials{Email: ada.email, Password: "guess guess"},
			from(fmt.Sprintf("192.0.3.%d", i+1))...)
	})
	ada.signIn("mistyped password", from(home)...).want(t, 401)
	ada.signIn(testPassword, from(home)...).want(t, 429)
}

// TestBurstFromAKnownPlaceIsBounded: an attacker on the owner's network (the same address) gets
// no more than the account's budget and one guess: the first failure ends the place's trust, and
// guesses in flight at once are not whole for the place's own budget.
func TestBurstFromAKnownPlaceIsBounded(t *testing.T) {
	e := newEnv(t, byHeader(nil))
	ada := e.knownAt(home)
	rs := e.burst(60, func(i int) (resp, error) {
		return e.send("POST", "/auth/login", api.Credentials{Email: ada.email, Password: fmt.Sprintf("guess %d guess", i)}, from(home)...)
	})
	c := tally(rs)
	t.Logf("60 at once from a known place: %v", c)
	if c[401] > DefaultLimits.Account.Burst+1 || c[401]+c[429] != 60 {
		t.Fatalf("%d guesses evaluated from a known place (at most %d): %v", c[401], DefaultLimits.Account.Burst+1, c)
	}
	acct := stored(e, e.store.AccountByEmail, ada.email)
	if e.s.known.has(kindPassword + ":" + ada.email + "\x00" + home + "\x00" + hashTag(acct.PasswordHash)) {
		t.Fatal("the place is still known after wrong passwords from it")
	}
}

// TestPasswordChangeEndsKnownPlaces: a place is known for the password that was given there; once
// the password changes (say, because someone else learned it and signed in from their address),
// no place is known until it signs in with the new one.
func TestPasswordChangeEndsKnownPlaces(t *testing.T) {
	e := newEnv(t, byHeader(nil), stillBudgets)
	const thief = "203.0.113.99"
	ada := e.knownAt(thief)
	const newPassword = "a brand new password"
	e.do("PUT", "/user/update-password", map[string]string{"oldPassword": testPassword, "newPassword": newPassword},
		append(from("198.51.100.20"), ada.auth()...)...).want(t, 200)
	// Many addresses spend the account's budgets; the thief's address, known for the old
	// password, gets no guess past them.
	e.burst(60, func(i int) (resp, error) {
		return e.send("POST", "/auth/login", api.Credentials{Email: ada.email, Password: "guess guess"},
			from(fmt.Sprintf("192.0.2.%d", i+1))...)
	})
	ada.signIn("one more guess", from(thief)...).want(t, 429)
}

// TestKnownLaneTakesOneAttemptPerPlace: attempts in flight at once from one known place get the
// known lane one at a time (the others are classed like any attempt), so an account's owner, or
// someone who has its password, cannot fill the lane from a single place.
func TestKnownLaneTakesOneAttemptPerPlace(t *testing.T) {
	e := newEnv(t, byHeader(nil))
	ada := e.knownAt(home)
	acct := stored(e, e.store.AccountByEmail, ada.email)
	ctx := context.Background()
	var known int
	var held []*attempt
	for range 5 {
		a := &attempt{s: e.s, kind: kindPassword, address: home, account: ada.email, hashTag: hashTag(acct.PasswordHash)}
		if err := a.reserve(ctx); err != nil {
			t.Fatal(err)
		}
		if a.known {
			known++
		}
		held = append(held, a)
	}
	for _, a := range held {
		a.release(ctx)
	}
	if known != 1 {
		t.Fatalf("%d of 5 attempts in flight at once from one known place took the known lane; want 1", known)
	}
}
