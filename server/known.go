package server

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Known sign-in places: the (account, client address) pairs that signed in with the right
// password recently. Nothing else tells a real sign-in from a flood that looks clean (every
// guess from a fresh address, against an email of its own: its budgets are whole, like a real
// person's), but a flood cannot sign in from where the account's owner did without the password.
// So a password check from a known pair
//
//   - hashes in the hasher's known lane, served before every other (auth.WithKnown), and
//   - is evaluated even when the account's budgets are spent by an attacker with many addresses
//     (the targeted-lockout rule, limits.go), as long as the pair itself has not failed since.
//
// A place is known for the password given there (the key includes a tag of the stored hash), so a
// password change ends every place's trust. A wrong password from a known pair ends its trust at
// once (the pair's own budget then remembers the failure). The memory is per instance and bounded
// (knownPairs entries, least recently used first out, each trusted for knownFor); an instance
// that does not know a pair treats it like any other address.
type knownPlaces struct {
	now   func() time.Time
	pairs *lru.Cache[string, time.Time] // pair key → time of the last right password
}

const (
	knownPairs = 100_000
	knownFor   = 30 * 24 * time.Hour
)

func newKnownPlaces(now func() time.Time) *knownPlaces {
	c, err := lru.New[string, time.Time](knownPairs)
	if err != nil {
		panic("server: known places: " + err.Error()) // only for a size < 1
	}
	return &knownPlaces{now: now, pairs: c}
}

// has reports whether the pair signed in with the right password within knownFor.
func (k *knownPlaces) has(pair string) bool {
	at, ok := k.pairs.Get(pair)
	if ok && k.now().Sub(at) > knownFor {
		k.pairs.Remove(pair)
		return false
	}
	return ok
}

// hashTag names the password an account has now, for the key of a known place: the end of its
// stored hash (part of the derived key), which changes with the password. A place is known for
// the password given there, so a password change ends every place's trust.
func hashTag(passwordHash string) string {
	const n = 16
	if len(passwordHash) <= n {
		return passwordHash
	}
	return passwordHash[len(passwordHash)-n:]
}

// signedIn remembers a right password from the pair.
func (k *knownPlaces) signedIn(pair string) { k.pairs.Add(pair, k.now()) }

// failed forgets the pair: a wrong password came from it.
func (k *knownPlaces) failed(pair string) { k.pairs.Remove(pair) }
