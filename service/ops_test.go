package service

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/ledger/postgres/pgtest"
	"github.com/syftbox/syftwallet/money"
)

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// sample is the value of the metric line that starts with series (name and labels as written).
func sample(t *testing.T, text, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+-]+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no %s in the metrics:\n%s", series, text)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Two instances in one process, each with its metrics on a listener of its own (so each has its
// own registry: a shared one would refuse the second's collectors): payments show up as requests
// by route and status, in the payment latency histogram and as committed groups, on the instance
// that served them only; /metrics is not on the public listener; /readyz answers for the ledger.
func TestMetricsAndReadiness(t *testing.T) {
	dir := t.TempDir()
	var svcs []*Service
	for i := range 2 {
		svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
			DBPath: filepath.Join(dir, fmt.Sprint(i), "ledger.db"), WelcomeCredit: 10 * money.Scale})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := svc.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
		svcs = append(svcs, svc)
	}
	a := svcs[0]
	payThree(t, a.URL, "m-")
	if st, _ := jsonCall(t, "GET", a.URL+"/nowhere", nil, nil); st != http.StatusNotFound {
		t.Fatalf("GET /nowhere: %d", st)
	}

	text := scrape(t, a.MetricsURL())
	if v := sample(t, text, `syftwallet_http_requests_total{route="POST /payments",status="201"}`); v != 3 {
		t.Errorf("payments counted: %v, want 3", v)
	}
	if v := sample(t, text, `syftwallet_http_requests_total{route="(unrouted)",status="404"}`); v != 1 {
		t.Errorf("unrouted 404s counted: %v, want 1 (by pattern, never by raw path)", v)
	}
	if strings.Contains(text, "/nowhere") {
		t.Error("a raw path became a label")
	}
	if v := sample(t, text, `syftwallet_payment_duration_seconds_count{route="POST /payments"}`); v != 3 {
		t.Errorf("payment latency observations: %v, want 3", v)
	}
	// Two registrations with their welcome credits and three payments: at least 5 calls committed.
	if v := sample(t, text, `syftwallet_ledger_commit_group_size_sum`); v < 5 {
		t.Errorf("calls committed in groups: %v, want at least 5", v)
	}
	if v := sample(t, text, `syftwallet_event_lag_seconds_count`); v < 3 {
		t.Errorf("event lag observations: %v, want at least one per payment", v)
	}
	if v := sample(t, text, `syftwallet_events_connections`); v != 0 {
		t.Errorf("event connections: %v, want 0", v)
	}
	other := scrape(t, svcs[1].MetricsURL())
	if strings.Contains(other, `route="POST /payments"`) {
		t.Error("the other instance's metrics count this instance's payments: the registry is shared")
	}

	if st, doc := jsonCall(t, "GET", a.URL+"/metrics", nil, nil); st != http.StatusNotFound {
		t.Errorf("GET /metrics on the public listener: %d %v, want 404", st, doc)
	}
	st, doc := jsonCall(t, "GET", a.URL+"/readyz", nil, nil)
	if st != http.StatusOK || doc["status"] != "ok" || doc["checks"].(map[string]any)["ledger"] != "ok" {
		t.Errorf("readyz: %d %v", st, doc)
	}
	if _, ok := doc["checks"].(map[string]any)["redis"]; ok {
		t.Errorf("readyz names Redis without --redis: %v", doc)
	}
}

// Without --metrics-addr there is no metrics listener.
func TestMetricsOffByDefault(t *testing.T) {
	svc := startForTest(t, "")
	if u := svc.MetricsURL(); u != "" {
		t.Errorf("MetricsURL %q without MetricsAddr", u)
	}
}

// A ledger that does not answer makes the instance unready: 503 with the error shape, naming
// the ledger, and no error text.
func TestReadyzWithoutTheLedger(t *testing.T) {
	svc := startForTest(t, "")
	if st, doc := jsonCall(t, "GET", svc.URL+"/readyz", nil, nil); st != http.StatusOK {
		t.Fatalf("readyz: %d %v", st, doc)
	}
	svc.Ledger.Close() // Stop closes it again: a no-op
	st, doc := jsonCall(t, "GET", svc.URL+"/readyz", nil, nil)
	if st != http.StatusServiceUnavailable || doc["status"] != "unavailable" || doc["code"] != "unavailable" ||
		doc["checks"].(map[string]any)["ledger"] != "unreachable" || !strings.Contains(fmt.Sprint(doc["message"]), "ledger") {
		t.Fatalf("readyz with the ledger closed: %d %v", st, doc)
	}
	if strings.Contains(fmt.Sprint(doc), "closed") {
		t.Errorf("readyz leaks the error's text: %v", doc)
	}
	if st, _ := jsonCall(t, "GET", svc.URL+"/healthz", nil, nil); st != http.StatusOK {
		t.Errorf("healthz: %d, want 200 (the process answers)", st)
	}
}

