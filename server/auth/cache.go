package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// Credential cache limits.
const (
	MaxCredentialTTL              = 5 * time.Minute
	DefaultCredentialCacheEntries = 10_000
)

// CredentialCache remembers successful Basic-auth password checks for a short
// while, so the slow argon2id hash runs once per client session rather than
// once per request. Entries are keyed by HMAC-SHA256, under a random key made
// per process, of email + "\x00" + password: the password itself is never
// stored. Each entry also holds the password "version" it was checked against
// (the stored hash string, or a counter), and misses once that changes. A
// wrong password is never cached and always pays the hash. It is safe for
// concurrent use.
type CredentialCache struct {
	key        []byte
	ttl        time.Duration
	now        func() time.Time
	maxEntries int

	mu        sync.Mutex
	entries   map[[sha256.Size]byte]credEntry
	lastSweep time.Time
}

type credEntry struct {
	userID  string
	version string
	expires time.Time
}

// NewCredentialCache keeps entries for ttl (at most, and by default,
// MaxCredentialTTL) and at most maxEntries of them (DefaultCredentialCacheEntries
// when < 1). A nil now means time.Now. Email should be normalized (trimmed,
// lower-cased) by the caller before Get and Put.
func NewCredentialCache(ttl time.Duration, maxEntries int, now func() time.Time) *CredentialCache {
	if ttl <= 0 || ttl > MaxCredentialTTL {
		ttl = MaxCredentialTTL
	}
	if maxEntries < 1 {
		maxEntries = DefaultCredentialCacheEntries
	}
	if now == nil {
		now = time.Now
	}
	key := make([]byte, 32)
	rand.Read(key)
	return &CredentialCache{
		key: key, ttl: ttl, now: now, maxEntries: maxEntries,
		entries: make(map[[sha256.Size]byte]credEntry),
	}
}

// Key is an opaque name for email and password (an HMAC under the cache's
// random key, never the password), for callers that coalesce identical checks.
func (c *CredentialCache) Key(email, password string) string {
	m := c.mac(email, password)
	return string(m[:])
}

func (c *CredentialCache) mac(email, password string) [sha256.Size]byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(email))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

// Get returns the user id remembered for email and password, if the entry is
// fresh and was stored for currentVersion of the user's password.
func (c *CredentialCache) Get(email, password, currentVersion string) (userID string, ok bool) {
	k := c.mac(email, password)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.entries[k]
	if !found {
		return "", false
	}
	if !now.Before(e.expires) || e.version != currentVersion {
		delete(c.entries, k)
		return "", false
	}
	return e.userID, true
}

// Put remembers that password is right for email, belonging to userID, at
// password version. Call it only after a successful Verify.
func (c *CredentialCache) Put(email, password, userID, version string) {
	k := c.mac(email, password)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, found := c.entries[k]; !found {
		c.makeRoom(now)
	}
	c.entries[k] = credEntry{userID: userID, version: version, expires: now.Add(c.ttl)}
}

// ForgetUser drops every entry of userID (on password change, lockout or
// account deletion).
func (c *CredentialCache) ForgetUser(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.userID == userID {
			delete(c.entries, k)
		}
	}
}

// Len returns the number of entries held, expired ones included.
func (c *CredentialCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// makeRoom drops expired entries (at most once per TTL, or per second when
// full) and, if still full, an arbitrary entry. Called with c.mu held.
func (c *CredentialCache) makeRoom(now time.Time) {
	full := len(c.entries) >= c.maxEntries
	if now.Sub(c.lastSweep) >= c.ttl || full && now.Sub(c.lastSweep) >= time.Second {
		c.lastSweep = now
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.maxEntries {
			break
		}
		delete(c.entries, k)
	}
}
