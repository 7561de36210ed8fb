package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// maxResponseBytes bounds a response body (the compatible layer's unpaged
// GET /transactions can be long).
const maxResponseBytes = 64 << 20

// newTransport is the one pooled transport of a client: keep-alive, PoolSize
// idle connections per host. With the CONNECTION_POOLING flag off every
// request opens its own connection.
func newTransport(cfg Config, tlsConfig *tls.Config) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSClientConfig:       tlsConfig,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(cfg.PoolSize, 1) * 2,
		MaxIdleConnsPerHost:   max(cfg.PoolSize, 1),
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableKeepAlives:     !cfg.ConnectionPooling,
	}
}

// attemptTimeout is the deadline of one attempt. The call's deadline
// (cfg.Timeout) covers its retries too, so with retries on an attempt gets a
// third of it: a hung connection still leaves time to try again.
func attemptTimeout(cfg Config) time.Duration {
	if cfg.EnhancedRetry && cfg.MaxRetries > 0 {
		return cfg.Timeout / 3
	}
	return cfg.Timeout
}

// newLimiter paces requests at perMinute, with a burst of ten seconds' worth
// (at least 1) so that a screen's few start-up calls go out at once.
func newLimiter(perMinute int) *rate.Limiter {
	return rate.NewLimiter(rate.Every(time.Minute/time.Duration(perMinute)), max(1, perMinute/6))
}

type authMode int

const (
	authNone authMode = iota // public endpoint
	authUser                 // the signed-in user: Bearer, or Basic in legacy mode
)

// call is one logical request; its retries share everything here, the
// idempotency key included.
type call struct {
	method string
	path   string
	query  url.Values
	body   any // marshalled as JSON; nil for none
	auth   authMode
	// idemKey is sent as Idempotency-Key. A POST with a key is retried like a
	// GET; a POST without one is never retried.
	idemKey string
	// authz is an explicit Authorization header (logout with the token in
	// hand, a legacy sign-in); it replaces the session's.
	authz string
	// recipient and needed fill in typed errors (unknown recipient, funds).
	recipient string
	needed    money.Micros
}

// idPath is the path of an endpoint with an id inside it: prefix, the id escaped as one segment
// (an id holding "/" or "?" stays one id of that endpoint), then suffix. Every id a call puts in
// its path goes through it.
func idPath(prefix, id, suffix string) string { return prefix + url.PathEscape(id) + suffix }

// do runs a call and decodes a 2xx body into out (nil: discard). On 401 with
// a bearer token it refreshes once and tries once more.
func (c *Client) do(ctx context.Context, cl *call, out any) error {
	r, err := c.doRaw(ctx, cl)
	if err != nil {
		return err
	}
	return jsonDecode(r, out)
}

// jsonDecode reads a 2xx body into out (nil: discard); a body that is not
// what the contract says is a ServerError.
func jsonDecode(r *response, out any) error {
	if out == nil || len(r.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		return &ServerError{Status: r.status, RequestID: r.header.Get(api.HeaderRequestID)}
	}
	return nil
}

func (c *Client) doRaw(ctx context.Context, cl *call) (*response, error) {
	if c.closed.Load() {
		return nil, errors.New("client: closed")
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body []byte
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, fmt.Errorf("client: encode request: %w", err)
		}
		body = b
	}
	authz, token, err := c.authorization(ctx, cl)
	if err != nil {
		return nil, err
	}
	r, err := c.send(ctx, cl, body, authz)
	if err == nil && r.status == http.StatusUnauthorized && token != "" {
		// The token was refused (revoked, or the service restarted with new
		// keys): one refresh, one more try.
		if token, err = c.tokens.refreshAfter401(ctx, token); err != nil {
			return nil, err
		}
		r, err = c.send(ctx, cl, body, "Bearer "+token)
	}
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		err := errorFrom(r, cl.recipient, cl.needed)
		if authz == "Bearer "+c.cfg.APIKey && c.cfg.APIKey != "" {
			err = markAPIKey(err)
		}
		return r, err
	}
	return r, nil
}

// authorization is the Authorization header of a call, and the access token
// in it (empty for Basic or none).
func (c *Client) authorization(ctx context.Context, cl *call) (header, token string, err error) {
	switch {
	case cl.authz != "":
		return cl.authz, "", nil
	case cl.auth == authNone:
		return "", "", nil
	case c.cfg.APIKey != "":
		// An API key is the credential itself: no token to refresh on a 401 (the key was
		// revoked or expired, and only its owner can make another).
		return "Bearer " + c.cfg.APIKey, "", nil
	}
	if !c.Legacy() {
		tok, err := c.AccessToken(ctx)
		if err == nil {
			return "Bearer " + tok, tok, nil
		}
		if !c.Legacy() { // unless signing in just found a compatible-only service
			return "", "", err
		}
	}
	h, err := c.tokens.basic()
	return h, "", err
}

// attemptError is how one failed attempt reports to the retry loop: an
// answer worth retrying (resp set) or a transport failure (err set).
type attemptError struct {
	resp *response
	err  error
}

