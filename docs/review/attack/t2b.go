package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// t2b: a flood that looks clean: every wrong login from its own fresh address, to its own email.
func t2b() {
	tag := fmt.Sprint(time.Now().UnixNano() % 1e8)
	real, pw := "realb"+tag+"@example.com", "the-real-password"
	must(register(fmt.Sprintf("127.0.%d.1", 40+time.Now().Second()%50), real, pw).Status == 201, "register real")
	var quiet []time.Duration
	for i := 0; i < 7; i++ {
		r := login("127.0.3.2", real, pw)
		quiet = append(quiet, r.Dur)
		time.Sleep(50 * time.Millisecond)
	}
	var flooded []time.Duration
	sts := map[int]int{}
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		var rs []resp
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs = burst(300, func(i int) resp {
				return login(fmt.Sprintf("127.%d.%d.%d", 100+round, i/200, 1+i%200), fmt.Sprintf("ghost%d-%d-%s@example.com", round, i, tag), "wrong-password")
			})
		}()
		time.Sleep(150 * time.Millisecond)
		src := "127.0.3.2" // where the quiet sign-ins came from
		if os.Getenv("FRESH") != "" {
			src = fmt.Sprintf("127.0.3.%d", 10+round)
		}
		r := login(src, real, pw)
		sts[r.Status]++
		flooded = append(flooded, r.Dur)
		wg.Wait()
		fmt.Printf("2b round %d: flood %s; real sign-in %d in %v\n", round, tally(rs), r.Status, r.Dur.Round(time.Millisecond))
		time.Sleep(3 * time.Second)
	}
	fmt.Printf("2b quiet median %v; flooded median %v max %v; real sign-in answers %v\n", median(quiet).Round(time.Millisecond),
		median(flooded).Round(time.Millisecond), maxDur(flooded).Round(time.Millisecond), sts)
}
