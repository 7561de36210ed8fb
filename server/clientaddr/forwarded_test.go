package clientaddr

import (
	"net/http/httptest"
	"testing"
)

func TestForwarded(t *testing.T) {
	trusted, err := ParsePrefixes([]string{"10.0.0.0/8", "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	f := Forwarded(trusted)
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},                 // through the balancer
		{"10.1.2.3:5000", []string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9"},   // the client's own entry is not believed
		{"10.1.2.3:5000", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},       // two proxies
		{"10.1.2.3:5000", []string{"198.51.100.1", "203.0.113.9"}, "203.0.113.9"}, // two header lines
		{"10.1.2.3:5000", []string{"2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::/64"},  // IPv6 as its /64
		{"10.1.2.3:5000", []string{"garbage, 203.0.113.9"}, "203.0.113.9"},        // garbage left of the trusted hop
		{"10.1.2.3:5000", []string{"203.0.113.9, garbage"}, "10.1.2.3"},           // garbage at the trusted hop: the proxy
		{"10.1.2.3:5000", nil, "10.1.2.3"},                                        // no header: the proxy
		{"192.0.2.10:5000", []string{"203.0.113.9"}, "203.0.113.9"},               // a single trusted address
		{"203.0.113.50:5000", []string{"198.51.100.1"}, "203.0.113.50"},           // not a proxy: the header is ignored
		{"[::ffff:10.1.2.3]:5000", []string{"203.0.113.9"}, "203.0.113.9"},        // a mapped proxy address
		{"192.0.2.11:5000", []string{"203.0.113.9"}, "192.0.2.11"},                // next to the trusted address
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, h := range c.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		if got := f(r); got != c.want {
			t.Errorf("%s %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if _, err := ParsePrefixes([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad prefix was accepted")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := Forwarded(nil)(r); got != "10.1.2.3" {
		t.Errorf("without trusted proxies: %s, want the peer", got)
	}
}
