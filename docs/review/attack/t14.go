package main

import (
	"fmt"
	"time"

	"github.com/pquerna/otp/totp"
)

// t14: single-use things used at once.
func t14() {
	tag := runTag()
	pw := "single-use-pw-1"
	email := "once" + tag + "@example.com"
	secret, codes := mfaAccount("127.0.27.1", email, pw)
	time.Sleep(31 * time.Second) // a fresh TOTP step
	var chs []string
	for i := 0; i < 20; i++ {
		chs = append(chs, login(fmt.Sprintf("127.0.28.%d", i+1), email, pw).str("challengeId"))
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	rs := burst(20, func(i int) resp {
		return do(fmt.Sprintf("127.0.29.%d", i+1), "POST", "/auth/mfa/verify", map[string]any{"challengeId": chs[i], "code": code}, nil)
	})
	fmt.Printf("14 one TOTP code on 20 challenges at once: %s\n", tally(rs))
	chs = chs[:0]
	for i := 0; i < 20; i++ {
		chs = append(chs, login(fmt.Sprintf("127.0.30.%d", i+1), email, pw).str("challengeId"))
	}
	rs = burst(20, func(i int) resp {
		return do(fmt.Sprintf("127.0.31.%d", i+1), "POST", "/auth/mfa/verify", map[string]any{"challengeId": chs[i], "code": codes[3]}, nil)
	})
	fmt.Printf("14 one recovery code on 20 challenges at once: %s\n", tally(rs))
	// delegation token at once
	a, b := "dpay"+tag+"@example.com", "drcv"+tag+"@example.com"
	register("127.0.27.2", a, pw)
	register("127.0.27.2", b, pw)
	fund("127.0.27.2", a, "100")
	tok := do("127.0.27.2", "POST", "/token/create", map[string]any{"recipientEmail": b}, basicHdr(a, pw)).str("token")
	rs = burst(20, func(i int) resp {
		return do("127.0.27.3", "POST", "/transaction/create", map[string]any{"senderEmail": a, "recipientEmail": b, "amount": "1", "token": tok}, basicHdr(b, pw))
	})
	fmt.Printf("14 one delegation token 20 times at once: %s; payer %s\n", tally(rs), balanceOf("127.0.27.2", a, pw))
	// refresh token at once
	l := login("127.0.27.4", b, pw)
	rt := l.str("refreshToken")
	rs = burst(10, func(i int) resp {
		return do("127.0.27.5", "POST", "/auth/refresh", map[string]any{"refreshToken": rt}, nil)
	})
	fmt.Printf("14 one refresh token 10 times at once: %s\n", tally(rs))
}
