package hub_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/syftbox/syftwallet/server/hub"
	"github.com/syftbox/syftwallet/server/hub/hubtest"
)

// BenchmarkIdleConnectionMemory opens 5,000 idle event connections (100 accounts, 50 sessions
// each) and reports what they cost the server: heap in use plus goroutine stacks, after GC, per
// connection. The clients run in a child process (this test binary, re-run as
// TestHelperIdleClients), so the figures are the server's alone.
//
//	go test -run '^$' -bench IdleConnectionMemory -benchtime 1x ./server/hub/
func BenchmarkIdleConnectionMemory(b *testing.B) {
	const conns, accounts = 5000, 100
	raiseFileLimit(b, conns+1000)
	// One address, 50 per account: beyond the default caps, which this measures nothing of.
	env := hubtest.New(b, hubtest.Options{Hub: hub.Options{MaxPerAccount: -1, MaxPerAddress: -1}})
	var tokens []string
	for i := 0; i < accounts; i++ {
		a := env.Account(b, fmt.Sprintf("u%d@example.com", i), 0)
		tokens = append(tokens, a.ID)
	}
	for i := 0; i < b.N; i++ {
		before := memory()
		release := idleClients(b, env.URL, conns, tokens...)
		for env.Hub.Connections() < conns {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // every writer has sent hello and gone idle
		after := memory()
		release()
		per := func(x, y uint64) float64 { return float64(int64(y)-int64(x)) / conns }
		b.ReportMetric(per(before.heap, after.heap), "heap-B/conn")
		b.ReportMetric(per(before.stack, after.stack), "stack-B/conn")
		b.ReportMetric(per(before.heap+before.stack, after.heap+after.stack), "total-B/conn")
		b.ReportMetric(float64(after.goroutines-before.goroutines)/conns, "goroutines/conn")
		for env.Hub.Connections() > 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// idleClients starts TestHelperIdleClients in a child process (this test binary, re-run) with n
// connections to url spread over the accounts, and waits until they are open; release closes them
// and waits for the process to end.
func idleClients(b *testing.B, url string, n int, accounts ...string) (release func()) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperIdleClients$")
	cmd.Env = append(os.Environ(), "HUBBENCH_URL="+url, "HUBBENCH_N="+strconv.Itoa(n),
		"HUBBENCH_ACCOUNTS="+strings.Join(accounts, ","))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		b.Fatalf("clients: %q %v", line, err)
	}
	return func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

type mem struct {
	heap, stack uint64
	goroutines  int
}

func memory() mem {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return mem{heap: m.HeapInuse, stack: m.StackInuse, goroutines: runtime.NumGoroutine()}
}

func raiseFileLimit(tb testing.TB, n uint64) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		tb.Fatal(err)
	}
	if l.Cur >= n {
		return
	}
	if l.Max < n {
		tb.Skipf("open file limit %d is below %d", l.Max, n)
	}
	l.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		tb.Fatal(err)
	}
}

// TestHelperIdleClients is the client side of BenchmarkIdleConnectionMemory, in its own process:
// it opens HUBBENCH_N connections, reads each hello, says "ready", and holds them until its stdin
// closes. It does nothing in a normal test run.
func TestHelperIdleClients(t *testing.T) {
	url := os.Getenv("HUBBENCH_URL")
	if url == "" {
		t.Skip("helper process for BenchmarkIdleConnectionMemory")
	}
	n, _ := strconv.Atoi(os.Getenv("HUBBENCH_N"))
	accounts := strings.Split(os.Getenv("HUBBENCH_ACCOUNTS"), ",")
	raiseFileLimit(t, uint64(n+1000))
	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 256}
	wsConns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			tok := hubtest.Token(accounts[i%len(accounts)], fmt.Sprint("s", i))
			ws, _, err := d.Dial(hubtest.EventsURL(url, ""), http.Header{"Authorization": {"Bearer " + tok}})
			if err != nil {
				errs <- err
				return
			}
			_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
			if _, _, err := ws.ReadMessage(); err != nil { // hello
				errs <- err
				return
			}
			wsConns[i] = ws
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, ws := range wsConns {
		ws.Close()
	}
	os.Exit(0)
}

// BenchmarkOneAccountFlood opens 2,000 connections of one account from one address (the attack of
// issue 11, item 9) and reports what the server holds once they have settled: connections open
// and heap plus stacks in MiB, without a cap per account (the baseline, as before the cap) and
// with the default cap of 20. The clients run in a child process, as for IdleConnectionMemory.
//
//	go test -run '^$' -bench OneAccountFlood -benchtime 1x ./server/hub/
func BenchmarkOneAccountFlood(b *testing.B) {
	const conns = 2000
	raiseFileLimit(b, conns+1000)
	for _, c := range []struct {
		name string
		max  int
	}{{"nocap", -1}, {"cap20", hub.DefaultMaxPerAccount}} {
		b.Run(c.name, func(b *testing.B) {
			env := hubtest.New(b, hubtest.Options{Hub: hub.Options{MaxPerAccount: c.max, MaxPerAddress: -1}})
			acct := env.Account(b, "flood@example.com", 0)
			want := conns
			if c.max > 0 {
				want = c.max
			}
			for i := 0; i < b.N; i++ {
				before := memory()
				release := idleClients(b, env.URL, conns, acct.ID)
				for env.Hub.Connections() != want {
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(time.Second) // the replaced connections' close grace has passed
				after := memory()
				open := env.Hub.Connections()
				release()
				mib := func(x, y uint64) float64 { return float64(int64(y)-int64(x)) / (1 << 20) }
				b.ReportMetric(float64(open), "open")
				b.ReportMetric(mib(before.heap+before.stack, after.heap+after.stack), "server-MiB")
				b.ReportMetric(float64(after.goroutines-before.goroutines), "goroutines")
				for env.Hub.Connections() > 0 {
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
}
