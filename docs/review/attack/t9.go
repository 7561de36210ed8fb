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

func t9() {
	tag := fmt.Sprint(time.Now().UnixNano() % 1e8)
	src := "127.0.15.1"
	a, pw := "wsflood"+tag+"@example.com", "ws-flood-pw-1"
	register(src, a, pw)
	tok := token(src, a, pw)
	fmt.Printf("9 server RSS before: %s\n", serverRSS())
	var open, c4008, c4008reason, otherClose, refused429, dialErr atomic.Int64
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
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ws, res, err := dialWS(fmt.Sprintf("127.0.16.%d", ad+1), tok, "", 0)
				if err != nil {
					if res != nil && res.StatusCode == 429 {
						refused429.Add(1)
					} else {
						dialErr.Add(1)
					}
					return
				}
				mu.Lock()
				conns = append(conns, ws)
				mu.Unlock()
				go reader(ws)
			}()
		}
		close(start)
		wg.Wait()
	}
	fmt.Printf("9 2,000 upgrades for one account in %v: accepted %d, 429 %d, other dial errors %d\n", time.Since(t0).Round(time.Millisecond), len(conns), refused429.Load(), dialErr.Load())
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
	var ok, r429, other atomic.Int64
	var cs []*websocket.Conn
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ws, res, err := dialWS("127.0.18.1", toks[i%15], "", 0)
			if err != nil {
				if res != nil && res.StatusCode == 429 {
					r429.Add(1)
				} else {
					other.Add(1)
				}
				return
			}
			ok.Add(1)
			mu.Lock()
			cs = append(cs, ws)
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	fmt.Printf("9 300 upgrades at once from one address (15 accounts): 101 %d, 429 %d, other %d\n", ok.Load(), r429.Load(), other.Load())
	for _, c := range cs {
		c.Close()
	}
}
