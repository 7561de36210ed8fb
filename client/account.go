package client

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/syftbox/syftwallet/api"
)

// accountCache keeps the account for cfg.CacheTTL (with CachingEnabled).
// Concurrent callers share one fetch. The client's own payments and
// Invalidate (the events feed) drop it; ApplyBalance updates it in place.
// gen counts those changes, so that a fetch that started before one does not
// store what it read.
type accountCache struct {
	sf    singleflight.Group
	mu    sync.Mutex
	user  api.User
	at    time.Time
	valid bool
	gen   uint64
}

func newAccountCache() *accountCache { return &accountCache{} }

func (a *accountCache) get(now time.Time, ttl time.Duration) (api.User, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.valid || now.Sub(a.at) >= ttl {
		return api.User{}, false
	}
	return a.user, true
}

func (a *accountCache) store(u api.User, at time.Time) {
	a.mu.Lock()
	a.user, a.at, a.valid = u, at, true
	a.gen++
	a.mu.Unlock()
}

func (a *accountCache) invalidate() {
	a.mu.Lock()
	a.valid = false
	a.gen++
	a.mu.Unlock()
}

// Account returns the signed-in account: email, balance, available balance,
// currency, MFA flag. It is cached for cfg.CacheTTL when caching is on;
// concurrent callers share one fetch.
func (c *Client) Account(ctx context.Context) (api.User, error) {
	if c.cfg.CachingEnabled {
		if u, ok := c.account.get(c.now(), c.cfg.CacheTTL); ok {
			return u, nil
		}
	}
	ch := c.account.sf.DoChan("account", func() (any, error) {
		if c.cfg.CachingEnabled {
			if u, ok := c.account.get(c.now(), c.cfg.CacheTTL); ok {
				return u, nil // filled while this caller was on its way
			}
		}
		c.account.mu.Lock()
		gen := c.account.gen
		c.account.mu.Unlock()
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
		defer cancel()
		u, err := c.fetchAccount(fctx)
		if err != nil {
			return nil, err
		}
		c.account.mu.Lock()
		if c.account.gen == gen {
			c.account.user, c.account.at, c.account.valid = u, c.now(), true
		}
		c.account.mu.Unlock()
		return u, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return api.User{}, res.Err
		}
		return res.Val.(api.User), nil
	case <-ctx.Done():
		return api.User{}, c.transportError(ctx, ctx.Err())
	}
}

func (c *Client) fetchAccount(ctx context.Context) (api.User, error) {
	path := "/account"
	if c.Legacy() {
		path = "/user/my-info"
	}
	var out api.UserBody
	if err := c.do(ctx, &call{method: http.MethodGet, path: path, auth: authUser}, &out); err != nil {
		return api.User{}, err
	}
	return out.User, nil
}

// Invalidate drops the cached account; the next Account fetches it. The
// events feed calls it on every payment or transaction event.
func (c *Client) Invalidate() { c.account.invalidate() }

// ApplyBalance puts the balances of a balance.updated event into the cached
// account, so the next Account returns them without a fetch. With nothing
// cached it does nothing.
func (c *Client) ApplyBalance(b api.Balance) {
	a := c.account
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.valid {
		return
	}
	a.user.Balance, a.user.AvailableBalance = b.Balance, b.AvailableBalance
	a.at = c.now()
	a.gen++
}

// cachedAvailable is the available balance as cached, if it is.
func (c *Client) cachedAvailable() (api.User, bool) {
	if !c.cfg.CachingEnabled {
		return api.User{}, false
	}
	return c.account.get(c.now(), c.cfg.CacheTTL)
}