func (e *attemptError) Error() string {
	if e.resp != nil {
		return fmt.Sprintf("HTTP %d", e.resp.status)
	}
	return e.err.Error()
}

func (e *attemptError) Unwrap() error { return e.err }

// send runs the attempts of a call under backoff.Retry. Only GETs and POSTs
// with an idempotency key are retried, and only with the EnhancedRetry flag.
func (c *Client) send(ctx context.Context, cl *call, body []byte, authz string) (*response, error) {
	retryable := c.cfg.EnhancedRetry && c.cfg.MaxRetries > 0 &&
		(cl.method == http.MethodGet || cl.idemKey != "")
	tries := uint(1)
	if retryable {
		tries += uint(c.cfg.MaxRetries)
	}
	c.budget.deposit()
	bo := newJitterBackOff(ctx, c.cfg.RetryBackoff, c.budget)
	attempt := 0
	r, err := backoff.Retry(ctx, func() (*response, error) {
		attempt++
		r, err := c.attemptOnce(ctx, cl, body, authz)
		if err != nil {
			var ae *attemptError
			if !retryable || !errors.As(err, &ae) {
				return nil, backoff.Permanent(err)
			}
			c.log.Debug("retrying", "method", cl.method, "path", cl.path, "attempt", attempt, "error", err.Error())
			return nil, err
		}
		if retryable && (retryableStatus(r.status) || inProgress(r)) {
			bo.hint = retryAfter(r.header)
			c.log.Debug("retrying", "method", cl.method, "path", cl.path, "attempt", attempt, "status", r.status)
			return nil, &attemptError{resp: r}
		}
		return r, nil
	}, backoff.WithBackOff(bo), backoff.WithMaxTries(tries), backoff.WithMaxElapsedTime(0))
	if err == nil {
		return r, nil
	}
	var ae *attemptError
	if errors.As(err, &ae) && ae.resp != nil {
		return ae.resp, nil // the last answer, mapped to a typed error by the caller
	}
	return nil, c.transportError(ctx, err)
}

// inProgress: the first request with this key is still running; a POST with
// the same key may ask again.
func inProgress(r *response) bool {
	if r.status != http.StatusConflict {
		return false
	}
	var ae api.Error
	return json.Unmarshal(r.body, &ae) == nil && ae.Code == api.CodeIdempotencyInProgress
}

// attemptOnce waits for the rate limiter, then sends one request through the
// breaker. It returns an *attemptError for failures worth retrying, and a
// typed error for those that are not.
func (c *Client) attemptOnce(ctx context.Context, cl *call, body []byte, authz string) (*response, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	r, err := c.breaker.Execute(func() (*response, error) {
		r, err := c.roundTrip(ctx, cl, body, authz)
		if err != nil {
			return nil, err
		}
		if r.status >= 500 {
			return r, errBreakerCounted
		}
		return r, nil
	})
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return nil, &UnavailableError{Reason: ReasonBreakerOpen, RetryAfter: breakerOpenFor, cause: err}
	case errors.Is(err, errBreakerCounted):
		return r, nil
	case err != nil:
		return nil, &attemptError{err: err}
	}
	return r, nil
}

// roundTrip is one HTTP exchange under the attempt deadline, body read whole.
func (c *Client) roundTrip(ctx context.Context, cl *call, body []byte, authz string) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, c.attempt)
	defer cancel()
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u, rd)
	if err != nil {
		return nil, backoff.Permanent(fmt.Errorf("client: build request: %w", err))
	}
	req.Header.Set("User-Agent", "syftwallet/"+Version)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if cl.idemKey != "" {
		req.Header.Set(api.HeaderIdempotencyKey, cl.idemKey)
	}
	start := time.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		return nil, err
	}
	c.log.Debug("request", "method", cl.method, "path", cl.path, "status", res.StatusCode,
		"duration", time.Since(start), "requestId", res.Header.Get(api.HeaderRequestID))
	return &response{status: res.StatusCode, header: res.Header, body: b}, nil
}

// wait takes a token from the rate limiter, waiting as long as the context
// allows; when the wait would outlast the deadline it fails at once.
func (c *Client) wait(ctx context.Context) error {
	res := c.limiter.Reserve()
	d := res.Delay()
	if d == 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		res.Cancel()
		return &RateLimitedError{RetryAfter: d, Local: true}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		res.Cancel()
		return c.transportError(ctx, ctx.Err())
	}
}

// transportError turns what ended a call without an answer into a typed
// error: the caller's cancellation stays context.Canceled; a deadline is a
// timeout; anything else from the network is offline.
func (c *Client) transportError(ctx context.Context, err error) error {
	var unavailable *UnavailableError
	var limited *RateLimitedError
	if errors.As(err, &unavailable) || errors.As(err, &limited) {
		return err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) || (ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled)):
		return fmt.Errorf("client: %w", context.Canceled)
	case errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil, errors.As(err, &ne) && ne.Timeout():
		return &UnavailableError{Reason: ReasonTimeout, cause: context.DeadlineExceeded}
	}
	return &UnavailableError{Reason: ReasonOffline, cause: err}
}
