package client

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/syftbox/syftwallet/api"
)

// tokenManager keeps the session: the access and refresh tokens in memory
// (and the refresh token in the TokenStore), or in legacy mode the email and
// password for Basic auth. However many goroutines need a token at once,
// exactly one sign-in or refresh runs (singleflight); the others wait for it.
type tokenManager struct {
	c                *Client
	issuer, audience string
	jwks             jwksCache
	sf               singleflight.Group

	mu        sync.Mutex
	email     string
	user      api.User
	access    string
	accessExp time.Time
	issuedAt  time.Time
	refresh   string
	password  string // legacy (Basic) mode only
	storeErr  string // a sentence when saving to the store failed
}

func newTokenManager(c *Client, issuer, audience string) *tokenManager {
	tm := &tokenManager{c: c, issuer: issuer, audience: audience}
	tm.jwks.c = c
	return tm
}

// AccessToken returns a verified access token that is not about to expire,
// refreshing it first (one refresh for all callers) when it is within
// cfg.TokenRefreshBuffer of its expiry. With no session it resumes the last
// one from the token store, or signs in with cfg.Email and cfg.Password
// when both are set. The events stream uses it as its token source.
//
// With an API key (Config.APIKey) it returns the key: the key is the bearer token.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	if c.cfg.APIKey != "" {
		return c.cfg.APIKey, nil
	}
	if c.Legacy() {
		return "", errNoBearer
	}
	if tok, ok := c.tokens.fresh(); ok {
		return tok, nil
	}
	return c.tokens.renew(ctx, "")
}

// Refresh exchanges the refresh token for new tokens now, whatever the
// access token's age, and returns the new access token. Concurrent calls
// share one refresh.
func (c *Client) Refresh(ctx context.Context) (string, error) {
	if c.cfg.APIKey != "" {
		return "", &UnauthenticatedError{APIKey: true} // a key is never refreshed
	}
	if c.Legacy() {
		return "", errNoBearer
	}
	c.tokens.mu.Lock()
	cur := c.tokens.access
	c.tokens.mu.Unlock()
	return c.tokens.renew(ctx, orNone(cur))
}

// orNone makes "no token yet" distinct from "" (which renew reads as "any
// fresh token will do").
func orNone(tok string) string {
	if tok == "" {
		return "\x00none"
	}
	return tok
}

// fresh returns the access token when it is outside the refresh buffer.
func (tm *tokenManager) fresh() (string, bool) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.access, tm.freshLocked()
}

func (tm *tokenManager) freshLocked() bool {
	if tm.access == "" {
		return false
	}
	buffer := tm.c.cfg.TokenRefreshBuffer
	// A buffer as long as the token's life would refresh on every call.
	if life := tm.accessExp.Sub(tm.issuedAt); buffer > life/2 {
		buffer = life / 2
	}
	return tm.c.now().Before(tm.accessExp.Add(-buffer))
}

// refreshAfter401 is called when the service refused used: it refreshes
// unless another caller already did.
func (tm *tokenManager) refreshAfter401(ctx context.Context, used string) (string, error) {
	return tm.renew(ctx, used)
}

// renew gets a new access token in one flight for all callers. stale is the
// token the caller saw refused ("" when it only needs a fresh one): if the
// current token differs and is fresh, someone already renewed.
func (tm *tokenManager) renew(ctx context.Context, stale string) (string, error) {
	ch := tm.sf.DoChan("session", func() (any, error) {
		tm.mu.Lock()
		if tm.freshLocked() && (stale == "" || tm.access != stale) {
			tok := tm.access
			tm.mu.Unlock()
			return tok, nil
		}
		tm.mu.Unlock()
		// The flight serves every waiter: one caller giving up must not fail
		// the others, so it runs on its own deadline.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tm.c.cfg.Timeout)
		defer cancel()
		return tm.obtain(fctx)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", tm.c.transportError(ctx, ctx.Err())
	}
}

// obtain refreshes with the refresh token in memory or in the store, or else
// signs in with the configured password.
func (tm *tokenManager) obtain(ctx context.Context) (string, error) {
	c := tm.c
	tm.mu.Lock()
	refresh, email := tm.refresh, tm.email
	tm.mu.Unlock()
	if email == "" {
		email = c.cfg.Email
	}
	if refresh == "" && email != "" {
		if s, err := c.store.Load(c.serverID, email); err == nil {
			refresh = s.RefreshToken
		}
	}
	if refresh != "" {
		var t api.Tokens
		err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/refresh",
			body: api.RefreshRequest{RefreshToken: refresh}}, &t)
		var unauth *UnauthenticatedError
		if errors.As(err, &unauth) {
			// Spent or revoked: this session is over.
			c.log.Warn("session refresh refused; signing out")
			tm.forget(email)
		}
		if err != nil {
			return "", err
		}
		return tm.install(ctx, email, t)
	}
	if email != "" && c.cfg.Password != "" {
		if _, err := c.login(ctx, email, c.cfg.Password); err != nil {
			return "", err
		}
		if tok, ok := tm.fresh(); ok {
			return tok, nil
		}
		return "", errNoBearer // the service turned out to have only the compatible layer
	}
	return "", &UnauthenticatedError{}
}

