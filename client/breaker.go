package client

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerState is the circuit breaker's state, for the TUI's status bar.
type BreakerState string

// The breaker's states.
const (
	BreakerClosed   BreakerState = "closed"    // calls go through
	BreakerOpen     BreakerState = "open"      // calls fail fast with UnavailableError{Reason: ReasonBreakerOpen}
	BreakerHalfOpen BreakerState = "half-open" // a few probe calls go through
)

// Breaker tuning: it opens for breakerOpenFor, then lets breakerProbes calls
// through; that many successes close it, one failure opens it again.
const (
	breakerOpenFor = 5 * time.Second
	breakerProbes  = 3
)

// BreakerState returns the circuit breaker's state now.
func (c *Client) BreakerState() BreakerState {
	switch c.breaker.State() {
	case gobreaker.StateOpen:
		return BreakerOpen
	case gobreaker.StateHalfOpen:
		return BreakerHalfOpen
	}
	return BreakerClosed
}

// errBreakerCounted marks an answer the breaker counts as a failure (5xx);
// the answer itself still goes back to the caller.
var errBreakerCounted = errors.New("client: service failure")

// newBreaker counts timeouts, connection failures and 5xx answers (the
// attempt returns an error for those and only those), never a 4xx, and never
// a call the caller cancelled.
func newBreaker(threshold int, openFor time.Duration, log *slog.Logger) *gobreaker.CircuitBreaker[*response] {
	if openFor <= 0 {
		openFor = breakerOpenFor
	}
	return gobreaker.NewCircuitBreaker[*response](gobreaker.Settings{
		Name:        "accounting",
		MaxRequests: breakerProbes,
		Timeout:     openFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= uint32(threshold) },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			log.Warn("circuit breaker", "from", from.String(), "to", to.String())
		},
	})
}
