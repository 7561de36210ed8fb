package auth

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultFailureLimiterEntries is the hard cap on keys a FailureLimiter tracks.
const DefaultFailureLimiterEntries = 100_000

// FailureLimiter limits FAILED attempts per key, such as
// "acct:alice@example.com" or "ip:192.0.2.7". Each key has a token bucket of
// burst failures refilled at perMinute; only Fail spends from it, so someone
// who signs in correctly is never limited, while dozens of wrong passwords in
// a minute are.
//
// Memory is bounded without a background goroutine: a key idle long enough
// for its bucket to refill is indistinguishable from a new one and is swept
// lazily, and at most DefaultFailureLimiterEntries keys are kept (beyond
// that, an arbitrary key is forgotten). It is safe for concurrent use.
type FailureLimiter struct {
	limit      rate.Limit
	burst      int
	now        func() time.Time
	refill     time.Duration // time for an empty bucket to fill up
	maxEntries int

	mu        sync.Mutex
	entries   map[string]*failEntry
	lastSweep time.Time
}

type failEntry struct {
	lim      *rate.Limiter
	lastFail time.Time
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
		limit:      rate.Limit(float64(perMinute) / 60),
		burst:      burst,
		now:        now,
		refill:     time.Duration(float64(burst) / float64(perMinute) * float64(time.Minute)),
		maxEntries: DefaultFailureLimiterEntries,
		entries:    make(map[string]*failEntry),
	}
}

// Check reports whether key may make another attempt, and if not, how long
// until it may. It does not spend anything.
func (l *FailureLimiter) Check(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[key]
	if e == nil {
		return true, 0
	}
	tokens := e.lim.TokensAt(now)
	if tokens >= 1 {
		return true, 0
	}
	wait := time.Duration(math.Ceil((1 - tokens) / float64(l.limit) * float64(time.Second)))
	return false, wait
}

// Fail records a failed attempt for key.
func (l *FailureLimiter) Fail(key string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[key]
	if e == nil {
		l.makeRoom(now)
		e = &failEntry{lim: rate.NewLimiter(l.limit, l.burst)}
		l.entries[key] = e
	}
	e.lim.AllowN(now, 1)
	e.lastFail = now
}

// Succeed forgets key's failures. Call it for keys that belong to the person
// who just proved themselves (the account, account+IP), not for a shared key
// such as an IP alone: otherwise an attacker could reset an IP's count by
// signing in to an account of their own between guesses.
func (l *FailureLimiter) Succeed(key string) {
	l.mu.Lock()
	delete(l.entries, key)
	l.mu.Unlock()
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
		for k, e := range l.entries {
			if now.Sub(e.lastFail) >= l.refill {
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