var errNoBearer = &UnsupportedError{Feature: "bearer tokens (it only has the compatible layer)"}

// install verifies new tokens and makes them the session's, keeping the
// refresh token in the store.
func (tm *tokenManager) install(ctx context.Context, email string, t api.Tokens) (string, error) {
	c := tm.c
	if t.AccessToken == "" || t.RefreshToken == "" {
		return "", &ServerError{Status: http.StatusOK}
	}
	claims, err := tm.jwks.verify(ctx, t.AccessToken, tm.issuer, tm.audience)
	if err != nil {
		return "", err
	}
	if t.User.Email != "" {
		email = t.User.Email
	} else if claims.Email != "" {
		email = claims.Email
	}
	tm.mu.Lock()
	tm.email, tm.access, tm.refresh = email, t.AccessToken, t.RefreshToken
	tm.accessExp = claims.ExpiresAt.Time
	tm.issuedAt = c.now()
	if claims.IssuedAt != nil {
		tm.issuedAt = claims.IssuedAt.Time
	}
	if t.User.ID != "" {
		tm.user = t.User
	}
	tm.password = ""
	tm.mu.Unlock()
	tm.save(email, Secret{RefreshToken: t.RefreshToken})
	return t.AccessToken, nil
}

// save puts the secret in the store; a failure leaves the session in memory
// and says so in Session().Warning. The error text never holds the secret.
func (tm *tokenManager) save(email string, s Secret) {
	c := tm.c
	err := c.store.Save(c.serverID, email, s)
	if err == nil {
		if la, ok := c.store.(LastAccountStore); ok {
			_ = la.SetLastAccount(c.serverID, email)
		}
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if err != nil {
		c.log.Warn("could not keep the session in the token store", "error", err.Error())
		tm.storeErr = "Could not save the session to the system keyring; you will need to sign in again next time."
		return
	}
	tm.storeErr = ""
}

// forget ends the session in memory and in the store.
func (tm *tokenManager) forget(email string) {
	c := tm.c
	tm.mu.Lock()
	if email == "" {
		email = tm.email
	}
	tm.access, tm.refresh, tm.password = "", "", ""
	tm.accessExp, tm.issuedAt = time.Time{}, time.Time{}
	tm.user = api.User{}
	tm.mu.Unlock()
	if email != "" {
		if err := c.store.Delete(c.serverID, email); err != nil {
			c.log.Warn("could not delete the session from the token store", "error", err.Error())
		}
	}
	c.account.invalidate()
}

// basic is the Basic Authorization header of the legacy session.
func (tm *tokenManager) basic() (string, error) {
	c := tm.c
	tm.mu.Lock()
	email, pw := tm.email, tm.password
	tm.mu.Unlock()
	if pw == "" {
		if email == "" {
			email = c.cfg.Email
		}
		if email != "" {
			if s, err := c.store.Load(c.serverID, email); err == nil && s.Password != "" {
				pw = s.Password
			} else if c.cfg.Password != "" && email == c.cfg.Email {
				pw = c.cfg.Password
			}
		}
		if pw == "" {
			return "", &UnauthenticatedError{}
		}
		tm.mu.Lock()
		tm.email, tm.password = email, pw
		tm.mu.Unlock()
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+pw)), nil
}
