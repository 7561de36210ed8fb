package main

import (
	"fmt"
	"time"
)

// rightOneLast sends 60 guesses at once through try: 59 wrong passwords, then pw as the 60th,
// 30 ms late so that it arrives while the 59 are being hashed.
func rightOneLast(pw string, try func(p string) resp) []resp {
	return burst(60, func(i int) resp {
		p := fmt.Sprintf("wrong-%02d-password", i)
		if i == 59 {
			p = pw
			time.Sleep(30 * time.Millisecond)
		}
		return try(p)
	})
}

// t1: failure limits under concurrency.
func t1() {
	tag := runTag()
	// a) 60 wrong passwords at once on /auth/login, the right one as guess 60.
	{
		email, pw := "v1a"+tag+"@example.com", "right-password-1"
		mustRegister("127.0.1.1", email, pw, "register")
		rs := rightOneLast(pw, func(p string) resp { return login("127.0.1.2", email, p) })
		slow := 0
		for _, r := range rs {
			if r.Dur > 15*time.Millisecond {
				slow++
			}
		}
		fmt.Printf("1a /auth/login 60 at once: %s; right one (#60): %d; answers slower than 15 ms: %d\n", tally(rs), rs[59].Status, slow)
	}
	// b) Basic, same.
	{
		email, pw := "v1b"+tag+"@example.com", "right-password-2"
		mustRegister("127.0.1.1", email, pw, "register")
		rs := rightOneLast(pw, func(p string) resp { return do("127.0.1.3", "GET", "/user/my-info", nil, basicHdr(email, p)) })
		fmt.Printf("1b Basic 60 at once: %s; right one (#60): %d\n", tally(rs), rs[59].Status)
	}
	// c) 100 accounts x 1 guess from one address.
	{
		emails := make([]string, 100)
		for i := range emails {
			emails[i] = fmt.Sprintf("v1c%d-%s@example.com", i, tag)
			src := fmt.Sprintf("127.0.2.%d", 10+i/15) // 15 per address, under the burst of 20
			r := register(src, emails[i], "some-password-xyz")
			if r.Status != 201 {
				fmt.Println("register", r.Status, string(r.Body))
			}
		}
		rs := burst(100, func(i int) resp { return login("127.0.1.4", emails[i], "wrong-password-abc") })
		fmt.Printf("1c 100 accounts x 1 guess, one address: %s\n", tally(rs))
		rs = burst(100, func(i int) resp {
			return do("127.0.1.5", "GET", "/user/my-info", nil, basicHdr(emails[i], "wrong-password-abc"))
		})
		fmt.Printf("1c' same with Basic from another address: %s\n", tally(rs))
	}
	// d) 40 codes at once on one MFA challenge.
	{
		email, pw := "v1d"+tag+"@example.com", "right-password-4"
		mfaAccount("127.0.1.1", email, pw)
		l := login("127.0.1.6", email, pw)
		ch := l.str("challengeId")
		must(ch != "", "challenge: %d %s", l.Status, l.Body)
		rs := burst(40, func(i int) resp {
			return do("127.0.1.7", "POST", "/auth/mfa/verify", map[string]any{"challengeId": ch, "code": fmt.Sprintf("%06d", 100000+i*7)}, nil)
		})
		msgs := messages(rs)
		fmt.Printf("1d 40 codes at once, one challenge: %s\n", tally(rs))
		for k, v := range msgs {
			fmt.Printf("     %3d x %s\n", v, k)
		}
		// codes at once across challenges: 4 challenges x 10 codes.
		var chs []string
		for i := 0; i < 4; i++ {
			l := login(fmt.Sprintf("127.0.1.%d", 20+i), email, pw)
			chs = append(chs, l.str("challengeId"))
			if l.str("challengeId") == "" {
				fmt.Println("   login for challenge:", l.Status, string(l.Body))
			}
		}
		rs = burst(40, func(i int) resp {
			return do(fmt.Sprintf("127.0.1.%d", 30+i%4), "POST", "/auth/mfa/verify", map[string]any{"challengeId": chs[i%4], "code": fmt.Sprintf("%06d", 200000+i*7)}, nil)
		})
		msgs = messages(rs)
		fmt.Printf("1d' 4 fresh challenges x 10 codes at once: %s\n", tally(rs))
		for k, v := range msgs {
			fmt.Printf("     %3d x %s\n", v, k)
		}
	}
}
