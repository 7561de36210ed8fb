package server

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// The bearer cache (issue 16): an access token that verified once (its EdDSA signature, alg,
// typ, kid, iss, aud, iat and lifetime) and whose session was read live and its own is remembered,
// by SHA-256 of the token, until the token's exp. Its next requests skip the signature check and
// the session read: a few microseconds instead of an Ed25519 verify and a database query. The
// account is still read on every request (balances and flags are current).
//
// What keeps it as strict as reading the session every time: every revocation that passes through
// this server (logout, logout-all, a password change, a reused refresh token: Server.revoked, the
// same path that closes the session's WebSockets), every session.revoked event the ledger commits
// (Server.Committed, fed by the ledger's OnCommit) and every revocation another instance reports
// (Server.SessionsRevoked) drops the session's tokens from the cache before the revoking request
// answers, so the session's next request reads it again and is refused. A token whose session
// check was in flight while a revocation happened is not remembered (the generation below), so a
// read from before the revocation cannot put a revoked session back. Only successes are kept;
// a refused token is checked in full every time.
//
// The memory is bounded: sessionCacheSize tokens, least recently used first out.
type sessionCache struct {
	now    func() time.Time
	tokens *lru.Cache[[sha256.Size]byte, cachedToken]

	mu  sync.Mutex // orders put against forget
	gen uint64     // bumped by every forget
}

// cachedToken is what a verified access token and its live session told verifyBearer.
type cachedToken struct {
	userID, sessionID string
	email             string // the account's, which never changes (nor does it become the system's)
	exp               time.Time
}

const sessionCacheSize = 32_768

func newSessionCache(now func() time.Time) *sessionCache {
	c, err := lru.New[[sha256.Size]byte, cachedToken](sessionCacheSize)
	if err != nil {
		panic("server: session cache: " + err.Error()) // only for a size < 1
	}
	return &sessionCache{now: now, tokens: c}
}

func tokenKey(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// get returns the remembered token while it has not expired (the same rule as the token's own
// check: valid while now is before exp).
func (c *sessionCache) get(key [sha256.Size]byte) (cachedToken, bool) {
	t, ok := c.tokens.Get(key)
	if !ok {
		return cachedToken{}, false
	}
	if !c.now().Before(t.exp) {
		c.tokens.Remove(key)
		return cachedToken{}, false
	}
	return t, true
}

// generation is taken before a session is read; put remembers the token only if no forget came
// in between.
func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *sessionCache) put(key [sha256.Size]byte, t cachedToken, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.tokens.Add(key, t)
	}
}

// forget drops every remembered token of the given sessions.
func (c *sessionCache) forget(sessionIDs ...string) {
	if len(sessionIDs) == 0 {
		return
	}
	gone := make(map[string]bool, len(sessionIDs))
	for _, id := range sessionIDs {
		gone[id] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, k := range c.tokens.Keys() {
		if t, ok := c.tokens.Peek(k); ok && gone[t.sessionID] {
			c.tokens.Remove(k)
		}
	}
}

// SessionsRevoked tells the server that these sessions were revoked elsewhere (by another
// instance sharing the ledger, as the cross-instance revocation reports them), so that it stops
// honouring their access tokens from memory at once. Revocations made through this server need
// no call: they reach the cache themselves.
func (s *Server) SessionsRevoked(sessionIDs []string) { s.sessions.forget(sessionIDs...) }

// Committed tells the server about events the ledger committed (the service feeds it what the
// ledger hands its OnCommit, before the committing calls return): each session.revoked event
// drops that session's remembered tokens, so a revocation reaches the cache whichever way it was
// made.
func (s *Server) Committed(evs []ledger.Event) {
	var ids []string
	for _, e := range evs {
		if e.Type != api.EventSessionRevoked {
			continue
		}
		var d struct {
			SessionID string `json:"sessionId"`
		}
		if json.Unmarshal(e.Data, &d) == nil && d.SessionID != "" {
			ids = append(ids, d.SessionID)
		}
	}
	s.sessions.forget(ids...)
}
