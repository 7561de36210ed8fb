package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server"
	"github.com/syftbox/syftwallet/server/redisbudget/redistest"
	"github.com/syftbox/syftwallet/testkit"
)

// Three instances of the service on one ledger (one SQLite file, as three processes would share
// it) and one Redis, reached through a proxy the test can cut.
type cluster struct {
	svcs  []*Service
	logs  []*testkit.Buffer
	proxy *redistest.Proxy
}

func startCluster(t *testing.T, redisURL string, useRedis, requestLimits bool) *cluster {
	t.Helper()
	cl := &cluster{}
	purl := ""
	if useRedis {
		cl.proxy, purl = redistest.NewProxy(t, redisURL)
	}
	db := filepath.Join(t.TempDir(), "ledger.db")
	for range 3 { // one after the other: the first makes keys.json, the others open it
		buf := &testkit.Buffer{}
		// RedisTimeout: a loaded machine may answer slowly; only the proxy's cut is to fall back.
		o := Options{Addr: "127.0.0.1:0", DBPath: db, RedisURL: purl, RedisTimeout: 20 * time.Second,
			WelcomeCredit: 100 * money.Scale, Logger: buf.Logger(),
			// An account's budget of 10 refills one failure a minute (not every 12 s), so that
			// ten slow hashes on a loaded machine still spend it before it refills.
			Limits: server.Limits{Account: server.Rate{PerMinute: 1, Burst: 10}}}
		if requestLimits {
			o.RequestsPerAddress, o.RequestsPerKey = 100_000, 10_000
		}
		svc, err := Start(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := svc.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
		cl.svcs = append(cl.svcs, svc)
		cl.logs = append(cl.logs, buf)
	}
	return cl
}

// jsonCall sends a JSON request and returns the status and the decoded body.
func jsonCall(t *testing.T, method, url string, body any, header map[string]string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	return resp.StatusCode, doc
}

// brief is what a failure message shows of an answer: its error code and message, never a token.
func brief(doc map[string]any) string { return fmt.Sprintf("%v: %v", doc["code"], doc["message"]) }

func register(t *testing.T, base, email, password string) {
	t.Helper()
	if st, doc := jsonCall(t, "POST", base+"/auth/register", map[string]any{"email": email, "password": password}, nil); st != http.StatusCreated {
		t.Fatalf("register %s: %d %s", email, st, brief(doc))
	}
}

func login(t *testing.T, base, email, password string) (int, map[string]any) {
	t.Helper()
	return jsonCall(t, "POST", base+"/auth/login", map[string]any{"email": email, "password": password}, nil)
}

// lockOut makes ten wrong passwords for email, round robin over svcs; each must be refused.
func lockOut(t *testing.T, svcs []*Service, email string) {
	t.Helper()
	for i := range 10 {
		st, doc := login(t, svcs[i%len(svcs)].URL, email, "not the password")
		if st != http.StatusUnauthorized && st != http.StatusTooManyRequests {
			t.Fatalf("wrong password %d: %d %s", i+1, st, brief(doc))
		}
	}
}

func uniqueEmail(t *testing.T, who string) string {
	return fmt.Sprintf("%s-%d@example.com", who, time.Now().UnixNano())
}

const rightPassword = "correct horse battery staple"

// Ten wrong passwords spread over three instances lock the account on all of them: the right
// password on the third is refused (429), as it would be after ten wrong ones on one instance.
func TestFailureLimitsHoldAcrossInstances(t *testing.T) {
	cl := startCluster(t, redistest.URL(t), true, false)
	owner := uniqueEmail(t, "owner")
	register(t, cl.svcs[0].URL, owner, rightPassword)
	lockOut(t, cl.svcs, owner)
	st, doc := login(t, cl.svcs[2].URL, owner, rightPassword)
	if st != http.StatusTooManyRequests || doc["code"] != "rate_limited" {
		t.Fatalf("right password after ten wrong ones over three instances: %d %s, want 429 rate_limited", st, brief(doc))
	}
}

// Redis stops in the middle: payments go on on every instance, sign-in limits fall back to each
// instance's own (and still stop guessing there), /readyz says "degraded", and the outage is
// logged once per instance. When Redis is back the limits are shared again, logged once. Run with
// and without request limits: with them, payments take from budgets in Redis too; without them,
// a sign-in is the first call to meet the cut.
func TestRedisStopsMidway(t *testing.T) {
	url := redistest.URL(t)
	for _, limits := range []bool{false, true} {
		t.Run(fmt.Sprintf("requestLimits=%v", limits), func(t *testing.T) { redisStopsMidway(t, url, limits) })
	}
}

func redisStopsMidway(t *testing.T, url string, requestLimits bool) {
	cl := startCluster(t, url, true, requestLimits)
	payer, payee := uniqueEmail(t, "payer"), uniqueEmail(t, "payee")
	register(t, cl.svcs[0].URL, payer, rightPassword)
	register(t, cl.svcs[1].URL, payee, rightPassword)

	cl.proxy.Cut()
	var tokens []string
	for i, svc := range cl.svcs {
		st, doc := login(t, svc.URL, payer, rightPassword)
		if st != http.StatusOK {
			t.Fatalf("sign-in on instance %d without Redis: %d %s", i, st, brief(doc))
		}
		tokens = append(tokens, doc["accessToken"].(string))
	}
	// Payments at once on all three instances, each with its own key.
	start := make(chan struct{})
	var wg sync.WaitGroup
	statuses := make([]int, 30)
	for i := range statuses {
		wg.Go(func() {
			<-start
			statuses[i], _ = jsonCall(t, "POST", cl.svcs[i%3].URL+"/payments",
				map[string]any{"recipientEmail": payee, "amount": "0.01"},
				map[string]string{"Authorization": "Bearer " + tokens[i%3], "Idempotency-Key": fmt.Sprintf("redis-down-%d", i)})
		})
	}
	close(start)
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusCreated {
			t.Errorf("payment %d on instance %d while Redis is away: %d, want 201", i, i%3, st)
		}
	}
	// The fallback still limits: ten wrong passwords on one instance lock the account there.
	victim := uniqueEmail(t, "victim")
	register(t, cl.svcs[0].URL, victim, rightPassword)
	lockOut(t, cl.svcs[:1], victim)
	if st, doc := login(t, cl.svcs[0].URL, victim, rightPassword); st != http.StatusTooManyRequests {
		t.Errorf("right password after ten wrong ones on one instance without Redis: %d %s, want 429", st, brief(doc))
	}
	if st, doc := jsonCall(t, "GET", cl.svcs[1].URL+"/readyz", nil, nil); st != http.StatusOK ||
		doc["status"] != "degraded" || doc["checks"].(map[string]any)["redis"] != "unreachable" {
		t.Errorf("readyz without Redis: %d %v, want 200 degraded with redis unreachable", st, doc)
	}

	cl.proxy.Restore()
	// Each instance tries Redis again once its backoff (1 s) has passed: sign in until the log
	// says the limits are shared again.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(cl.logs[0].String(), "Redis answers again") {
		if time.Now().After(deadline) {
			t.Fatalf("instance 0 never used Redis again; its log:\n%s", cl.logs[0].String())
		}
		time.Sleep(100 * time.Millisecond)
		login(t, cl.svcs[0].URL, payer, rightPassword)
	}
	if st, doc := jsonCall(t, "GET", cl.svcs[0].URL+"/readyz", nil, nil); st != http.StatusOK || doc["status"] != "ok" {
		t.Errorf("readyz with Redis back: %d %v", st, doc)
	}
	out := cl.logs[0].String()
	if n := strings.Count(out, "Redis cannot be reached"); n != 1 {
		t.Errorf("instance 0 logged the outage %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "Redis answers again"); n != 1 {
		t.Errorf("instance 0 logged the recovery %d times, want once:\n%s", n, out)
	}
	// Shared again: ten wrong passwords over the three lock the account everywhere.
	late := uniqueEmail(t, "late")
	register(t, cl.svcs[0].URL, late, rightPassword)
	lockOut(t, cl.svcs, late)
	if st, doc := login(t, cl.svcs[1].URL, late, rightPassword); st != http.StatusTooManyRequests {
		t.Errorf("after Redis came back, right password after ten wrong ones over three instances: %d %s, want 429", st, brief(doc))
	}
}
