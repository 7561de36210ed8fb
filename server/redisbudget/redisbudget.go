// Package redisbudget keeps the accounting service's attempt and request budgets (the token
// buckets of server.Budget) in Redis, so that every instance of the service sharing one Redis
// shares one limit: ten wrong passwords spread over three instances lock the account as ten on
// one would.
//
// Each operation is one Lua script, atomic in Redis, on one hash per key ({tokens, at}, with an
// expiry once the bucket would be full again); the clock is Redis's own (TIME), so instances
// whose clocks differ still agree. Redis is never a reason to refuse a request: when it cannot
// be reached (or answers with an error) every budget falls back to its per-instance budget in
// memory, the change is logged once (not once per request), Redis is left alone for a short
// while, then tried again, and once it answers the budgets are shared again (also logged once).
//
// It knows go-redis and the budget shape of server/auth (auth.Taken); it knows nothing of HTTP,
// of what the keys mean, or of the ledger.
package redisbudget

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/syftbox/syftwallet/server/auth"
)

// A Budget is what the service needs of a budget (the method set of server.Budget).
type Budget interface {
	Take(ctx context.Context, key string) (auth.Taken, error)
	Refund(ctx context.Context, key string) error
	Clear(ctx context.Context, key string) error
}

// Options configure a Shared.
type Options struct {
	// Client is the Redis connection (required). Its own retries should be off (MaxRetries -1):
	// a failed call falls back at once instead.
	Client redis.UniversalClient
	Prefix string       // of every key; default "syftwallet:limit:"
	Logger *slog.Logger // default slog.Default()
	// Timeout bounds each Redis call, so that a Redis that hangs costs a request at most this
	// much once per Backoff; default 300 ms.
	Timeout time.Duration
	// Backoff is how long Redis is left alone after a failure before it is tried again; default 1 s.
	Backoff time.Duration
	// OnError is called for each failed Redis call (for a metric); it must not block.
	OnError func()
	Now     func() time.Time // for Backoff only; default time.Now
}

// DefaultPrefix is the prefix of every key this package writes.
const DefaultPrefix = "syftwallet:limit:"

// Shared is the Redis side of every budget of one service instance, and whether Redis answers.
// It is safe for concurrent use.
type Shared struct {
	o Options

	down      atomic.Bool  // the last call failed: budgets are per instance
	nextTry   atomic.Int64 // while down, Unix ns before which Redis is not tried
	logMu     sync.Mutex   // orders the transition logs
	loggedOff bool         // guarded by logMu: the last transition logged was "down"
}

// New returns the Redis side of the budgets. It does not dial; Ping does.
func New(o Options) (*Shared, error) {
	if o.Client == nil {
		return nil, errors.New("redisbudget: no Redis client")
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Shared{o: o}, nil
}

// DefaultTimeout bounds each Redis call of a budget.
const DefaultTimeout = 300 * time.Millisecond

// Dial connects to the Redis at url (redis://[user:password@]host:port[/db], rediss:// for TLS)
// with go-redis's own retries off and each read, write and wait for a connection bounded by
// timeout (DefaultTimeout when 0; a dial by twice that). The caller closes it.
func Dial(url string, timeout time.Duration) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisbudget: the Redis URL is not valid (redis://host:port[/db])")
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opt.MaxRetries = -1
	opt.DialTimeout = 2 * timeout
	opt.ReadTimeout = timeout
	opt.WriteTimeout = timeout
	opt.PoolTimeout = timeout
	return redis.NewClient(opt), nil
}

// Ping reports whether Redis answers now (for readiness). It does not change the fallback state.
func (s *Shared) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	if err := s.o.Client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisbudget: ping: %w", err)
	}
	return nil
}

// Shared reports whether the budgets are shared now: the last call to Redis succeeded.
func (s *Shared) Shared() bool { return !s.down.Load() }

