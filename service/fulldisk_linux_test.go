//go:build linux

package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/testkit"
)

// smallDisk mounts a tmpfs of size bytes on a new directory, or skips the test saying why.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("cannot mount a %d-byte tmpfs for the full-disk test (%v): it needs root or CAP_SYS_ADMIN", size, err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes a file in dir until the file system is full and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for _, n := range []int{4096, 512, 1} { // the last blocks
		for {
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
	return path
}

// TestFullDiskThroughTheService: with the ledger's disk full, payments (and the other writes)
// answer 503 unavailable with Retry-After and a sentence saying storage is full, the service logs
// it once a minute however many requests arrive, nothing is half written, and once space is freed
// the same service works again (issue 11, item 6).
func TestFullDiskThroughTheService(t *testing.T) {
	dir := smallDisk(t, 8<<20)
	logs := &testkit.Buffer{}
	svc := startForTest(t, dir, func(o *Options) {
		o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ada := signUp(t, svc, "ada@example.com", 1_000_000)
	bob := signUp(t, svc, "bob@example.com", 0)
	memo := strings.Repeat("m", 280)
	md := map[string]string{}
	for i := 0; i < 20; i++ {
		md[fmt.Sprint("k", i)] = strings.Repeat("v", 400)
	}
	pay := func() answer {
		return send(t, "POST", svc.URL+"/payments", map[string]any{"recipientEmail": bob.email, "amount": 1,
			"memo": memo, "metadata": md}, ada.bearer()...)
	}
	checkFull := func(what string, a answer) {
		t.Helper()
		e := a.apiErr(t)
		if a.status != 503 || e.Code != api.CodeUnavailable || !strings.Contains(e.Message, "storage is full") ||
			a.header.Get(api.HeaderRetryAfter) == "" || a.header.Get(api.HeaderRequestID) == "" {
			t.Fatalf("%s while full: %d %v %s", what, a.status, a.header, a.body)
		}
		for _, leak := range []string{"ledger", "sqlite", "disk I/O", "(13)", dir} {
			if strings.Contains(string(a.body), leak) {
				t.Fatalf("%s: internals in the answer: %s", what, a.body)
			}
		}
	}

	filler := fill(t, dir)
	paid := 0
	for ; paid < 5000; paid++ {
		a := pay()
		if a.status == 201 {
			continue
		}
		checkFull("a payment", a)
		break
	}
	if paid == 5000 {
		t.Fatal("5000 payments on a full disk, none refused")
	}
	t.Logf("%d payments went through before the disk was full", paid)

	// Many requests at once, of every kind that writes: all 503, one log line.
	const burst = 24
	start := make(chan struct{})
	type result struct {
		a   answer
		err error
	}
	res := make(chan result, burst)
	for i := 0; i < burst; i++ {
		go func(i int) {
			<-start
			var r result
			switch i % 3 {
			case 0:
				r.a, r.err = trySend("POST", svc.URL+"/payments", map[string]any{"recipientEmail": bob.email,
					"amount": 1, "memo": memo, "metadata": md}, ada.bearer()...)
			case 1:
				r.a, r.err = trySend("POST", svc.URL+"/transaction/create", map[string]any{"recipientEmail": bob.email,
					"amount": 1, "appName": memo[:200]}, ada.bearer()...)
			default:
				r.a, r.err = trySend("POST", svc.URL+"/transactions/batch", map[string]any{"payments": []map[string]any{
					{"recipientEmail": bob.email, "amount": 1, "memo": memo, "metadata": md}}}, ada.bearer()...)
			}
			res <- r
		}(i)
	}
	close(start)
	for i := 0; i < burst; i++ {
		r := <-res
		if r.err != nil {
			t.Fatal(r.err)
		}
		checkFull(fmt.Sprint("request ", i), r.a)
	}
	if n := strings.Count(logs.String(), "ledger storage is full"); n != 1 {
		t.Fatalf("logged %d times, want once a minute:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), `"status":500`) {
		t.Fatal("a request answered 500 on a full disk")
	}
	inv, err := svc.Ledger.Check(t.Context())
	if err != nil || !inv.OK() {
		t.Fatalf("invariants on a full disk: %+v %v", inv, err)
	}

	// Space again: the same service, no restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if a := pay(); a.status != 201 {
		t.Fatalf("after space was freed: %d %s", a.status, a.body)
	}
	paid++
	var u api.UserBody
	if a := send(t, "GET", svc.URL+"/account", nil, bob.bearer()...); a.status != 200 || json.Unmarshal(a.body, &u) != nil ||
		u.User.Balance != money.Micros(paid)*money.Scale {
		t.Fatalf("bob after %d payments: %d %s", paid, a.status, a.body)
	}
	inv, err = svc.Ledger.Check(t.Context())
	if err != nil || !inv.OK() {
		t.Fatalf("invariants after recovery: %+v %v", inv, err)
	}
}
