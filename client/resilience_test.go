package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// proxied returns a service with alice (credited 100) and bob, a fault
// proxy in front of it, and alice's legacy-mode client going through it.
func proxied(t *testing.T, mod func(*Config), opts ...Option) (*svc, *faultProxy, *Client) {
	t.Helper()
	s, _, _ := aliceAndBob(t, true)
	p := newFaultProxy(t, s.URL)
	cfg := testConfigLegacy(t, p.URL())
	if mod != nil {
		mod(&cfg)
	}
	c := newClient(t, cfg, append([]Option{withNoBudget()}, opts...)...)
	if _, err := c.Login(context.Background(), "alice@example.com", testPassword); err != nil {
		t.Fatal(err)
	}
	return s, p, c
}

func withNoBudget() Option { return func(o *options) { o.noBudget = true } }

func withBreakerOpen(d time.Duration) Option { return func(o *options) { o.breakerOpen = d } }

// A dropped answer to a money-moving POST is retried with the same
// Idempotency-Key: the service replays, and the money moves once.
func TestRetryAfterDroppedAnswerPaysOnce(t *testing.T) {
	s, p, c := proxied(t, nil)
	ctx := context.Background()
	p.setRule(firstN(http.MethodPost, "/transaction/create", 2, fault{kind: dropAfter}))
	tx, err := c.Pay(ctx, PayRequest{Recipient: "bob@example.com", Amount: mustMicros(t, "7")})
	if err != nil {
		t.Fatal(err)
	}
	if tx.Status != api.StatusCompleted {
		t.Errorf("status %s", tx.Status)
	}
	if n := p.count("POST /transaction/create"); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if got := s.balance("bob@example.com"); got != mustMicros(t, "7") {
		t.Errorf("bob has %s after one payment of 7 (double payment?)", got)
	}
	if got := s.balance("alice@example.com"); got != mustMicros(t, "93") {
		t.Errorf("alice has %s", got)
	}
	if n := s.count("bob@example.com"); n != 1 {
		t.Errorf("bob has %d transactions, want 1", n)
	}
}

