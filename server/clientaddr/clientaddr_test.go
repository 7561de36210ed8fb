package clientaddr

import (
	"net/http/httptest"
	"testing"
)

func TestHost(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:1234":             "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:80":      "192.0.2.7",
		"garbage":                    "garbage",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		if got := Host(r); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
}
