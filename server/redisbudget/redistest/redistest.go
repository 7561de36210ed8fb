// Package redistest gives tests a real Redis: the URL of the one CI started
// (SYFTWALLET_TEST_REDIS), and a TCP proxy in front of it that a test can cut and restore, so
// that "Redis went away" is a real broken connection, not a mock. It is for tests only.
package redistest

import (
	"net/url"
	"os"
	"testing"

	"github.com/syftbox/syftwallet/testkit"
)

// Env is the variable that holds the test Redis's URL (redis://127.0.0.1:PORT).
const Env = "SYFTWALLET_TEST_REDIS"

// URL returns the test Redis's URL, or skips the test with the reason when there is none.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		t.Skip(Env + " is not set: no Redis to test against (.ci/run starts one)")
	}
	return u
}

// Proxy forwards TCP connections to a Redis until Cut, and again after Restore.
type Proxy struct{ p *testkit.Proxy }

// NewProxy starts a proxy on loopback in front of the Redis at redisURL; it is closed when the
// test ends. Its URL is the same as redisURL with the proxy's address.
func NewProxy(t testing.TB, redisURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatalf("redistest: %s: %v", Env, err)
	}
	p := testkit.NewProxy(t, u.Host)
	u.Host = p.Addr()
	return &Proxy{p: p}, u.String()
}

// Cut closes every open connection and refuses new ones, as a Redis that stopped would.
func (p *Proxy) Cut() { p.p.Stop() }

// Restore forwards new connections again, as a Redis that came back would.
func (p *Proxy) Restore() { p.p.Restore() }
