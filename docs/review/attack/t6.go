package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

func sumUsers() (string, int) {
	r := do("127.0.21.1", "GET", "/users", nil, admin())
	var u struct {
		Users []struct {
			Email   string
			Balance json.Number
		}
	}
	json.Unmarshal(r.Body, &u)
	// sum in micro-units via string parsing
	var total int64
	for _, x := range u.Users {
		s := string(x.Balance)
		whole, frac, _ := strings.Cut(s, ".")
		frac = (frac + "000000")[:6]
		var w, f int64
		fmt.Sscan(whole, &w)
		fmt.Sscan(strings.TrimLeft(frac, "0")+"", &f)
		if strings.TrimLeft(frac, "0") == "" {
			f = 0
		}
		total += w*1_000_000 + f
	}
	return fmt.Sprintf("%d.%06d", total/1_000_000, total%1_000_000), len(u.Users)
}

// t6: full disk. MNT is the small file system holding the ledger.
func t6() {
	mnt := os.Getenv("MNT")
	tag := runTag()
	src := "127.0.21.1"
	pw := "full-disk-pw-1"
	var emails []string
	for i := 0; i < 10; i++ {
		e := fmt.Sprintf("full%d-%s@example.com", i, tag)
		register(fmt.Sprintf("127.0.21.%d", 10+i), e, pw)
		fund(src, e, "1000")
		emails = append(emails, e)
	}
	sum0, n0 := sumUsers()
	fmt.Printf("6 before: %d users, sum %s\n", n0, sum0)
	// fill the disk
	if leave := os.Getenv("LEAVE_KB"); leave != "" {
		exec.Command("sh", "-c", "avail=$(df -k --output=avail "+mnt+" | tail -1); dd if=/dev/zero of="+mnt+"/filler bs=1k count=$((avail-"+leave+")) 2>/dev/null; sync").Run()
	} else {
		exec.Command("sh", "-c", "dd if=/dev/zero of="+mnt+"/filler bs=64k 2>/dev/null; sync").Run()
	}
	out, _ := exec.Command("df", "-k", mnt).Output()
	fmt.Printf("6 disk filled:\n%s", out)
	// 200 payments at once (with memos, batches, holds) while full
	var mu sync.Mutex
	codes := map[string]int{}
	var sample resp
	rs := burst(200, func(i int) resp {
		a, b := emails[i%10], emails[(i+1)%10]
		var r resp
		memo := strings.Repeat("m", 200)
		switch i % 4 {
		case 0:
			r = do(src, "POST", "/payments", map[string]any{"recipientEmail": b, "amount": "1.5", "memo": memo}, mergeH(basicHdr(a, pw), map[string]string{"Idempotency-Key": fmt.Sprint("full-", tag, "-", i)}))
		case 1:
			items := []any{}
			for j := 0; j < 20; j++ {
				items = append(items, map[string]any{"recipientEmail": b, "amount": "0.25", "memo": memo})
			}
			r = do(src, "POST", "/transactions/batch", map[string]any{"payments": items}, basicHdr(a, pw))
		case 2:
			r = do(src, "POST", "/transaction/create", map[string]any{"senderEmail": a, "recipientEmail": b, "amount": "2"}, basicHdr(a, pw))
		case 3:
			r = do(src, "POST", "/user/add-balance", map[string]any{"recipientEmail": a, "amount": "3"}, admin())
		}
		mu.Lock()
		codes[fmt.Sprint(r.Status, " ", r.str("code"))]++
		if r.Status == 503 && sample.Status == 0 {
			sample = r
		}
		mu.Unlock()
		return r
	})
	fmt.Printf("6 writes while full: %s %v\n", tally(rs), codes)
	added := 0
	for i, r := range rs {
		if i%4 == 3 && r.Status == 200 {
			added += 3
		}
	}
	fmt.Printf("6 add-balances that succeeded while full: %d USD\n", added)
	if sample.Status != 0 {
		fmt.Printf("6 503 sample: Retry-After=%q %s\n", sample.Header.Get("Retry-After"), sample.Body)
	}
	// other writes: register, login (session), reads
	r := register("127.0.21.40", "fullnew"+tag+"@example.com", pw)
	fmt.Printf("6 register while full: %d %.100s\n", r.Status, r.Body)
	r = login("127.0.21.41", emails[0], pw)
	fmt.Printf("6 login while full: %d %.100s\n", r.Status, r.Body)
	r = do(src, "GET", "/user/my-info", nil, basicHdr(emails[0], pw))
	fmt.Printf("6 read while full: %d\n", r.Status)
	sumF, _ := sumUsers()
	fmt.Printf("6 sum while full %s\n", sumF)
	// free space
	os.Remove(mnt + "/filler")
	time.Sleep(500 * time.Millisecond)
	r = do(src, "POST", "/payments", map[string]any{"recipientEmail": emails[1], "amount": "1"}, basicHdr(emails[0], pw))
	fmt.Printf("6 payment after freeing space: %d\n", r.Status)
	// replay of an idempotency key refused while full: must not be consumed
	r = do(src, "POST", "/payments", map[string]any{"recipientEmail": emails[1], "amount": "1.5", "memo": strings.Repeat("m", 200)}, mergeH(basicHdr(emails[0], pw), map[string]string{"Idempotency-Key": fmt.Sprint("full-", tag, "-0")}))
	fmt.Printf("6 same idempotency key after freeing: %d replayed=%q\n", r.Status, r.Header.Get("Idempotent-Replayed"))
	sum1, _ := sumUsers()
	fmt.Printf("6 after: sum %s (before %s, + add-balances that succeeded)\n", sum1, sum0)
}

func mergeH(a, b map[string]string) map[string]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}
