package main

import (
	"fmt"
	"time"
)

// t8: targeted lockout.
func t8() {
	tag := runTag()
	victim, pw := "victim"+tag+"@example.com", "victim-password-1"
	mustRegister("127.0.4.1", victim, pw, "register")
	rs := burst(30, func(i int) resp { return login("127.0.4.66", victim, fmt.Sprintf("guess-%d", i)) })
	fmt.Printf("8 attacker 30 wrong at once from 127.0.4.66: %s\n", tally(rs))
	r := login("127.0.4.66", victim, pw)
	fmt.Printf("8 right password from the attacker's address: %d\n", r.Status)
	r = login("127.0.4.77", victim, pw)
	fmt.Printf("8 victim's right password from 127.0.4.77: %d %.80s\n", r.Status, r.Body)
	r = do("127.0.4.78", "GET", "/user/my-info", nil, basicHdr(victim, pw))
	fmt.Printf("8 victim's Basic from 127.0.4.78: %d\n", r.Status)
	// The attacker now spreads over fresh addresses: 30 addresses x 1 guess, then the victim.
	rs = burst(30, func(i int) resp { return login(fmt.Sprintf("127.0.5.%d", 1+i), victim, fmt.Sprintf("spread-%d", i)) })
	fmt.Printf("8 attacker 30 fresh addresses x 1: %s\n", tally(rs))
	r = login("127.0.4.79", victim, pw)
	fmt.Printf("8 victim's right password from 127.0.4.79 (fresh) after that: %d %.100s\n", r.Status, r.Body)
	r = login("127.0.4.77", victim, pw)
	fmt.Printf("8 victim's right password from 127.0.4.77 (signed in from there before) after that: %d %.60s\n", r.Status, r.Body)
	// MFA lockout remains: 10 wrong codes lock.
	mv := "mfavictim" + tag + "@example.com"
	mfaAccount("127.0.4.1", mv, pw)
	for i := 0; i < 3; i++ {
		l := login(fmt.Sprintf("127.0.6.%d", i+1), mv, pw)
		ch := l.str("challengeId")
		for j := 0; j < 5; j++ {
			v := do(fmt.Sprintf("127.0.6.%d", i+1), "POST", "/auth/mfa/verify", map[string]any{"challengeId": ch, "code": fmt.Sprintf("%06d", 300000+j)}, nil)
			if j == 4 || v.Status == 429 {
				fmt.Printf("8 mfa challenge %d code %d: %d %.90s\n", i, j, v.Status, v.Body)
			}
			if v.Status == 429 {
				break
			}
		}
	}
	l := login("127.0.6.9", mv, pw)
	fmt.Printf("8 MFA account's right password after 10 wrong codes: %d %.100s\n", l.Status, l.Body)
}

// t7: /auth/mfa/initiate timing.
func t7() {
	tag := runTag()
	pw := "timing-password-1"
	var plains, mfas []string
	for i := 0; i < 8; i++ {
		p, m := fmt.Sprintf("plain%d-%s@example.com", i, tag), fmt.Sprintf("mfat%d-%s@example.com", i, tag)
		mustRegister("127.0.7.1", p, pw, "register")
		mfaAccount("127.0.7.2", m, pw)
		plains, mfas = append(plains, p), append(mfas, m)
	}
	plain, mfa := plains[0], mfas[0]
	type kase struct {
		name, email, pw string
	}
	cases := []kase{
		{"unknown email", "nobody" + tag + "@example.com", "whatever-pw"},
		{"existing non-MFA, wrong pw", plain, "wrong-password"},
		{"existing non-MFA, right pw", plain, pw},
		{"MFA account, wrong pw", mfa, "wrong-password"},
		{"MFA account, right pw", mfa, pw},
	}
	// emailFor is the address round k of case i uses: a new unknown one each round, else one of
	// the eight accounts of its kind in turn.
	emailFor := func(k, i int, email string) string {
		switch {
		case i == 0:
			return fmt.Sprintf("nobody%d-%s@example.com", k, tag)
		case email == plain:
			return plains[k%8]
		case email == mfa:
			return mfas[k%8]
		}
		return email
	}
	ds := make([][]time.Duration, len(cases))
	sts := make([]map[int]int, len(cases))
	for i := range sts {
		sts[i] = map[int]int{}
	}
	const n = 40
	for k := 0; k < n; k++ {
		for i, c := range cases {
			// each from its own address, so no budget is spent (40 x 5 addresses)
			src := fmt.Sprintf("127.8.%d.%d", i, k+1)
			r := do(src, "POST", "/auth/mfa/initiate", map[string]any{"email": emailFor(k, i, c.email), "password": c.pw}, nil)
			ds[i] = append(ds[i], r.Dur)
			sts[i][r.Status]++
		}
	}
	for i, c := range cases {
		fmt.Printf("7 %-28s median %6.1f ms  statuses %v\n", c.name, float64(median(ds[i]).Microseconds())/1000, sts[i])
	}
	// the same for /auth/login
	for k := 0; k < n; k++ {
		for i, c := range cases {
			src := fmt.Sprintf("127.9.%d.%d", i, k+1)
			r := login(src, emailFor(k, i, c.email), c.pw)
			sts[i][1000+r.Status]++
			ds[i][k] = r.Dur
		}
	}
	for i, c := range cases {
		fmt.Printf("7 login %-22s median %6.1f ms\n", c.name, float64(median(ds[i]).Microseconds())/1000)
	}
}