// Request limits: per client address for every request but the health checks, and per
// credential (here a session) once authenticated; beyond them 429 rate_limited with Retry-After.
func TestRequestLimits(t *testing.T) {
	svc := startForTest(t, "", func(o *Options) { o.RequestsPerKey = 3 })
	register(t, svc.URL, "ada@example.com", rightPassword)
	var tokens []string
	for range 2 {
		st, doc := login(t, svc.URL, "ada@example.com", rightPassword)
		if st != http.StatusOK {
			t.Fatalf("login: %d %s", st, brief(doc))
		}
		tokens = append(tokens, doc["accessToken"].(string))
	}
	get := func(token string) (int, map[string]any) {
		return jsonCall(t, "GET", svc.URL+"/account", nil, map[string]string{"Authorization": "Bearer " + token})
	}
	for i := range 3 {
		if st, doc := get(tokens[0]); st != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, st, brief(doc))
		}
	}
	if st, doc := get(tokens[0]); st != http.StatusTooManyRequests || doc["code"] != "rate_limited" {
		t.Fatalf("fourth request with one session: %d %s, want 429", st, brief(doc))
	}
	if st, doc := get(tokens[1]); st != http.StatusOK {
		t.Fatalf("another session: %d %s, want its own budget", st, brief(doc))
	}
	// An API key is a credential of its own: its own budget, whichever session made it.
	st, doc := jsonCall(t, "POST", svc.URL+"/auth/api-keys", map[string]any{"name": "ci", "scopes": []string{"read"}},
		map[string]string{"Authorization": "Bearer " + tokens[1]})
	if st != http.StatusCreated {
		t.Fatalf("create an API key: %d %s", st, brief(doc))
	}
	key := doc["key"].(string)
	for i := range 3 {
		if st, doc := get(key); st != http.StatusOK {
			t.Fatalf("request %d with the API key: %d %s", i+1, st, brief(doc))
		}
	}
	if st, doc := get(key); st != http.StatusTooManyRequests {
		t.Fatalf("fourth request with the API key: %d %s, want 429", st, brief(doc))
	}

	byAddr := startForTest(t, "", func(o *Options) { o.RequestsPerAddress = 4 })
	statuses := []int{}
	for range 6 {
		st, _ := jsonCall(t, "GET", byAddr.URL+"/auth/jwks", nil, nil)
		statuses = append(statuses, st)
	}
	if fmt.Sprint(statuses) != "[200 200 200 200 429 429]" {
		t.Errorf("six requests from one address with a limit of 4: %v", statuses)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if st, _ := jsonCall(t, "GET", byAddr.URL+p, nil, nil); st != http.StatusOK {
			t.Errorf("GET %s past the address limit: %d, want 200 (health checks are not limited)", p, st)
		}
	}
}

// Behind a trusted load balancer, per-address limits count the client X-Forwarded-For names,
// not the balancer; without the option the header is ignored.
func TestTrustedProxyNamesTheClient(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		o := Options{Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "ledger.db"), RequestsPerAddress: 2}
		if trusted {
			o.TrustedProxies = []string{"127.0.0.0/8"}
		}
		svc, err := Start(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		get := func(client string) int {
			st, _ := jsonCall(t, "GET", svc.URL+"/auth/jwks", nil, map[string]string{"X-Forwarded-For": client})
			return st
		}
		got := fmt.Sprint(get("203.0.113.1"), get("203.0.113.1"), get("203.0.113.1"), get("203.0.113.2"))
		want := "200 200 429 200" // each client its own budget
		if !trusted {
			want = "200 200 429 429" // one budget: the peer's
		}
		if got != want {
			t.Errorf("trusted=%v: %s, want %s", trusted, got, want)
		}
		svc.Stop()
	}
	if _, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "ledger.db"),
		TrustedProxies: []string{"not-an-address"}}); err == nil {
		t.Error("a malformed trusted proxy was accepted")
	}
}

// On PostgreSQL too, the committed groups reach the metrics: the store reports each commit's
// size as the SQLite writer does, and a failed group as a store error labelled "postgres".
func TestMetricsOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
		DatabaseURL: url, KeysPath: filepath.Join(t.TempDir(), "keys.json"), WelcomeCredit: 10 * money.Scale})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop() })
	payThree(t, svc.URL, "pg-")
	text := scrape(t, svc.MetricsURL())
	if v := sample(t, text, `syftwallet_ledger_commit_group_size_sum`); v < 5 {
		t.Errorf("calls committed in groups on PostgreSQL: %v, want at least 5", v)
	}
}

// payThree registers payer@ and payee@example.com at url, signs the payer in, and pays the payee
// 1.00 three times, with idempotency keys keyPrefix0..2; each must be 201.
func payThree(t *testing.T, url, keyPrefix string) {
	t.Helper()
	payer, payee := "payer@example.com", "payee@example.com"
	register(t, url, payer, rightPassword)
	register(t, url, payee, rightPassword)
	st, doc := login(t, url, payer, rightPassword)
	if st != http.StatusOK {
		t.Fatalf("login: %d %s", st, brief(doc))
	}
	token := doc["accessToken"].(string)
	for i := range 3 {
		if st, doc := jsonCall(t, "POST", url+"/payments", map[string]any{"recipientEmail": payee, "amount": "1.00"},
			map[string]string{"Authorization": "Bearer " + token, "Idempotency-Key": fmt.Sprint(keyPrefix, i)}); st != http.StatusCreated {
			t.Fatalf("payment: %d %s", st, brief(doc))
		}
	}
}
