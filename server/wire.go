package server

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// net/http answers a few requests by itself, before any handler runs: a malformed request line
// or header (400), headers over MaxHeaderBytes (431), an unknown transfer coding (501), another
// HTTP version (505), an Expect other than 100-continue (417). It writes those straight to the
// connection, as text/plain (417 with no body), with no way to change them. The contract says
// every response is JSON with X-Request-Id, so the service's connections turn exactly those
// answers into the contract's error body; nothing else they carry is touched.

// netHTTPErrorHeaders is what follows the status line of net/http's own error answers
// (net/http/server.go, conn.serve).
const netHTTPErrorHeaders = "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

var expectationFailed = []byte("HTTP/1.1 417 Expectation Failed\r\n")

// jsonRefusals wraps ln so that net/http's own error answers go out as JSON.
func jsonRefusals(ln net.Listener) net.Listener { return refusalListener{ln} }

type refusalListener struct{ net.Listener }

func (l refusalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &refusalConn{Conn: c}, nil
}

type refusalConn struct{ net.Conn }

// CloseWrite lets net/http half-close a TCP connection after a 431, as it does unwrapped.
func (c *refusalConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Write passes b on, unless it is one of net/http's own error answers (each is written whole,
// in one call, as the last thing on the connection): then the JSON form goes instead.
func (c *refusalConn) Write(b []byte) (int, error) {
	if status, ok := netHTTPError(b); ok {
		if _, err := c.Conn.Write(jsonRefusal(status)); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// netHTTPError reports whether b is an error answer net/http wrote by itself, and its status.
func netHTTPError(b []byte) (int, bool) {
	const proto = "HTTP/1.1 "
	if len(b) < len(proto)+3 || !bytes.HasPrefix(b, []byte(proto)) || b[len(proto)] < '4' {
		return 0, false
	}
	if bytes.HasPrefix(b, expectationFailed) {
		return http.StatusExpectationFailed, true
	}
	eol := bytes.Index(b, []byte("\r\n"))
	if eol < 0 || !bytes.HasPrefix(b[eol+2:], []byte(netHTTPErrorHeaders)) {
		return 0, false
	}
	status, err := strconv.Atoi(string(b[len(proto) : len(proto)+3]))
	if err != nil {
		return 0, false
	}
	return status, true
}

// jsonRefusal is the whole answer for status, as the contract writes errors.
func jsonRefusal(status int) []byte {
	e := &api.Error{Code: api.CodeInvalidRequest, Message: "This is not a valid HTTP/1.1 request."}
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		e = &api.Error{Code: api.CodeTooLarge, Message: "The request's headers are too large (at most 64 KiB)."}
	case http.StatusNotImplemented:
		e.Message = "This service does not accept that Transfer-Encoding: send the body as is, or chunked."
	case http.StatusHTTPVersionNotSupported:
		e.Message = "This service speaks HTTP/1.1."
	case http.StatusExpectationFailed:
		e.Message = "This service accepts only Expect: 100-continue."
	}
	body := render(e)
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"+
		"X-Content-Type-Options: nosniff\r\n%s: %s\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), api.HeaderRequestID, auth.NewID(), len(body), body)
}
