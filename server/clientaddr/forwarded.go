package clientaddr

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind a load balancer every request comes from the balancer's address, so limits per address
// would count all clients as one. Forwarded trusts X-Forwarded-For from the proxies named, and
// from them only: a request whose peer is a trusted proxy is named by the right-most address of
// X-Forwarded-For that is not itself a trusted proxy (each proxy appends the peer it saw; the
// entries left of the first untrusted one could have been written by the client). A request from
// anyone else is named by its peer, whatever headers it carries. Without trusted proxies it is
// Host.

// ParsePrefixes reads proxies as CIDR prefixes or single addresses ("10.0.0.0/8",
// "192.0.2.10").
func ParsePrefixes(proxies []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range proxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.Contains(p, "/") {
			pf, err := netip.ParsePrefix(p)
			if err != nil {
				return nil, err
			}
			out = append(out, pf.Masked())
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return nil, err
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Forwarded returns a ClientAddr that trusts X-Forwarded-For from the trusted proxies only.
func Forwarded(trusted []netip.Prefix) func(*http.Request) string {
	if len(trusted) == 0 {
		return Host
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer, ok := addrOf(r.RemoteAddr)
		if !ok || !isTrusted(peer) {
			return Host(r)
		}
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(h, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed entry: what is left of it cannot be trusted either
			}
			if !isTrusted(a) {
				return name(a)
			}
		}
		return Host(r) // only proxies, or nothing usable: the proxy itself
	}
}

func addrOf(remote string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	return a, err == nil
}

// name is Host's naming of an address: IPv4 as is, IPv6 as its /64.
func name(a netip.Addr) string {
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.Addr().String() + "/64"
}
