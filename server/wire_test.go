package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// TestNetHTTPRefusalsAreJSON: the requests that net/http answers by itself, before any handler
// runs, get the contract's JSON error with X-Request-Id too, over Serve's real listener; a
// well-formed request on the same kind of connection is untouched, and so is "OPTIONS *".
func TestNetHTTPRefusalsAreJSON(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := e.serveLoopback(ctx)
	t.Cleanup(func() { cancel(); <-done })
	raw := func(req string) (*http.Response, []byte) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%.40q: %v", req, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, b
	}
	cases := []struct {
		name, req string
		status    int
		code      string
	}{
		{"malformed request line", "GARBAGE\r\n\r\n", 400, api.CodeInvalidRequest},
		{"header without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400, api.CodeInvalidRequest},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, api.CodeInvalidRequest},
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", 431, api.CodeTooLarge},
		{"HTTP/2.0 request line", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, api.CodeInvalidRequest},
		{"unknown transfer coding", "POST /auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, api.CodeInvalidRequest},
		{"unknown expectation", "POST /auth/login HTTP/1.1\r\nHost: x\r\nExpect: magic\r\nContent-Length: 2\r\n\r\n{}", 417, api.CodeInvalidRequest},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 404, api.CodeNotFound},
	}
	for _, c := range cases {
		res, b := raw(c.req)
		var ae api.Error
		if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
			json.Unmarshal(b, &ae) != nil || ae.Code != c.code || ae.Message == "" || res.Header.Get(api.HeaderRequestID) == "" {
			t.Errorf("%s: %d %q %q %q; want %d JSON %s with a request id", c.name, res.StatusCode, res.Header.Get("Content-Type"),
				res.Header.Get(api.HeaderRequestID), b, c.status, c.code)
		}
	}
	res, b := raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if res.StatusCode != 200 || string(b) != "{\"status\":\"ok\"}\n" {
		t.Fatalf("healthz through the same listener: %d %q", res.StatusCode, b)
	}
}
