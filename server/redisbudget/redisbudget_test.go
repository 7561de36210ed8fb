package redisbudget_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/server/auth"
	"github.com/syftbox/syftwallet/server/redisbudget"
	"github.com/syftbox/syftwallet/server/redisbudget/redistest"
	"github.com/syftbox/syftwallet/testkit"
)

// instance is one service instance's view of the shared budgets: its own Redis client, its own
// fallback in memory.
type instance struct {
	shared *redisbudget.Shared
	budget redisbudget.Budget
	errors atomic.Int64
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newInstance(t *testing.T, url, prefix string, log *slog.Logger, now func() time.Time) *instance {
	t.Helper()
	// A generous timeout: on a loaded machine a call may take long, and a timeout would fall
	// back (by design), which these tests do not mean to test except through the proxy's cut.
	c, err := redisbudget.Dial(url, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	in := &instance{}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in.shared, err = redisbudget.New(redisbudget.Options{Client: c, Prefix: prefix, Logger: log, Now: now, Timeout: testTimeout,
		OnError: func() { in.errors.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	in.budget = in.shared.Budget("account", 1, 3, auth.NewFailureLimiter(1, 3, now))
	return in
}

const testTimeout = 20 * time.Second

// prefix keeps each test's keys apart in the shared test Redis.
func prefix(t *testing.T) string {
	return "syftwallet-test:" + t.Name() + ":" + time.Now().Format("150405.000000000") + ":"
}

func take(t *testing.T, b redisbudget.Budget, key string) auth.Taken {
	t.Helper()
	tk, err := b.Take(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// One budget, three instances: tokens taken on any of them count for all, a refund on one gives
// a token back to all, and Clear makes the key whole again everywhere.
func TestBudgetSharedByInstances(t *testing.T) {
	url, p := redistest.URL(t), prefix(t)
	ins := []*instance{newInstance(t, url, p, nil, nil), newInstance(t, url, p, nil, nil), newInstance(t, url, p, nil, nil)}
	first := take(t, ins[0].budget, "k")
	if !first.OK || !first.Whole {
		t.Fatalf("first take: %+v, want ok and whole", first)
	}
	for i := 1; i < 3; i++ {
		if tk := take(t, ins[i].budget, "k"); !tk.OK || tk.Whole {
			t.Fatalf("take %d on instance %d: %+v, want ok, not whole", i+1, i, tk)
		}
	}
	refused := take(t, ins[0].budget, "k")
	if refused.OK || refused.RetryAfter < 50*time.Second || refused.RetryAfter > time.Minute {
		t.Fatalf("fourth take: %+v, want refused with about a minute to wait (one token a minute)", refused)
	}
	if err := ins[1].budget.Refund(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	if tk := take(t, ins[2].budget, "k"); !tk.OK {
		t.Fatalf("after a refund on another instance: %+v, want ok", tk)
	}
	if err := ins[2].budget.Clear(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	if tk := take(t, ins[0].budget, "k"); !tk.OK || !tk.Whole {
		t.Fatalf("after clear: %+v, want ok and whole", tk)
	}
	if tk := take(t, ins[0].budget, "other"); !tk.OK || !tk.Whole {
		t.Fatalf("another key: %+v, want its own whole budget", tk)
	}
	for i, in := range ins {
		if n := in.errors.Load(); n != 0 {
			t.Errorf("instance %d: %d Redis errors", i, n)
		}
	}
}

// 60 takes at once over three instances from a budget of 3: exactly 3 succeed.
func TestBudgetBurstIsAtomic(t *testing.T) {
	url, p := redistest.URL(t), prefix(t)
	ins := []*instance{newInstance(t, url, p, nil, nil), newInstance(t, url, p, nil, nil), newInstance(t, url, p, nil, nil)}
	var ok atomic.Int64
	testkit.Together(60, func(i int) {
		tk, err := ins[i%3].budget.Take(context.Background(), "burst")
		if err != nil {
			t.Error(err)
		}
		if tk.OK {
			ok.Add(1)
		}
	})
	for i, in := range ins {
		if n := in.errors.Load(); n != 0 {
			t.Fatalf("instance %d: %d Redis calls failed", i, n)
		}
	}
	if n := ok.Load(); n != 3 {
		t.Fatalf("%d of 60 concurrent takes succeeded, want exactly 3", n)
	}
}

// When Redis goes away the budget answers from its per-instance fallback (never an error, and
// the fallback still limits), says so once, leaves Redis alone for its backoff, and once Redis is
// back the shared budget answers again (said once too), with what it held before.
func TestBudgetFallsBackAndRecovers(t *testing.T) {
	url, p := redistest.URL(t), prefix(t)
	proxy, purl := redistest.NewProxy(t, url)
	var logs testkit.Buffer
	clk := &clock{t: time.Now()}
	in := newInstance(t, purl, p, slog.New(slog.NewTextHandler(&logs, nil)), clk.now)
	other := newInstance(t, url, p, nil, nil) // an instance that keeps its Redis

	if tk := take(t, in.budget, "k"); !tk.OK || !tk.Whole {
		t.Fatalf("before the cut: %+v", tk)
	}
	proxy.Cut()
	var okDuring int
	for range 20 {
		tk, err := in.budget.Take(context.Background(), "k")
		if err != nil {
			t.Fatalf("take while Redis is away: %v (a budget must never fail because of Redis)", err)
		}
		if tk.OK {
			okDuring++
		}
	}
	if okDuring != 3 {
		t.Errorf("while Redis is away: %d of 20 takes succeeded, want the local budget's 3", okDuring)
	}
	if in.shared.Shared() {
		t.Error("Shared() is true while Redis is away")
	}
	if n := in.errors.Load(); n != 1 {
		t.Errorf("%d Redis calls failed during the backoff, want 1 (Redis is left alone after a failure)", n)
	}
	if err := in.budget.Refund(context.Background(), "k"); err != nil {
		t.Fatalf("refund while Redis is away: %v", err)
	}

	proxy.Restore()
	clk.add(2 * time.Second) // past the backoff
	if tk := take(t, in.budget, "k"); !tk.OK || tk.Whole {
		t.Fatalf("after Redis is back: %+v, want ok and not whole (the take before the cut still counts)", tk)
	}
	if !in.shared.Shared() {
		t.Error("Shared() is false after Redis answered again")
	}
	if tk := take(t, other.budget, "k"); !tk.OK {
		t.Fatalf("the other instance: %+v, want its third token", tk)
	}
	if tk := take(t, in.budget, "k"); tk.OK {
		t.Fatalf("fourth shared take: %+v, want refused", tk)
	}
	out := logs.String()
	if n := strings.Count(out, "Redis cannot be reached"); n != 1 {
		t.Errorf("logged the outage %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "Redis answers again"); n != 1 {
		t.Errorf("logged the recovery %d times, want once:\n%s", n, out)
	}
}

// A Redis URL that does not parse is refused; its text is not repeated (it may hold a password).
func TestDialRefusesABadURL(t *testing.T) {
	_, err := redisbudget.Dial("http://user:s3cret@host", 0)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error repeats the URL's password: %v", err)
	}
}
