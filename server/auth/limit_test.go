package auth

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/testkit"
)

var bg = context.Background()

func take(t *testing.T, l *FailureLimiter, key string) Taken {
	t.Helper()
	tk, err := l.Take(bg, key)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestFailureLimiterBlocksGuessing(t *testing.T) {
	clk := newClock()
	l := NewFailureLimiter(10, 10, clk.Now)
	key := "acct:alice@example.com"
	for i := range 10 {
		tk := take(t, l, key)
		if !tk.OK {
			t.Fatalf("limited after %d failures; burst is 10", i)
		}
		if tk.Whole != (i == 0) {
			t.Fatalf("take %d: Whole %v", i, tk.Whole)
		}
	}
	tk := take(t, l, key)
	if tk.OK {
		t.Fatal("11th attempt allowed after 10 failures at once")
	}
	if tk.RetryAfter <= 5*time.Second || tk.RetryAfter > 6*time.Second {
		t.Errorf("RetryAfter %v; want about 6s (10 per minute)", tk.RetryAfter)
	}
	// A refused take spends nothing.
	for range 100 {
		take(t, l, key)
	}
	clk.Advance(tk.RetryAfter)
	if !take(t, l, key).OK {
		t.Fatal("still limited after RetryAfter")
	}
	if tk := take(t, l, "acct:bob@example.com"); !tk.OK || !tk.Whole {
		t.Fatal("another key is limited")
	}
}

// TestFailureLimiterAttackRate: an attacker who guesses whenever allowed gets
// at most burst + perMinute guesses in the first minute.
func TestFailureLimiterAttackRate(t *testing.T) {
	clk := newClock()
	l := NewFailureLimiter(10, 10, clk.Now)
	guesses := 0
	for range 600 { // one try every 100 ms for a minute
		if take(t, l, "ip:192.0.2.7").OK {
			guesses++
		}
		clk.Advance(100 * time.Millisecond)
	}
	if guesses > 21 || guesses < 19 {
		t.Fatalf("%d guesses in a minute; want about 20", guesses)
	}
}

func TestFailureLimiterRefundAndClear(t *testing.T) {
	l := NewFailureLimiter(10, 3, newClock().Now)
	// Right sign-ins take and refund: never limited, and the key stays whole.
	for range 1000 {
		tk := take(t, l, "acct:a@example.com")
		if !tk.OK || !tk.Whole {
			t.Fatalf("correct sign-ins got limited: %+v", tk)
		}
		l.Refund(bg, "acct:a@example.com")
	}
	if l.Len() != 0 {
		t.Fatalf("a refunded key is kept: Len %d", l.Len())
	}
	take(t, l, "k")
	take(t, l, "k")
	take(t, l, "k")
	if take(t, l, "k").OK {
		t.Fatal("not limited after burst failures")
	}
	l.Refund(bg, "k")
	if tk := take(t, l, "k"); !tk.OK || tk.Whole {
		t.Fatalf("after a refund: %+v", tk)
	}
	l.Clear(bg, "k")
	if tk := take(t, l, "k"); !tk.OK || !tk.Whole {
		t.Fatalf("Clear did not reset: %+v", tk)
	}
	// A refund never lifts a key above its burst.
	for range 10 {
		l.Refund(bg, "k")
	}
	for i := range 4 {
		if ok := take(t, l, "k").OK; ok != (i < 3) {
			t.Fatalf("take %d after many refunds: %v", i, ok)
		}
	}
}

// TestFailureLimiterConcurrentTakesNeverExceedBurst: whatever arrives at once,
// at most burst takes succeed.
func TestFailureLimiterConcurrentTakesNeverExceedBurst(t *testing.T) {
	l := NewFailureLimiter(1, 10, newClock().Now)
	var ok atomic.Int64
	testkit.Together(200, func(int) {
		if tk, _ := l.Take(bg, "k"); tk.OK {
			ok.Add(1)
		}
	})
	if ok.Load() != 10 {
		t.Fatalf("%d of 200 concurrent takes succeeded; burst is 10", ok.Load())
	}
}

func TestFailureLimiterBoundedMemory(t *testing.T) {
	clk := newClock()
	l := NewFailureLimiter(10, 10, clk.Now)
	for i := range 100 {
		take(t, l, fmt.Sprintf("ip:%d", i))
	}
	if l.Len() != 100 {
		t.Fatalf("Len = %d", l.Len())
	}
	clk.Advance(3 * time.Second) // half a token back: kept
	take(t, l, "ip:new")
	if l.Len() != 101 {
		t.Fatalf("entries swept before they refilled: Len = %d", l.Len())
	}
	clk.Advance(58 * time.Second) // a refill period since the last sweep, and all full again
	take(t, l, "ip:newer")
	if l.Len() != 1 {
		t.Fatalf("refilled entries not swept: Len = %d", l.Len())
	}

	l.maxEntries = 50
	for i := range 500 {
		take(t, l, fmt.Sprintf("spray:%d", i))
		if l.Len() > 50 {
			t.Fatalf("Len %d over the cap", l.Len())
		}
	}
}

func TestFailureLimiterConcurrent(t *testing.T) {
	clk := newClock()
	l := NewFailureLimiter(10, 10, clk.Now)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				key := fmt.Sprintf("k%d", i%5)
				l.Take(bg, key)
				if g == 0 && i%20 == 0 {
					l.Refund(bg, key)
					l.Clear(bg, key)
					clk.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	if tk := take(t, l, "k1"); tk.OK {
		t.Error("1600 failures on 5 keys left k1 unlimited")
	}
}
