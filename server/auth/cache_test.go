package auth

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCredentialCache(t *testing.T) {
	clk := newClock()
	c := NewCredentialCache(5*time.Minute, 0, clk.Now)
	c.Put("alice@example.com", "hunter22", "u1", "v1")
	if id, ok := c.Get("alice@example.com", "hunter22", "v1"); !ok || id != "u1" {
		t.Fatalf("Get = %q, %v", id, ok)
	}
	for name, args := range map[string][3]string{
		"wrong password":  {"alice@example.com", "hunter23", "v1"},
		"other email":     {"bob@example.com", "hunter22", "v1"},
		"shifted nul":     {"alice@example.comh", "unter22", "v1"},
		"empty password":  {"alice@example.com", "", "v1"},
		"changed version": {"alice@example.com", "hunter22", "v2"},
	} {
		if _, ok := c.Get(args[0], args[1], args[2]); ok {
			t.Errorf("%s: hit", name)
		}
	}
	// A version change dropped the entry: even the old version misses now.
	if _, ok := c.Get("alice@example.com", "hunter22", "v1"); ok {
		t.Error("entry survived a version change")
	}
}

func TestCredentialCacheExpiry(t *testing.T) {
	clk := newClock()
	c := NewCredentialCache(time.Hour, 0, clk.Now) // clamped to 5 minutes
	c.Put("a@example.com", "pw", "u1", "v")
	clk.Advance(5*time.Minute - time.Second)
	if _, ok := c.Get("a@example.com", "pw", "v"); !ok {
		t.Fatal("miss before the TTL")
	}
	clk.Advance(time.Second)
	if _, ok := c.Get("a@example.com", "pw", "v"); ok {
		t.Fatal("hit after 5 minutes: TTL not clamped")
	}

	short := NewCredentialCache(time.Minute, 0, clk.Now)
	short.Put("a@example.com", "pw", "u1", "v")
	clk.Advance(time.Minute)
	if _, ok := short.Get("a@example.com", "pw", "v"); ok {
		t.Fatal("hit after a 1-minute TTL")
	}
}

func TestCredentialCacheForgetUser(t *testing.T) {
	c := NewCredentialCache(0, 0, newClock().Now)
	c.Put("a@example.com", "pw1", "u1", "v")
	c.Put("a@example.com", "pw2", "u1", "v")
	c.Put("b@example.com", "pw", "u2", "v")
	c.ForgetUser("u1")
	if _, ok := c.Get("a@example.com", "pw1", "v"); ok {
		t.Error("pw1 survived ForgetUser")
	}
	if _, ok := c.Get("a@example.com", "pw2", "v"); ok {
		t.Error("pw2 survived ForgetUser")
	}
	if _, ok := c.Get("b@example.com", "pw", "v"); !ok {
		t.Error("ForgetUser dropped another user")
	}
}

func TestCredentialCacheBounded(t *testing.T) {
	clk := newClock()
	c := NewCredentialCache(time.Minute, 20, clk.Now)
	for i := range 200 {
		c.Put(fmt.Sprintf("u%d@example.com", i), "pw", "u", "v")
		if c.Len() > 20 {
			t.Fatalf("Len %d over the cap", c.Len())
		}
	}
	clk.Advance(2 * time.Minute)
	c.Put("new@example.com", "pw", "u", "v")
	if c.Len() != 1 {
		t.Errorf("expired entries not swept: Len %d", c.Len())
	}
}

func TestCredentialCacheStoresNoPassword(t *testing.T) {
	c := NewCredentialCache(0, 0, nil)
	const pw = "S3cret-Pa55word"
	c.Put("a@example.com", pw, "u1", "v")
	dump := fmt.Sprintf("%#v %v", c.entries, c.entries)
	if strings.Contains(dump, pw) {
		t.Fatal("the password is stored")
	}
	// Keys depend on the per-process key: another cache derives other keys.
	d := NewCredentialCache(0, 0, nil)
	if c.mac("a@example.com", pw) == d.mac("a@example.com", pw) {
		t.Fatal("HMAC key is not random per cache")
	}
}

func TestCredentialCacheConcurrent(t *testing.T) {
	c := NewCredentialCache(0, 50, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				email := fmt.Sprintf("u%d@example.com", i%40)
				c.Put(email, "pw", fmt.Sprint(i%40), "v")
				if id, ok := c.Get(email, "pw", "v"); ok && id != fmt.Sprint(i%40) {
					t.Errorf("wrong user %q for %s", id, email)
				}
				if g == 0 && i%50 == 0 {
					c.ForgetUser(fmt.Sprint(i % 40))
				}
			}
		})
	}
	wg.Wait()
}
