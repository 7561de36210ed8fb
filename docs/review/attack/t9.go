package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

func serverRSS() string {
	pid, _ := os.ReadFile(os.Getenv("SERVER_PIDFILE"))
	b, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "Threads") {
			// only RSS
			if strings.HasPrefix(l, "VmRSS") {
				return strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
			}
		}
	}
	return "?"
}

// dialAll opens n sockets to /events at once, the i-th from the address and with the token
// from(i) returns; opened is called (from the dialling goroutine) with each that opens. It
// returns how many were refused with 429 and how many failed otherwise.
func dialAll(n int, from func(i int) (src, tok string), opened func(*websocket.Conn)) (refused429, other int64) {
	var r429, failed atomic.Int64
	together(n, func(i int) {
		src, tok := from(i)
		ws, res, err := dialWS(src, tok, "", 0)
		switch {
		case err == nil:
			opened(ws)
		case res != nil && res.StatusCode == 429:
			r429.Add(1)
		default:
			failed.Add(1)
		}
	})
	return r429.Load(), failed.Load()
}

func t9() {
	tag := runTag()
	src := "127.0.15.1"
	a, pw := "wsflood"+tag+"@example.com", "ws-flood-pw-1"
	register(src, a, pw)
	tok := token(src, a, pw)
	fmt.Printf("9 server RSS before: %s\n", serverRSS())
	var open, c4008, c4008reason, otherClose atomic.Int64
	var refused429, dialErr int64
	var mu sync.Mutex
	var conns []*websocket.Conn
	closeCodes := map[string]int{}
	reader := func(ws *websocket.Conn) {
		open.Add(1)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				open.Add(-1)
				if ce, ok := err.(*websocket.CloseError); ok {
					if ce.Code == 4008 {
						c4008.Add(1)
						if strings.Contains(ce.Text, "too many") {
							c4008reason.Add(1)
						}
					} else {
						otherClose.Add(1)
					}
					mu.Lock()
					closeCodes[strconv.Itoa(ce.Code)]++
					mu.Unlock()
				} else {
					otherClose.Add(1)
					mu.Lock()
					closeCodes[err.Error()[:min(30, len(err.Error()))]]++
					mu.Unlock()
				}
				return
			}
		}
	}
	t0 := time.Now()
	// 20 addresses x 100 connections, each address's 100 at once, addresses one after another.
	for ad := 0; ad < 20; ad++ {
		r429, other := dialAll(100, func(int) (string, string) { return fmt.Sprintf("127.0.16.%d", ad+1), tok }, func(ws *websocket.Conn) {
			mu.Lock()
			conns = append(conns, ws)
			mu.Unlock()
			go reader(ws)
		})
		refused429, dialErr = refused429+r429, dialErr+other
	}
	fmt.Printf("9 2,000 upgrades for one account in %v: accepted %d, 429 %d, other dial errors %d\n", time.Since(t0).Round(time.Millisecond), len(conns), refused429, dialErr)
	time.Sleep(2 * time.Second)
	fmt.Printf("9 after 2 s: open %d, closed with 4008 %d (with the reason %d), other closes %d %v; server RSS %s\n",
		open.Load(), c4008.Load(), c4008reason.Load(), otherClose.Load(), closeCodes, serverRSS())
	for _, c := range conns {
		c.Close()
	}
	time.Sleep(time.Second)
	// per-address cap: 300 at once from one address, for 15 accounts (so the account cap does not interfere much)
	var toks []string
	for i := 0; i < 15; i++ {
		e := fmt.Sprintf("wsaddr%d-%s@example.com", i, tag)
		register(fmt.Sprintf("127.0.17.%d", 1+i/10), e, pw)
		toks = append(toks, token("127.0.17.50", e, pw))
	}
	var ok atomic.Int64
	var cs []*websocket.Conn
	r429, other := dialAll(300, func(i int) (string, string) { return "127.0.18.1", toks[i%15] }, func(ws *websocket.Conn) {
		ok.Add(1)
		mu.Lock()
		cs = append(cs, ws)
		mu.Unlock()
	})
	fmt.Printf("9 300 upgrades at once from one address (15 accounts): 101 %d, 429 %d, other %d\n", ok.Load(), r429, other)
	for _, c := range cs {
		c.Close()
	}
}
