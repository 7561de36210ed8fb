package main

import (
	"fmt"
	"os"
	"time"
)

// t2b: a flood that looks clean: every wrong login from its own fresh address, to its own email.
func t2b() {
	tag := runTag()
	real, pw := "realb"+tag+"@example.com", "the-real-password"
	mustRegister(fmt.Sprintf("127.0.%d.1", 40+time.Now().Second()%50), real, pw, "register real")
	quiet := durations(quietSignIns("127.0.3.2", real, pw))
	var flooded []time.Duration
	sts := map[int]int{}
	for round := 0; round < 5; round++ {
		var r resp
		rs := during(300, func(i int) resp {
			return login(fmt.Sprintf("127.%d.%d.%d", 100+round, i/200, 1+i%200), fmt.Sprintf("ghost%d-%d-%s@example.com", round, i, tag), "wrong-password")
		}, func() {
			src := "127.0.3.2" // where the quiet sign-ins came from
			if os.Getenv("FRESH") != "" {
				src = fmt.Sprintf("127.0.3.%d", 10+round)
			}
			r = login(src, real, pw)
			sts[r.Status]++
			flooded = append(flooded, r.Dur)
		})
		fmt.Printf("2b round %d: flood %s; real sign-in %d in %v\n", round, tally(rs), r.Status, r.Dur.Round(time.Millisecond))
		time.Sleep(3 * time.Second)
	}
	fmt.Printf("2b quiet median %v; flooded median %v max %v; real sign-in answers %v\n", median(quiet).Round(time.Millisecond),
		median(flooded).Round(time.Millisecond), maxDur(flooded).Round(time.Millisecond), sts)
}
