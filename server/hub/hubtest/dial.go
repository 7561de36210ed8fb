package hubtest

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// The client side of an Env (or of any events service): where GET /events is, how tests dial it,
// and how a connection ended.

// EventsURL is the WebSocket URL of GET /events on the service at base (http://host:port), with
// query (without its "?") when there is one.
func EventsURL(base, query string) string {
	u := "ws" + strings.TrimPrefix(base, "http") + "/events"
	if query != "" {
		u += "?" + query
	}
	return u
}

// Dialer is a WebSocket dialer for tests: a handshake that takes over 10 s fails.
func Dialer() *websocket.Dialer {
	return &websocket.Dialer{HandshakeTimeout: 10 * time.Second}
}

// SmallReadDialer is Dialer with a 4 KiB receive buffer, so a client that stops reading stalls
// the server's writes soon.
func SmallReadDialer() *websocket.Dialer {
	d := Dialer()
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		return c, err
	}
	return d
}

// CloseCode is the code of the close frame that ended a connection, from the error its read
// returned: -1 when it ended without one.
func CloseCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}