// The same with the enhanced endpoint: POST /payments with a key, its first
// answers dropped, 503 and delayed past the attempt deadline.
func TestRetryPaymentsEndpointPaysOnce(t *testing.T) {
	s, p, c := proxied(t, func(cfg *Config) { cfg.Timeout = 1500 * time.Millisecond })
	ctx := context.Background()
	basic, err := c.tokens.basic()
	if err != nil {
		t.Fatal(err)
	}
	faults := []fault{{kind: dropAfter}, {kind: status, code: 503, retryAfter: "0"}, {kind: delay, wait: 800 * time.Millisecond}}
	p.setRule(func(r *http.Request, n int) fault {
		if r.URL.Path == "/payments" && n < len(faults) {
			return faults[n]
		}
		return fault{}
	})
	c.cfg.MaxRetries = 3
	amount := mustMicros(t, "2.5")
	var out api.TransactionBody
	err = c.do(ctx, &call{method: http.MethodPost, path: "/payments", authz: basic, idemKey: NewIdempotencyKey(),
		body: api.PaymentRequest{RecipientEmail: "bob@example.com", Amount: &amount}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if n := p.count("POST /payments"); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
	// The delayed attempt may still commit after the client gave up on it;
	// wait for the service to settle, then count.
	time.Sleep(time.Second)
	if got := s.balance("bob@example.com"); got != amount {
		t.Errorf("bob has %s, want %s", got, amount)
	}
	if n := s.count("bob@example.com"); n != 1 {
		t.Errorf("bob has %d transactions, want 1", n)
	}
}

// A POST that is not idempotent is sent once, whatever happens.
func TestNonIdempotentPostNotRetried(t *testing.T) {
	_, p, c := proxied(t, nil)
	ctx := context.Background()
	p.setRule(firstN(http.MethodPost, "/token/create", 5, fault{kind: status, code: 503, retryAfter: "0"}))
	_, err := c.CreateTransactionToken(ctx, "bob@example.com")
	var unav *UnavailableError
	if !errors.As(err, &unav) || unav.Reason != ReasonUnavailable {
		t.Errorf("err = %v", err)
	}
	if n := p.count("POST /token/create"); n != 1 {
		t.Errorf("%d attempts of a non-idempotent POST, want 1", n)
	}
	p.setRule(firstN(http.MethodPost, "/transaction/confirm", 5, fault{kind: drop}))
	if _, err := c.Confirm(ctx, "some-id"); !errors.As(err, &unav) || unav.Reason != ReasonOffline {
		t.Errorf("confirm: %v", err)
	}
	if n := p.count("POST /transaction/confirm"); n != 1 {
		t.Errorf("%d attempts of confirm, want 1", n)
	}
}

// GETs are retried through dropped connections and 502/503/504.
func TestRetryGets(t *testing.T) {
	_, p, c := proxied(t, nil)
	faults := []fault{{kind: drop}, {kind: status, code: 502}, {kind: status, code: 504}}
	p.setRule(func(r *http.Request, n int) fault {
		if r.URL.Path == "/user/my-info" && n < len(faults) {
			return faults[n]
		}
		return fault{}
	})
	c.Invalidate()
	if _, err := c.Account(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := p.count("GET /user/my-info"); n != 4 {
		t.Errorf("%d requests, want 4 (3 faults, then success)", n)
	}
	for _, ua := range p.agent {
		if ua != "syftwallet/"+Version {
			t.Errorf("User-Agent %q", ua)
		}
	}
}

// With the EnhancedRetry flag off nothing is retried.
func TestRetryFlagOff(t *testing.T) {
	_, p, c := proxied(t, func(cfg *Config) { cfg.EnhancedRetry = false })
	p.setRule(firstN(http.MethodGet, "/transactions", 1, fault{kind: status, code: 503}))
	if _, err := c.History(context.Background(), HistoryQuery{}); Code(err) != api.CodeUnavailable {
		t.Errorf("err = %v", err)
	}
	if n := p.count("GET /transactions"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A 429 waits for Retry-After, then succeeds.
func TestRetryAfter429(t *testing.T) {
	_, p, c := proxied(t, nil)
	p.setRule(firstN(http.MethodGet, "/transactions", 1, fault{kind: status, code: 429, retryAfter: "1"}))
	start := time.Now()
	if _, err := c.History(context.Background(), HistoryQuery{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %s, before Retry-After: 1", d)
	}
	// A Retry-After beyond the call's deadline is not waited for: the
	// caller gets RateLimitedError at once.
	c.cfg.Timeout = 2 * time.Second
	p.setRule(firstN(http.MethodGet, "/transactions", 2, fault{kind: status, code: 429, retryAfter: "20"}))
	start = time.Now()
	_, err := c.History(context.Background(), HistoryQuery{})
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 20*time.Second {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %s for a Retry-After past the deadline", d)
	}
}

// The breaker counts 5xx, timeouts and connection failures, not 4xx; it
// opens after the threshold, fails fast, probes after its open period and
// closes again.
func TestBreakerOpensAndRecovers(t *testing.T) {
	_, p, c := proxied(t, func(cfg *Config) { cfg.EnhancedRetry = false; cfg.BreakerThreshold = 3 },
		withBreakerOpen(300*time.Millisecond))
	ctx := context.Background()
	// 4xx never trips it.
	for range 5 {
		if _, err := c.Payment(ctx, "missing"); Code(err) != api.CodeNotFound {
			t.Fatalf("err = %v", err)
		}
	}
	if st := c.BreakerState(); st != BreakerClosed {
		t.Fatalf("breaker %s after 4xx", st)
	}
	p.setRule(func(r *http.Request, n int) fault {
		if r.URL.Path == "/transactions" {
			return fault{kind: status, code: 500}
		}
		return fault{}
	})
	for i := range 3 {
		var srv *ServerError
		if _, err := c.History(ctx, HistoryQuery{}); !errors.As(err, &srv) || srv.Status != 500 {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if st := c.BreakerState(); st != BreakerOpen {
		t.Fatalf("breaker %s after 3 failures", st)
	}
	before := p.count("GET /transactions")
	start := time.Now()
	_, err := c.History(ctx, HistoryQuery{})
	var unav *UnavailableError
	if !errors.As(err, &unav) || unav.Reason != ReasonBreakerOpen {
		t.Fatalf("open breaker: %v", err)
	}
	// Failing fast: no request reaches the service, and no backoff or timeout is waited for
	// (generous bound: the machine is shared).
	if p.count("GET /transactions") != before || time.Since(start) > 500*time.Millisecond {
		t.Error("an open breaker let a call through or did not fail fast")
	}
	p.setRule(nil)
	time.Sleep(350 * time.Millisecond)
	if st := c.BreakerState(); st != BreakerHalfOpen {
		t.Fatalf("breaker %s after its open period", st)
	}
	for range breakerProbes {
		if _, err := c.History(ctx, HistoryQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.BreakerState(); st != BreakerClosed {
		t.Errorf("breaker %s after successful probes", st)
	}
}

// A hung attempt times out and is retried within the call's deadline; a
// service that never answers is a timeout.
func TestTimeouts(t *testing.T) {
	_, p, c := proxied(t, func(cfg *Config) { cfg.Timeout = 900 * time.Millisecond })
	ctx := context.Background()
	p.setRule(firstN(http.MethodGet, "/transactions", 1, fault{kind: delay, wait: 2 * time.Second}))
	if _, err := c.History(ctx, HistoryQuery{}); err != nil {
		t.Fatalf("retry after a hung attempt: %v", err)
	}
	p.setRule(firstN(http.MethodGet, "/transactions", 10, fault{kind: delay, wait: 2 * time.Second}))
	start := time.Now()
	_, err := c.History(ctx, HistoryQuery{})
	var unav *UnavailableError
	if !errors.As(err, &unav) || unav.Reason != ReasonTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("call took %s with a 900ms deadline", d)
	}
	// The caller's own cancellation stays a cancellation.
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := c.History(cctx, HistoryQuery{}); !errors.Is(err, context.Canceled) || Code(err) != "canceled" {
		t.Errorf("cancelled: %v", err)
	}
}

// A service that is not there is offline.
func TestOffline(t *testing.T) {
	cfg := testConfig(t, "http://127.0.0.1:1")
	cfg.Legacy, cfg.Email, cfg.Password = true, "a@example.com", "whatever-password"
	c := newClient(t, cfg)
	_, err := c.Account(context.Background())
	var unav *UnavailableError
	if !errors.As(err, &unav) || unav.Reason != ReasonOffline {
		t.Errorf("err = %v", err)
	}
	if strings.Contains(err.Error(), "whatever-password") || strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error shows internals: %q", err)
	}
}

func TestRetryBudget(t *testing.T) {
	b := newRetryBudget(3, false)
	for range 25 { // 2.5 tokens
		b.deposit()
	}
	n := 0
	for b.withdraw() {
		n++
		if n > 100 {
			break
		}
	}
	if n != 2+3 { // two from the deposits, three from the floor's burst
		t.Errorf("%d retries allowed, want 5", n)
	}
	// Under steady traffic retries stay under 10% plus the floor.
	b = newRetryBudget(3, false)
	allowed := 0
	for range 1000 {
		b.deposit()
		if b.withdraw() {
			allowed++
		}
	}
	if allowed > 100+3+2 {
		t.Errorf("%d retries for 1000 requests", allowed)
	}
}

func TestJitterBackOff(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := newJitterBackOff(ctx, 100*time.Millisecond, newRetryBudget(100, true))
	b.Reset()
	for i, ceiling := range []time.Duration{100, 200, 400, 800} {
		d := b.NextBackOff()
		if d < 0 || d > ceiling*time.Millisecond {
			t.Errorf("retry %d waits %s, want 0..%dms", i, d, ceiling)
		}
	}
	b.hint = time.Hour
	if d := b.NextBackOff(); d != maxRetryAfter {
		t.Errorf("Retry-After not capped: %s", d)
	}
	h := http.Header{}
	h.Set("Retry-After", "3")
	if d := retryAfter(h); d != 3*time.Second {
		t.Errorf("retryAfter = %s", d)
	}
	h.Set("Retry-After", time.Now().Add(10*time.Second).UTC().Format(http.TimeFormat))
	if d := retryAfter(h); d < 8*time.Second || d > 10*time.Second {
		t.Errorf("retryAfter(date) = %s", d)
	}
}

// The rate limiter waits within the deadline and refuses beyond it.
func TestRateLimiter(t *testing.T) {
	_, _, c := proxied(t, func(cfg *Config) { cfg.RateLimitPerMinute = 60; cfg.CachingEnabled = false })
	ctx := context.Background()
	// The burst (10) minus the login's call.
	for range 9 {
		if _, err := c.Account(ctx); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if _, err := c.Account(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("11th call within the minute went out after %s", d)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err := c.History(short, HistoryQuery{})
	var rl *RateLimitedError
	if !errors.As(err, &rl) || !rl.Local {
		t.Errorf("err = %v", err)
	}
}

func TestErrorMapping(t *testing.T) {
	hdr := http.Header{}
	hdr.Set("Retry-After", "7")
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{401, `{"code":"unauthenticated"}`, api.CodeUnauthenticated},
		{403, `{"code":"mfa_required"}`, api.CodeMFARequired},
		{403, `{"code":"forbidden"}`, api.CodeForbidden},
		{402, `{"code":"insufficient_funds"}`, api.CodeInsufficientFunds},
		{400, `{"code":"invalid_request","field":"recipientEmail"}`, "unknown_recipient"},
		{400, `{"code":"invalid_request","field":"payments[3].recipientEmail"}`, "unknown_recipient"},
		{400, `{"code":"invalid_request","field":"amount","message":"An amount may have at most 6 decimal places."}`, api.CodeInvalidRequest},
		{400, `{"code":"unsupported_currency","field":"currency"}`, api.CodeUnsupportedCurrency},
		{413, `{"code":"too_large"}`, api.CodeTooLarge},
		{404, `{"code":"not_found"}`, api.CodeNotFound},
		{409, `{"code":"conflict"}`, api.CodeConflict},
		{409, `{"code":"account_exists"}`, api.CodeAccountExists},
		{409, `{"code":"idempotency_in_progress"}`, api.CodeIdempotencyInProgress},
		{422, `{"code":"idempotency_key_reused"}`, api.CodeIdempotencyKeyReused},
		{429, `{"code":"rate_limited"}`, api.CodeRateLimited},
		{503, `not json at all`, api.CodeUnavailable},
		{500, `{"message":"panic: SELECT * FROM secrets /etc/passwd"}`, api.CodeInternal},
	}
	for _, tc := range cases {
		err := errorFrom(&response{status: tc.status, header: hdr, body: []byte(tc.body)}, "x@example.com", 5)
		if got := Code(err); got != tc.want {
			t.Errorf("%d %s: code %s, want %s", tc.status, tc.body, got, tc.want)
		}
		if strings.Contains(err.Error(), "SELECT") || err.Error() == "" {
			t.Errorf("%d: message %q", tc.status, err)
		}
	}
	var rl *RateLimitedError
	if err := errorFrom(&response{status: 429, header: hdr}, "", 0); !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("429: %v", err)
	}
	var val *ValidationError
	if err := errorFrom(&response{status: 400, header: hdr, body: []byte(`{"code":"invalid_request","field":"amount","message":"An amount may have at most 6 decimal places."}`)}, "", 0); !errors.As(err, &val) || val.Field != "amount" || val.Error() != "An amount may have at most 6 decimal places." {
		t.Errorf("validation: %v", err)
	}
	funds := &InsufficientFundsError{Available: money.Micros(1_500_000), Needed: money.Micros(2_000_000)}
	if funds.Error() != "Insufficient funds: 1.50 is available and this needs 2.00." {
		t.Errorf("funds: %q", funds)
	}
}

// TestCodeOfEveryError: Code gives each typed error its wire code, bare or wrapped, and the
// fall-backs for a cancelled context and an error of no type of ours.
func TestCodeOfEveryError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{&UnauthenticatedError{}, api.CodeUnauthenticated},
		{&UnauthenticatedError{BadCredentials: true}, api.CodeUnauthenticated},
		{&MFARequiredError{}, api.CodeMFARequired},
		{&ForbiddenError{Scope: api.ScopePay}, api.CodeForbidden},
		{&InsufficientFundsError{Available: -1}, api.CodeInsufficientFunds},
		{&SpendLimitError{Remaining: -1}, api.CodeSpendLimitExceeded},
		{&UnknownRecipientError{Email: "x@example.com"}, "unknown_recipient"},
		{&ValidationError{Field: "amount"}, api.CodeInvalidRequest},
		{&ValidationError{code: api.CodeUnsupportedCurrency}, api.CodeUnsupportedCurrency},
		{&NotFoundError{}, api.CodeNotFound},
		{&ConflictError{Code: api.CodeAccountExists}, api.CodeAccountExists},
		{&ConflictError{Code: api.CodeIdempotencyKeyReused}, api.CodeIdempotencyKeyReused},
		{&IdempotencyInProgressError{}, api.CodeIdempotencyInProgress},
		{&RateLimitedError{Local: true}, api.CodeRateLimited},
		{&UnavailableError{Reason: ReasonTimeout, cause: context.DeadlineExceeded}, api.CodeUnavailable},
		{&UnavailableError{Reason: ReasonOffline, cause: context.Canceled}, api.CodeUnavailable},
		{&ServerError{Status: 500}, api.CodeInternal},
		{&UnsupportedError{Feature: "batches"}, "unsupported"},
		{fmt.Errorf("pay: %w", &NotFoundError{}), api.CodeNotFound},
		{&TokenVerificationError{cause: &UnavailableError{}}, api.CodeUnavailable},
		{&TokenVerificationError{cause: fmt.Errorf("bad signature")}, "error"},
		{fmt.Errorf("history: %w", context.Canceled), "canceled"},
		{fmt.Errorf("something else"), "error"},
	} {
		if got := Code(c.err); got != c.want {
			t.Errorf("Code(%#v) = %q, want %q", c.err, got, c.want)
		}
	}
}
