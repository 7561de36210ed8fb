package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/time/rate"
)

// Retry tuning.
const (
	maxBackoff    = 30 * time.Second // cap of the exponential backoff
	maxRetryAfter = 30 * time.Second // cap of a Retry-After the client honours
	retryRatio    = 0.1              // retries stay under 10% of requests...
	retryBalance  = 100              // ...counted over about the last 1000 requests
	floorEvery    = time.Second      // ...plus a floor of one retry a second,
)

// retryBudget is a token bucket that keeps retries under retryRatio of
// requests: each request deposits retryRatio of a token, each retry takes a
// whole one. A small floor (a rate.Limiter of one retry a second, with a
// burst of MaxRetries) lets a lone request use all its retries even when
// little traffic has been deposited.
type retryBudget struct {
	mu      sync.Mutex
	balance float64
	floor   *rate.Limiter
	off     bool // no budget: every allowed retry happens (tests)
}

func newRetryBudget(maxRetries int, off bool) *retryBudget {
	return &retryBudget{floor: rate.NewLimiter(rate.Every(floorEvery), max(maxRetries, 1)), off: off}
}

// deposit records one request.
func (b *retryBudget) deposit() {
	b.mu.Lock()
	b.balance = min(b.balance+retryRatio, retryBalance)
	b.mu.Unlock()
}

// withdraw takes the budget for one retry, or reports that there is none.
func (b *retryBudget) withdraw() bool {
	if b.off {
		return true
	}
	b.mu.Lock()
	if b.balance >= 1 {
		b.balance--
		b.mu.Unlock()
		return true
	}
	b.mu.Unlock()
	return b.floor.Allow()
}

// jitterBackOff is the backoff of one call: capped exponential (base
// RetryBackoff, doubling, at most maxBackoff) with full jitter (a uniform
// wait between zero and the exponential value), unless the last answer said
// Retry-After, which is honoured up to maxRetryAfter. It stops when the
// retry budget is spent or the wait would outlast the call's deadline.
// backoff.Retry runs the loop; this only says how long to wait.
type jitterBackOff struct {
	ctx    context.Context
	exp    *backoff.ExponentialBackOff
	budget *retryBudget
	hint   time.Duration // Retry-After of the last answer, set by the attempt
	now    func() time.Time
}

func newJitterBackOff(ctx context.Context, base time.Duration, budget *retryBudget) *jitterBackOff {
	return &jitterBackOff{
		ctx:    ctx,
		budget: budget,
		now:    time.Now,
		exp: &backoff.ExponentialBackOff{
			InitialInterval: base, Multiplier: 2, MaxInterval: maxBackoff,
			RandomizationFactor: 0, // the jitter is ours: full, not ±factor
		},
	}
}

func (b *jitterBackOff) Reset() { b.exp.Reset() }

func (b *jitterBackOff) NextBackOff() time.Duration {
	d := b.exp.NextBackOff()
	if d > 0 {
		d = rand.N(d + 1)
	}
	if b.hint > 0 {
		d, b.hint = min(b.hint, maxRetryAfter), 0
	}
	if deadline, ok := b.ctx.Deadline(); ok && b.now().Add(d).After(deadline) {
		return backoff.Stop // no time left to wait and try again
	}
	if !b.budget.withdraw() {
		return backoff.Stop
	}
	return d
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return min(time.Duration(s)*time.Second, time.Hour)
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return min(d, time.Hour)
		}
	}
	return 0
}

// retryableStatus: answers worth another attempt of a call that is safe to repeat.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return true
	}
	return false
}
