package auth

import (
	"context"
	"math"
	"sync"
	"time"
)

// DefaultFailureLimiterEntries is the hard cap on keys a FailureLimiter tracks.
const DefaultFailureLimiterEntries = 100_000

// FailureLimiter is an attempt budget per key, such as "pw:alice@example.com"
// or "pw:192.0.2.7": a token bucket of burst tokens refilled at perMinute.
//
// An attempt takes its token BEFORE it is evaluated (Take), and gives it back
// when it turns out to be no failure (Refund: a right password, or an attempt
// that could not be evaluated). So however many attempts arrive at once, at
// most burst of them are evaluated, and someone who signs in correctly spends
// nothing. Clear forgets a key's failures altogether.
//
// Memory is bounded without a background goroutine: a key whose bucket is
// full again is indistinguishable from a new one and is dropped (at once when
// a refund fills it, lazily when time does), and at most
// DefaultFailureLimiterEntries keys are kept (beyond that, an arbitrary key is
// forgotten). It is safe for concurrent use.
type FailureLimiter struct {
	perSec     float64
	burst      float64
	now        func() time.Time
	refill     time.Duration // time for an empty bucket to fill up
	maxEntries int

	mu        sync.Mutex
	entries   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

// Taken is the outcome of FailureLimiter.Take.
type Taken struct {
	// OK: a token was taken; the attempt may be evaluated, and must end in a Refund unless it
	// failed.
	OK bool
	// Whole: the budget was whole before this take: no failure within its refill time and no
	// attempt in flight.
	Whole bool
	// RetryAfter is, when !OK, how long until a token is back.
	RetryAfter time.Duration
}

// NewFailureLimiter allows burst failures per key, refilled at perMinute
// (10 and 10 are good defaults for sign-in). A nil now means time.Now.
func NewFailureLimiter(perMinute, burst int, now func() time.Time) *FailureLimiter {
	if perMinute < 1 {
		perMinute = 1
	}
	if burst < 1 {
		burst = 1
	}
	if now == nil {
		now = time.Now
	}
	return &FailureLimiter{
		perSec:     float64(perMinute) / 60,
		burst:      float64(burst),
		now:        now,
		refill:     time.Duration(float64(burst) / float64(perMinute) * float64(time.Minute)),
		maxEntries: DefaultFailureLimiterEntries,
		entries:    make(map[string]*bucket),
	}
}

// tokensAt is b's level at now (b nil: a full bucket). Called with l.mu held.
func (l *FailureLimiter) tokensAt(b *bucket, now time.Time) float64 {
	if b == nil {
		return l.burst
	}
	d := now.Sub(b.at).Seconds()
	if d < 0 {
		d = 0
	}
	return math.Min(l.burst, b.tokens+d*l.perSec)
}

// Take spends one token of key's budget, if it has one. The context is for
// implementations that keep budgets elsewhere; this one never fails.
func (l *FailureLimiter) Take(_ context.Context, key string) (Taken, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.entries[key]
	tokens := l.tokensAt(b, now)
	whole := tokens >= l.burst
	if tokens < 1 {
		wait := time.Duration(math.Ceil((1 - tokens) / l.perSec * float64(time.Second)))
		return Taken{RetryAfter: wait}, nil
	}
	if b == nil {
		l.makeRoom(now)
		b = &bucket{}
		l.entries[key] = b
	}
	b.tokens, b.at = tokens-1, now
	return Taken{OK: true, Whole: whole}, nil
}

// Refund gives back a token taken by an attempt that was no failure.
func (l *FailureLimiter) Refund(_ context.Context, key string) error {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.entries[key]
	if b == nil {
		return nil // full already (or forgotten)
	}
	b.tokens, b.at = math.Min(l.burst, l.tokensAt(b, now)+1), now
	if b.tokens >= l.burst {
		delete(l.entries, key)
	}
	return nil
}

// Clear forgets key's failures. Call it for keys that belong to the person
// who just proved themselves (the account), not for a shared key such as an
// address: otherwise an attacker could reset an address's count by signing in
// to an account of their own between guesses.
func (l *FailureLimiter) Clear(_ context.Context, key string) error {
	l.mu.Lock()
	delete(l.entries, key)
	l.mu.Unlock()
	return nil
}

// Len returns the number of keys tracked.
func (l *FailureLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// makeRoom sweeps refilled entries at most once per refill period, and if the
// map is still full evicts an arbitrary entry. Called with l.mu held.
func (l *FailureLimiter) makeRoom(now time.Time) {
	if now.Sub(l.lastSweep) >= l.refill || len(l.entries) >= l.maxEntries && now.Sub(l.lastSweep) >= time.Second {
		l.lastSweep = now
		for k, b := range l.entries {
			if l.tokensAt(b, now) >= l.burst {
				delete(l.entries, k)
			}
		}
	}
	for k := range l.entries {
		if len(l.entries) < l.maxEntries {
			break
		}
		delete(l.entries, k)
	}
}
