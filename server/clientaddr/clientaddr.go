// Package clientaddr names the client an HTTP request comes from, for the limits that count per
// address (sign-in failures, registrations, live-event connections): the host of RemoteAddr, an
// IPv6 client as its /64, which one machine usually has to itself. X-Forwarded-For is not read by
// Host: it is not trusted; Forwarded reads it from the proxies it is told to trust only.
//
// It knows net/http only: nothing of limits, accounts or the service.
package clientaddr

import (
	"net"
	"net/http"
)

// Host is the client address of r: "192.0.2.7", or "2001:db8:1:2::/64".
func Host(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