// Budget returns the budget called name: burst tokens per key, refilled at perMinute, kept in
// Redis, or in local (a per-instance budget of the same rate) while Redis cannot be reached.
func (s *Shared) Budget(name string, perMinute, burst int, local Budget) Budget {
	if perMinute < 1 {
		perMinute = 1
	}
	if burst < 1 {
		burst = 1
	}
	return &budget{s: s, prefix: s.o.Prefix + name + ":", local: local,
		burst: strconv.Itoa(burst), perMs: strconv.FormatFloat(float64(perMinute)/60000, 'g', -1, 64)}
}

//go:embed bucket.lua
var bucketLua string

var bucket = redis.NewScript(bucketLua)

type budget struct {
	s      *Shared
	prefix string
	local  Budget
	burst  string // tokens
	perMs  string // tokens per millisecond
}

func (b *budget) Take(ctx context.Context, key string) (auth.Taken, error) {
	if b.s.skip() {
		return b.local.Take(ctx, key)
	}
	res, err := b.run(ctx, "take", key)
	if err != nil {
		return b.local.Take(ctx, key)
	}
	return res, nil
}

func (b *budget) Refund(ctx context.Context, key string) error {
	if b.s.skip() {
		return b.local.Refund(ctx, key)
	}
	if _, err := b.run(ctx, "refund", key); err != nil {
		return b.local.Refund(ctx, key)
	}
	return nil
}

// Clear forgets the key in Redis and in the local budget, so that failures counted while Redis
// was away do not outlive a success either.
func (b *budget) Clear(ctx context.Context, key string) error {
	lerr := b.local.Clear(ctx, key)
	if b.s.skip() {
		return lerr
	}
	cctx, cancel := context.WithTimeout(ctx, b.s.o.Timeout)
	defer cancel()
	err := b.s.o.Client.Del(cctx, b.prefix+key).Err()
	b.s.settle(ctx, err)
	return lerr
}

// run runs the bucket script for op on key. An error means Redis did not answer (the fallback
// state has been updated); the caller falls back.
func (b *budget) run(ctx context.Context, op, key string) (auth.Taken, error) {
	cctx, cancel := context.WithTimeout(ctx, b.s.o.Timeout)
	defer cancel()
	v, err := bucket.Run(cctx, b.s.o.Client, []string{b.prefix + key}, op, b.burst, b.perMs).Int64Slice()
	if err == nil && len(v) != 3 {
		err = errors.New("redisbudget: unexpected script answer")
	}
	b.s.settle(ctx, err)
	if err != nil {
		return auth.Taken{}, err
	}
	return auth.Taken{OK: v[0] == 1, Whole: v[1] == 1, RetryAfter: time.Duration(v[2]) * time.Millisecond}, nil
}

// skip reports whether Redis is to be left alone now (it failed less than Backoff ago).
func (s *Shared) skip() bool {
	return s.down.Load() && s.o.Now().UnixNano() < s.nextTry.Load()
}

// settle records the outcome of a Redis call: a failure marks Redis down for Backoff, a success
// marks it up; each change is logged once. A call cut short by the caller's own context says
// nothing about Redis.
func (s *Shared) settle(ctx context.Context, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	if err != nil {
		if s.o.OnError != nil {
			s.o.OnError()
		}
		s.nextTry.Store(s.o.Now().Add(s.o.Backoff).UnixNano())
		if !s.down.Swap(true) {
			s.transition(true, err)
		}
		return
	}
	if s.down.Swap(false) {
		s.transition(false, nil)
	}
}

func (s *Shared) transition(down bool, err error) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if down == s.loggedOff {
		return // a racing transition already said so
	}
	s.loggedOff = down
	if down {
		s.o.Logger.Warn("Redis cannot be reached: rate limits are per instance until it answers",
			"error", redisError(err))
		return
	}
	s.o.Logger.Info("Redis answers again: rate limits are shared by every instance")
}

// redisError is err's text for the log: go-redis errors name the address and the failure, never
// a password (the URL is not part of them).
func redisError(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
