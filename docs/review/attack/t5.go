package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

func wsURL(q string) string { return strings.Replace(base, "http", "ws", 1) + "/events" + q }

// dialWS opens /events from src with tok; rcvbuf > 0 sets a small receive buffer.
func dialWS(src, tok, q string, rcvbuf int) (*websocket.Conn, *http.Response, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) {
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
		}
	}
	wd := websocket.Dialer{NetDialContext: d.DialContext, HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1024}
	h := http.Header{}
	if tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	return wd.DialContext(context.Background(), wsURL(q), h)
}

// readUntilClosed reads frames until the socket fails or within is over; it returns how many it
// read and why it stopped.
func readUntilClosed(ws *websocket.Conn, within time.Duration) (int, error) {
	ws.SetReadDeadline(time.Now().Add(within))
	frames := 0
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return frames, err
		}
		frames++
	}
}

func t5() {
	tag := runTag()
	src := "127.0.14.1"
	pw := "websocket-pw-1"
	a, b := pair(src, tag, pw, "wsa", "wsb")
	tok := token(src, b, pw)
	up := func(extra map[string]string) map[string]string {
		h := map[string]string{"Authorization": "Bearer " + tok, "Connection": "Upgrade", "Upgrade": "websocket",
			"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
		for k, v := range extra {
			if v == "" {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
		return h
	}
	cases := []struct {
		name, method, q string
		h               map[string]string
	}{
		{"cross-origin", "GET", "", up(map[string]string{"Origin": "http://evil.example"})},
		{"bad version", "GET", "", up(map[string]string{"Sec-WebSocket-Version": "8"})},
		{"missing key", "GET", "", up(map[string]string{"Sec-WebSocket-Key": ""})},
		{"malformed key", "GET", "", up(map[string]string{"Sec-WebSocket-Key": "short"})},
		{"POST", "POST", "", up(nil)},
		{"PUT", "PUT", "", up(nil)},
		{"no upgrade headers", "GET", "", map[string]string{"Authorization": "Bearer " + tok}},
		{"no token", "GET", "", up(map[string]string{"Authorization": ""})},
		{"bad token", "GET", "", up(map[string]string{"Authorization": "Bearer abc.def.ghi"})},
		{"token in query", "GET", "?access_token=" + tok, up(map[string]string{"Authorization": ""})},
		{"bad since", "GET", "?since=-1", up(nil)},
		{"since huge", "GET", "?since=99999999999999999999", up(nil)},
		{"Connection: keep-alive only", "GET", "", up(map[string]string{"Connection": "keep-alive"})},
		{"HEAD", "HEAD", "", up(nil)},
	}
	for _, c := range cases {
		r := do(src, c.method, "/events"+c.q, nil, c.h)
		fmt.Printf("5 %-28s -> %d ct=%q rid=%v %.100s\n", c.name, r.Status, r.Header.Get("Content-Type"), r.Header.Get("X-Request-Id") != "", r.Body)
	}
	// slow reader: a tiny receive buffer, then 60 batches of 100 payments to b (12,000 events).
	fund(src, a, "100000")
	ws, _, err := dialWS("127.0.14.2", tok, "", 2048)
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	items := make([]any, 100)
	for i := range items {
		items[i] = map[string]any{"recipientEmail": b, "amount": "0.01"}
	}
	t0 := time.Now()
	for i := 0; i < 60; i++ {
		r := do(src, "POST", "/transactions/batch", map[string]any{"payments": items}, basicHdr(a, pw))
		if r.Status != 201 {
			fmt.Println("batch", r.Status, string(r.Body))
			break
		}
	}
	fmt.Printf("5 slow reader: 12,000 events sent in %v while not reading\n", time.Since(t0).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	frames, cerr := readUntilClosed(ws, 15*time.Second)
	fmt.Printf("5 slow reader read %d frames, then: %v (after %v)\n", frames, cerr, time.Since(t0).Round(time.Millisecond))
	ws.Close()
	// a reader that never reads again: how long until its socket is cut?
	ws2, _, err := dialWS("127.0.14.3", tok, "", 2048)
	if err != nil {
		fmt.Println("dial2:", err)
		return
	}
	for i := 0; i < 60; i++ {
		do(src, "POST", "/transactions/batch", map[string]any{"payments": items}, basicHdr(a, pw))
	}
	t1 := time.Now()
	time.Sleep(12 * time.Second)
	frames, cerr = readUntilClosed(ws2, 15*time.Second)
	fmt.Printf("5 never-reader (read after 12 s): %d frames then %v\n", frames, cerr)
	_ = t1
	ws2.Close()
}
