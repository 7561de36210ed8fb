package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"time"
)

func countMsgs(rs []resp) string {
	m := map[string]int{}
	for _, r := range rs {
		msg := r.str("message")
		if len(msg) > 50 {
			msg = msg[:50]
		}
		m[fmt.Sprint(r.Status, " ", msg)]++
	}
	var b strings.Builder
	for k, v := range m {
		fmt.Fprintf(&b, "\n      %3d x %s", v, k)
	}
	return b.String()
}

// t12: the same mistakes in the new code.
func t12() {
	tag := runTag()
	pw := "probe-password-1"
	// 1. bad refresh tokens at once from one address
	rs := burst(200, func(i int) resp {
		return do("127.0.22.1", "POST", "/auth/refresh", map[string]any{"refreshToken": fmt.Sprintf("bogus-refresh-%d", i)}, nil)
	})
	fmt.Printf("12.1 200 bad refresh tokens at once, one address: %s\n", tally(rs))
	// 2. wrong codes at once at mfa/disable (bearer)
	me := "probe-mfa" + tag + "@example.com"
	mfaAccount("127.0.22.2", me, pw)
	// sign in with a recovery code is costly; use login -> challenge -> recovery code
	l := login("127.0.22.3", me, pw)
	_ = l
	// get a bearer token: recovery code path
	// (mfaAccount returned codes; re-run to get them)
	me2 := "probe-mfa2" + tag + "@example.com"
	_, codes := mfaAccount("127.0.22.2", me2, pw)
	l = login("127.0.22.3", me2, pw)
	v := do("127.0.22.3", "POST", "/auth/mfa/verify", map[string]any{"challengeId": l.str("challengeId"), "code": codes[0]}, nil)
	tok := v.str("accessToken")
	rs = burst(60, func(i int) resp {
		return do("127.0.22.4", "POST", "/auth/mfa/disable", map[string]any{"code": fmt.Sprintf("%06d", 400000+i)}, bearer(tok))
	})
	fmt.Printf("12.2 60 wrong codes at once at /auth/mfa/disable: %s%s\n", tally(rs), countMsgs(rs))
	// and from 60 addresses
	rs = burst(60, func(i int) resp {
		return do(fmt.Sprintf("127.0.23.%d", i+1), "POST", "/auth/mfa/disable", map[string]any{"code": fmt.Sprintf("%06d", 500000+i)}, bearer(tok))
	})
	fmt.Printf("12.2' 60 wrong codes at once at /auth/mfa/disable from 60 addresses: %s\n", tally(rs))
	// then does login still work? is MFA locked?
	l = login("127.0.22.5", me2, pw)
	fmt.Printf("12.2'' login afterwards: %d %.80s\n", l.Status, l.Body)
	// 3. wrong old passwords at once
	pe := "probe-pw" + tag + "@example.com"
	register("127.0.22.6", pe, pw)
	ptok := token("127.0.22.6", pe, pw)
	rs = burst(60, func(i int) resp {
		return do("127.0.22.7", "POST", "/auth/password", map[string]any{"oldPassword": fmt.Sprintf("wrong-old-%d", i), "newPassword": "brand-new-password"}, bearer(ptok))
	})
	fmt.Printf("12.3 60 wrong old passwords at once at /auth/password: %s\n", tally(rs))
	pe2 := "probe-pw2" + tag + "@example.com"
	register("127.0.22.6", pe2, pw)
	rs = burst(60, func(i int) resp {
		return do(fmt.Sprintf("127.0.24.%d", i+1), "PUT", "/user/update-password", map[string]any{"oldPassword": fmt.Sprintf("wrong-old-%d", i), "newPassword": "brand-new-password"}, basicHdr(pe2, pw))
	})
	fmt.Printf("12.3' 60 wrong old passwords at once at PUT /user/update-password (Basic right, 60 addresses): %s\n", tally(rs))
	// 4. mfa/initiate burst
	rs = burst(60, func(i int) resp {
		return do("127.0.22.8", "POST", "/auth/mfa/initiate", map[string]any{"email": me, "password": fmt.Sprintf("wrong-%d", i)}, nil)
	})
	fmt.Printf("12.4 60 wrong at once at /auth/mfa/initiate: %s\n", tally(rs))
	// 5. registrations mixing both endpoints, one address
	rs = burst(80, func(i int) resp {
		path := "/user/create"
		if i%2 == 1 {
			path = "/auth/register"
		}
		return do("127.0.22.9", "POST", path, map[string]any{"email": fmt.Sprintf("mix%d-%s@example.com", i, tag), "password": pw}, nil)
	})
	fmt.Printf("12.5 80 registrations at once (both endpoints), one address: %s\n", tally(rs))
	// 6. same email 50 times at once
	rs = burst(50, func(i int) resp {
		return do(fmt.Sprintf("127.0.25.%d", i+1), "POST", "/auth/register", map[string]any{"email": "same" + tag + "@example.com", "password": pw}, nil)
	})
	fmt.Printf("12.6 the same email registered 50 times at once: %s\n", tally(rs))
	// 7. protocol-level answers
	raw := func(name, req string) {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			fmt.Println(err)
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte(req))
		br := bufio.NewReader(c)
		var lines []string
		for {
			l, err := br.ReadString('\n')
			lines = append(lines, strings.TrimRight(l, "\r\n"))
			if err != nil || l == "\r\n" {
				break
			}
		}
		body := make([]byte, 200)
		n, _ := br.Read(body)
		ct := ""
		for _, l := range lines {
			if strings.HasPrefix(strings.ToLower(l), "content-type") {
				ct = l
			}
		}
		fmt.Printf("12.7 %-32s -> %s | %s | %q\n", name, lines[0], ct, body[:n])
	}
	raw("huge header (70 KB)", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 70<<10)+"\r\n\r\n")
	raw("malformed request line", "GARBAGE\r\n\r\n")
	raw("bad header line", "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n")
	raw("HTTP/2.0 request line", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n")
	raw("no Host (HTTP/1.1)", "GET /healthz HTTP/1.1\r\n\r\n")
	raw("bad chunked body", "POST /auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
	raw("unsupported transfer-encoding", "POST /auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
	raw("Expect: 100-continue bogus", "POST /auth/login HTTP/1.1\r\nHost: x\r\nExpect: magic\r\nContent-Length: 2\r\n\r\n{}")
	raw("absolute-form URI other host", "GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	raw("CONNECT", "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n")
	raw("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
	raw("path with %2e%2e", "GET /user/%2e%2e/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	raw("path /events/", "GET /events/ HTTP/1.1\r\nHost: x\r\n\r\n")
	raw("content-length mismatch", "POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}")
}
