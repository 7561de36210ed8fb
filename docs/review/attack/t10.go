package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func loadKey(path string) (ed25519.PrivateKey, string) {
	b, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	var kf struct {
		KID         string `json:"kid"`
		SigningSeed []byte `json:"signingSeed"`
	}
	json.Unmarshal(b, &kf)
	return ed25519.NewKeyFromSeed(kf.SigningSeed), kf.KID
}

func claimsOf(tok string) map[string]any {
	p := strings.Split(tok, ".")
	b, _ := base64.RawURLEncoding.DecodeString(p[1])
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func sign(priv ed25519.PrivateKey, kid, typ string, c jwt.MapClaims) string {
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = kid
	t.Header["typ"] = typ
	s, err := t.SignedString(priv)
	if err != nil {
		die("%v", err)
	}
	return s
}

func t10() {
	tag := runTag()
	src := "127.0.19.1"
	pw := "events-pw-123"
	a, b := pair(src, tag, pw, "evt", "evs")
	fund(src, b, "10")
	for i := 0; i < 3; i++ {
		do(src, "POST", "/payments", map[string]any{"recipientEmail": a, "amount": "1", "memo": fmt.Sprint("p", i)}, basicHdr(b, pw))
	}
	os.WriteFile("/tmp/rev/t10.env", []byte(fmt.Sprintf("EMAIL=%s\nPW=%s\n", a, pw)), 0o600)
	tok := token(src, a, pw)
	for _, q := range []string{"?since=0", "", "?since=2"} {
		ws, _, err := dialWS(src, tok, q, 0)
		if err != nil {
			fmt.Println("dial", err)
			continue
		}
		var got []string
		ws.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
		for {
			_, m, err := ws.ReadMessage()
			if err != nil {
				break
			}
			var e struct {
				Seq  int64
				Type string
			}
			json.Unmarshal(m, &e)
			got = append(got, fmt.Sprintf("%d:%s", e.Seq, e.Type))
		}
		ws.Close()
		fmt.Printf("10 GET /events%s -> %v\n", q, got)
	}
	// forged tokens with the service's own key
	priv, kid := loadKey(os.Getenv("KEYS"))
	real := claimsOf(tok)
	now := time.Now().Unix()
	mk := func(mod func(c jwt.MapClaims)) string {
		c := jwt.MapClaims{}
		for k, v := range real {
			c[k] = v
		}
		c["jti"] = fmt.Sprint("forged", time.Now().UnixNano())
		mod(c)
		return sign(priv, kid, "JWT", c)
	}
	if h := claimsOf(tok); h != nil {
		// typ of the real token's header
		p := strings.Split(tok, ".")
		hb, _ := base64.RawURLEncoding.DecodeString(p[0])
		fmt.Printf("10 real token header %s claims %v\n", hb, real)
	}
	p := strings.Split(tok, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(p[0])
	var hdr map[string]any
	json.Unmarshal(hb, &hdr)
	typ, _ := hdr["typ"].(string)
	mk = func(mod func(c jwt.MapClaims)) string {
		c := jwt.MapClaims{}
		for k, v := range real {
			c[k] = v
		}
		mod(c)
		return sign(priv, kid, typ, c)
	}
	cases := []struct {
		name string
		mod  func(c jwt.MapClaims)
	}{
		{"control: iat now, exp +5 min", func(c jwt.MapClaims) { c["iat"] = now; c["exp"] = now + 300 }},
		{"exp +10 years", func(c jwt.MapClaims) { c["iat"] = now; c["exp"] = now + 10*365*86400 }},
		{"iat -1 h, exp +4 min", func(c jwt.MapClaims) { c["iat"] = now - 3600; c["exp"] = now + 240 }},
		{"iat +10 years -5 min, exp +10 years", func(c jwt.MapClaims) { c["iat"] = now + 10*365*86400 - 300; c["exp"] = now + 10*365*86400 }},
		{"no iat, exp +4 min", func(c jwt.MapClaims) { delete(c, "iat"); c["exp"] = now + 240 }},
		{"iat as string", func(c jwt.MapClaims) { c["iat"] = fmt.Sprint(now); c["exp"] = now + 240 }},
		{"exp +5 min 29 s (skew)", func(c jwt.MapClaims) { c["iat"] = now; c["exp"] = now + 329 }},
		{"exp +5 min 31 s", func(c jwt.MapClaims) { c["iat"] = now; c["exp"] = now + 331 }},
		{"nbf far future", func(c jwt.MapClaims) { c["iat"] = now; c["exp"] = now + 240; c["nbf"] = now + 86400 }},
		{"exp huge float", func(c jwt.MapClaims) { c["iat"] = now; c["exp"] = 1e300 }},
	}
	for _, c := range cases {
		t := mk(c.mod)
		r := do(src, "GET", "/account", nil, bearer(t))
		ws, res, err := dialWS(src, t, "", 0)
		wsSt := 0
		if err == nil {
			wsSt = 101
			ws.Close()
		} else if res != nil {
			wsSt = res.StatusCode
		}
		fmt.Printf("10 forged access token %-36s -> /account %d, /events %d %.70s\n", c.name, r.Status, wsSt, r.Body)
	}
	// delegation token with a far exp
	dt := do(src, "POST", "/token/create", map[string]any{"recipientEmail": a}, basicHdr(b, pw)).str("token")
	dp := strings.Split(dt, ".")
	dhb, _ := base64.RawURLEncoding.DecodeString(dp[0])
	var dh map[string]any
	json.Unmarshal(dhb, &dh)
	dc := claimsOf(dt)
	fmt.Printf("10 delegation token header %s claims %v\n", dhb, dc)
	for _, life := range []int64{300, 10 * 365 * 86400} {
		c := jwt.MapClaims{}
		for k, v := range dc {
			c[k] = v
		}
		c["id"] = fmt.Sprint("forgedtx", time.Now().UnixNano())
		c["iat"] = now
		c["exp"] = now + life
		ft := sign(priv, kid, dh["typ"].(string), c)
		r := do(src, "POST", "/transaction/create", map[string]any{"senderEmail": b, "recipientEmail": a, "amount": "0.5", "token": ft}, basicHdr(a, pw))
		fmt.Printf("10 forged delegation token, lifetime %d s -> %d %.90s\n", life, r.Status, r.Body)
	}
	// token confusion
	r := do(src, "GET", "/account", nil, bearer(dt))
	fmt.Printf("10 delegation token as a bearer access token -> %d\n", r.Status)
	r = do(src, "POST", "/transaction/create", map[string]any{"senderEmail": b, "recipientEmail": a, "amount": "0.5", "token": tok}, basicHdr(a, pw))
	fmt.Printf("10 access token as a delegation token -> %d %.80s\n", r.Status, r.Body)
}
