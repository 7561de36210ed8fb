package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestFailureLimiterBlocksGuessing(t *testing.T) {
	clk := newClock()
	l := NewFailureLimiter(10, 10, clk.Now)
	key := "acct:alice@example.com"
	for i := range 10 {
		if ok, _ := l.Check(key); !ok {
			t.Fatalf("limited after %d failures; burst is 10", i)
		}
		l.Fail(key)
	}
	ok, retry := l.Check(key)
	if ok {
		t.Fatal("11th attempt allowed after 10 failures at once")
	}
	if retry <= 5*time.Second || retry > 6*time.Second {
		t.Errorf("retryAfter %v; want about 6s (10 per minute)", retry)
	}
	// Check does not spend: asking again changes nothing.
	for range 100 {
		l.Check(key)
	}
	clk.Advance(retry)
	if ok, _ := l.Check(key); !ok {
		t.Fatal("still limited after retryAfter")
	}
	if ok, _ := l.Check("acct:bob@example.com"); !ok {
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
		if ok, _ := l.Check("ip:192.0.2.7"); ok {
			l.Fail("ip:192.0.2.7")
			guesses++
		}
		clk.Advance(100 * time.Millisecond)
	}
	if guesses > 21 || guesses < 19 {
		t.Fatalf("%d guesses in a minute; want about 20", guesses)
	}
}

func TestFailureLimiterCheckDoesNotSpend(t *testing.T) {
	l := NewFailureLimiter(10, 3, newClock().Now)
	for range 1000 {
		if ok, _ := l.Check("acct:a@example.com"); !ok {
			t.Fatal("correct sign-ins (Check without Fail) got limited")
		}
		l.Succeed("acct:a@example.com")
	}
	l.Fail("k")
	l.Fail("k")
	for range 100 {
		if ok, _ := l.Check("k"); !ok {
			t.Fatal("Check spent a token")
		}
	}
	l.Fail("k")
	if ok, _ := l.Check("k"); ok {
		t.Fatal("not limited after burst failures")
	}
	l.Succeed("k")
	if ok, _ := l.Check("k"); !ok {
		t.Fatal("Succeed did not reset")
	}
}

func TestFailureLimiterBoundedMemory(t *testing.T) {
	clk := newClock()
	l := NewFailureLimiter(10, 10, clk.Now)
	for i := range 100 {
		l.Fail(fmt.Sprintf("ip:%d", i))
	}
	if l.Len() != 100 {
		t.Fatalf("Len = %d", l.Len())
	}
	clk.Advance(30 * time.Second) // not refilled yet: kept
	l.Fail("ip:new")
	if l.Len() != 101 {
		t.Fatalf("entries swept before they refilled: Len = %d", l.Len())
	}
	clk.Advance(31 * time.Second) // first 100 idle > 1 min: refilled
	l.Fail("ip:newer")
	if l.Len() != 2 {
		t.Fatalf("idle entries not swept: Len = %d", l.Len())
	}

	l.maxEntries = 50
	for i := range 500 {
		l.Fail(fmt.Sprintf("spray:%d", i))
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
				l.Check(key)
				l.Fail(key)
				if g == 0 && i%20 == 0 {
					l.Succeed(key)
					clk.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	if ok, _ := l.Check("k1"); ok {
		t.Error("1600 failures on 5 keys left k1 unlimited")
	}
}
