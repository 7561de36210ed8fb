package main

import (
	"fmt"
	"time"
)

// quietSignIns signs email in 7 times from src, 50 ms apart: the times to compare a flood with.
func quietSignIns(src, email, pw string) []resp {
	var rs []resp
	for i := 0; i < 7; i++ {
		rs = append(rs, login(src, email, pw))
		time.Sleep(50 * time.Millisecond)
	}
	return rs
}

// during sends n requests at once (as burst does) and calls then 150 ms after they start, while
// they are being answered; it returns the burst's answers once all are in.
func during(n int, f func(i int) resp, then func()) []resp {
	var rs []resp
	done := make(chan struct{})
	go func() {
		defer close(done)
		rs = burst(n, f)
	}()
	time.Sleep(150 * time.Millisecond)
	then()
	<-done
	return rs
}

// t2: a hash flood, and a real sign-in during it.
func t2() {
	tag := runTag()
	real, pw := "real"+tag+"@example.com", "the-real-password"
	mustRegister("127.0.3.1", real, pw, "register real")
	targets := make([]string, 5)
	for i := range targets {
		targets[i] = fmt.Sprintf("target%d-%s@example.com", i, tag)
		register("127.0.3.1", targets[i], "target-password")
	}
	quietAnswers := quietSignIns("127.0.3.2", real, pw)
	for _, r := range quietAnswers {
		must(r.Status == 200, "quiet login %d", r.Status)
	}
	quiet := durations(quietAnswers)
	fmt.Printf("2 quiet sign-in: median %v, max %v\n", median(quiet).Round(time.Millisecond), maxDur(quiet).Round(time.Millisecond))
	var flooded []time.Duration
	var realStatus []resp
	for round := 0; round < 3; round++ {
		var r resp
		rs := during(300, func(i int) resp {
			if i < 150 {
				return register(fmt.Sprintf("127.%d.%d.%d", 20+round, i/200, 1+i%200),
					fmt.Sprintf("flood%d-%d-%s@example.com", round, i, tag), "flood-password-123")
			}
			j := i - 150
			return login(fmt.Sprintf("127.%d.%d.%d", 30+round, j/200, 1+j%200), targets[j%5], fmt.Sprintf("wrong-%d", j))
		}, func() {
			r = login("127.0.3.3", real, pw)
			realStatus = append(realStatus, r)
			flooded = append(flooded, r.Dur)
		})
		fmt.Printf("2 round %d: flood %s; real sign-in %d in %v\n", round, tally(rs), r.Status, r.Dur.Round(time.Millisecond))
		n503 := 0
		for _, x := range rs {
			if x.Status == 503 {
				n503++
				if n503 == 1 {
					fmt.Printf("   503 sample: Retry-After=%q ct=%q %s\n", x.Header.Get("Retry-After"), x.Header.Get("Content-Type"), x.Body)
				}
			}
		}
		time.Sleep(3 * time.Second)
	}
	fmt.Printf("2 flooded sign-in: median %v max %v (quiet median %v)\n", median(flooded).Round(time.Millisecond), maxDur(flooded).Round(time.Millisecond), median(quiet).Round(time.Millisecond))
	// registrations from one address, at once.
	rs := burst(150, func(i int) resp {
		return register("127.0.3.9", fmt.Sprintf("onereg%d-%s@example.com", i, tag), "one-address-pw-1")
	})
	fmt.Printf("2 150 registrations at once from one address: %s\n", tally(rs))
	n := 0
	for _, r := range rs {
		if r.Status == 503 {
			n++
		}
	}
	// the refunded ones may be retried: how many can still register?
	rs = burst(40, func(i int) resp {
		return register("127.0.3.9", fmt.Sprintf("onereg2-%d-%s@example.com", i, tag), "one-address-pw-1")
	})
	fmt.Printf("   then 40 more from it: %s\n", tally(rs))
}
