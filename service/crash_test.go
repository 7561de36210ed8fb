package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger/sqlite"
)

const (
	childEnv   = "SYFTWALLET_CRASH_CHILD_DIR"
	childDBEnv = "SYFTWALLET_CRASH_CHILD_DATABASE_URL"
)

// TestCrashChild is not a test: it is the service process that TestCrashRecovery starts and kills.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashRecovery")
	}
	o := Options{Addr: "127.0.0.1:0", DBPath: filepath.Join(dir, "ledger.db"), AdminKey: "admin-key"}
	if db := os.Getenv(childDBEnv); db != "" { // an instance on a shared PostgreSQL ledger
		o.DBPath, o.DatabaseURL, o.KeysPath = "", db, filepath.Join(dir, "keys.json")
	}
	svc, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "url.tmp"), []byte(svc.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Rename(filepath.Join(dir, "url.tmp"), filepath.Join(dir, "url"))
	select {} // until killed
}

func startChild(t *testing.T, dir string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	os.Remove(filepath.Join(dir, "url"))
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), childEnv+"="+dir), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, "url")); err == nil {
			return cmd, string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("service child did not start")
	return nil, ""
}

func call(c *http.Client, method, url, auth string, body any, hdr map[string]string) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, err = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes(), err
}

// TestCrashRecovery kills the service (SIGKILL) while payments are in flight, restarts it, and
// checks that the ledger's invariants hold and that every payment acknowledged with 201 is there.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a service process")
	}
	dir := t.TempDir()
	cmd, url := startChild(t, dir)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	hc := &http.Client{Timeout: 10 * time.Second}
	const nAcct = 4
	auths := make([]string, nAcct)
	emails := make([]string, nAcct)
	for i := range auths {
		emails[i] = fmt.Sprintf("p%d@example.com", i)
		pw := fmt.Sprintf("password-%d-long", i)
		st, body, err := call(hc, "POST", url+"/user/create", "", map[string]any{"email": emails[i], "password": pw}, nil)
		if err != nil || st != 201 {
			t.Fatalf("create: %d %s %v", st, body, err)
		}
		st, body, err = call(hc, "POST", url+"/user/add-balance", "Bearer admin-key",
			map[string]any{"recipientEmail": emails[i], "amount": 1000}, nil)
		if err != nil || st != 200 {
			t.Fatalf("add balance: %d %s %v", st, body, err)
		}
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(emails[i], pw)
		auths[i] = req.Header.Get("Authorization")
	}

	type ack struct{ sender, key, id string }
	var (
		mu    sync.Mutex
		acks  []ack
		count atomic.Int64
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				from, to := (w+i)%nAcct, (w+i+1)%nAcct
				key := fmt.Sprintf("w%d-%d", w, i)
				st, body, err := call(hc, "POST", url+"/payments", auths[from],
					map[string]any{"recipientEmail": emails[to], "amount": "0.01"}, map[string]string{api.HeaderIdempotencyKey: key})
				if err != nil {
					return // the service is gone
				}
				if st == 201 {
					var tb api.TransactionBody
					if err := json.Unmarshal(body, &tb); err != nil {
						t.Errorf("201 body: %s", body)
						return
					}
					mu.Lock()
					acks = append(acks, ack{emails[from], key, tb.Transaction.ID})
					mu.Unlock()
					count.Add(1)
				} else if st == http.StatusServiceUnavailable {
					// "busy checking passwords": 16 workers' first Basic checks at once fill the
					// hashing queue on a loaded machine; a client waits and tries again.
					time.Sleep(20 * time.Millisecond)
				} else if st != 402 {
					t.Errorf("payment: %d %s", st, body)
					return
				}
			}
		}(w)
	}
	for count.Load() < 300 {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	close(stop)
	wg.Wait()
	t.Logf("%d payments acknowledged before SIGKILL", len(acks))

	// The ledger as the killed process left it.
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := store.Check(ctx)
	if err != nil || !inv.OK() {
		t.Fatalf("invariants after crash: %+v %v", inv, err)
	}
	for _, a := range acks {
		if _, err := store.Transaction(ctx, a.id); err != nil {
			t.Fatalf("acknowledged payment %s lost: %v", a.id, err)
		}
	}
	store.Close()

	// Restarted, it serves, and a retried key replays the payment it acknowledged.
	cmd2, url2 := startChild(t, dir)
	defer func() { cmd2.Process.Kill(); cmd2.Wait() }()
	last := acks[len(acks)-1]
	from := 0
	for i, e := range emails {
		if e == last.sender {
			from = i
		}
	}
	// The retry must carry the same request: find its recipient from the key's worker/index.
	var w, i int
	fmt.Sscanf(strings.TrimPrefix(last.key, "w"), "%d-%d", &w, &i)
	st, body, err := call(hc, "POST", url2+"/payments", auths[from],
		map[string]any{"recipientEmail": emails[(w+i+1)%nAcct], "amount": "0.01"}, map[string]string{api.HeaderIdempotencyKey: last.key})
	if err != nil || st != 201 || !strings.Contains(string(body), last.id) {
		t.Fatalf("replay after restart: %d %s %v", st, body, err)
	}
}
