package server

import (
	"context"
	"net/http"
)

// Request limits: how many requests a client address, and a credential (an API key, a sign-in
// session, or an account signing in with Basic), may make, as token buckets (Rate) kept in the
// same kind of Budget as the sign-in limits (limits.go): in memory per instance by default, in a
// shared store when Config.NewBudget is one (serve --redis). Unlike a failure budget, a request's
// token is never given back. They are off unless configured (RequestLimits zero): the sign-in
// limits already bound what guessing costs, and a deployment sizes these to its clients.
//
// The address is counted before anything else is done for the request (except GET /healthz and
// GET /readyz, which load balancers call); the credential once it has been authenticated, before
// the handler runs.

// RequestLimits bound requests per client address and per credential. A zero Rate is no limit.
type RequestLimits struct {
	Address Rate // requests per client address (Config.ClientAddr)
	Key     Rate // requests per credential (see Principal.limitKey)
}

// Budget names of the request limits, for Config.NewBudget.
const (
	budgetRequestsAddress = "requests.address"
	budgetRequestsKey     = "requests.key"
)

type requestLimiters struct {
	address, key Budget // nil: no limit
}

func newRequestLimiters(l RequestLimits, mk func(string, Rate) Budget) requestLimiters {
	var rl requestLimiters
	if l.Address.PerMinute > 0 {
		rl.address = mk(budgetRequestsAddress, l.Address.or(Rate{Burst: l.Address.PerMinute}))
	}
	if l.Key.PerMinute > 0 {
		rl.key = mk(budgetRequestsKey, l.Key.or(Rate{Burst: l.Key.PerMinute}))
	}
	return rl
}

// unlimitedRoutes are never counted against an address: health checks.
var unlimitedRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true}

// allowAddress takes a request token of the client's address for a request to route.
func (s *Server) allowAddress(r *http.Request, route string) error {
	if s.requests.address == nil || unlimitedRoutes[route] {
		return nil
	}
	return s.takeRequest(r.Context(), s.requests.address, s.cfg.ClientAddr(r),
		"Too many requests from this address: try again in ")
}

// limitKey names the credential a request was authenticated with, for the per-credential
// request limit: the API key when there is one, else the sign-in session, else (Basic) the account.
func (p *Principal) limitKey() string {
	if p.APIKey != nil {
		return "key:" + p.APIKey.ID
	}
	if p.SessionID != "" {
		return "session:" + p.SessionID
	}
	return "account:" + p.Account.ID
}

// limited wraps a user handler with the per-credential request limit.
func (s *Server) limited(h userHandler) userHandler {
	if s.requests.key == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, p *Principal) error {
		if err := s.takeRequest(r.Context(), s.requests.key, p.limitKey(),
			"Too many requests with this credential: try again in "); err != nil {
			return err
		}
		return h(w, r, p)
	}
}

// takeRequest takes one token of key's budget: 429 rate_limited with Retry-After when it is
// spent. A budget that fails (it never should: shared budgets fall back by themselves) lets the
// request through and logs it.
func (s *Server) takeRequest(ctx context.Context, b Budget, key, msg string) error {
	t, err := b.Take(ctx, key)
	if err != nil {
		s.log.Warn("rate limit store", "error", err.Error())
		return nil
	}
	if !t.OK {
		return rateLimited(t.RetryAfter, msg+humanWait(t.RetryAfter)+".")
	}
	return nil
}
