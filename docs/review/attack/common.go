package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"
)

var base = "http://127.0.0.1:18080"
var adminKey = "rev-admin-key-0123456789"

// clients bound to a source address, cached.
var (
	cmu     sync.Mutex
	clients = map[string]*http.Client{}
)

func client(src string) *http.Client {
	cmu.Lock()
	defer cmu.Unlock()
	if c, ok := clients[src]; ok {
		return c
	}
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 200, MaxConnsPerHost: 0, IdleConnTimeout: 30 * time.Second}
	c := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	clients[src] = c
	return c
}

// bodyReader is what do sends: nothing for nil, a string or []byte as it is, anything else as JSON.
func bodyReader(body any) io.Reader {
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	case []byte:
		return bytes.NewReader(b)
	}
	j, _ := json.Marshal(body)
	return bytes.NewReader(j)
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
	Dur    time.Duration
	Err    error
}

func (r resp) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

func (r resp) str(k string) string {
	v, _ := r.json()[k].(string)
	return v
}

func do(src, method, path string, body any, hdr map[string]string) resp {
	rd := bodyReader(body)
	req, _ := http.NewRequestWithContext(context.Background(), method, base+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	t := time.Now()
	res, err := client(src).Do(req)
	if err != nil {
		return resp{Err: err, Dur: time.Since(t)}
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	r := resp{Status: res.StatusCode, Header: res.Header, Body: b, Dur: time.Since(t)}
	checkJSON(method+" "+path, r)
	return r
}

var nonJSON struct {
	sync.Mutex
	seen []string
}

// checkJSON records every response that is not JSON (except 204) or is a 500.
func checkJSON(what string, r resp) {
	if r.Status == 204 || r.Status == 101 {
		return
	}
	ct := r.Header.Get("Content-Type")
	ok := strings.HasPrefix(ct, "application/json") && json.Valid(r.Body)
	if !ok || r.Status >= 500 && r.Status != 503 || r.Header.Get("X-Request-Id") == "" {
		nonJSON.Lock()
		nonJSON.seen = append(nonJSON.seen, fmt.Sprintf("%s -> %d %q %.200s", what, r.Status, ct, r.Body))
		nonJSON.Unlock()
	}
	if r.Status == 503 || r.Status == 429 {
		if r.Header.Get("Retry-After") == "" {
			nonJSON.Lock()
			nonJSON.seen = append(nonJSON.seen, fmt.Sprintf("%s -> %d without Retry-After", what, r.Status))
			nonJSON.Unlock()
		}
	}
}

func reportNonJSON() {
	nonJSON.Lock()
	defer nonJSON.Unlock()
	fmt.Printf("non-JSON / 5xx / missing Retry-After answers: %d\n", len(nonJSON.seen))
	for i, s := range nonJSON.seen {
		if i > 20 {
			fmt.Println("  …")
			break
		}
		fmt.Println("  ", s)
	}
	nonJSON.seen = nil
}

func basicHdr(email, pw string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+pw))}
}

func bearer(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok}
}

func admin() map[string]string { return bearer(adminKey) }

// register creates email with password from src (admin create avoids the per-address limit? no:
// /user/create ignores Authorization), returns status.
func register(src, email, pw string) resp {
	return do(src, "POST", "/auth/register", map[string]any{"email": email, "password": pw}, nil)
}

// mustRegister registers email from src and prints "FAIL: what" unless it was created.
func mustRegister(src, email, pw, what string) {
	must(register(src, email, pw).Status == 201, "%s", what)
}

// runTag makes this run's email addresses new: every attack registers accounts of its own.
func runTag() string { return fmt.Sprint(time.Now().UnixNano() % 1e8) }

// pair registers na+tag and nb+tag (at example.com) from src with password pw.
func pair(src, tag, pw, na, nb string) (a, b string) {
	a, b = na+tag+"@example.com", nb+tag+"@example.com"
	register(src, a, pw)
	register(src, b, pw)
	return a, b
}

// fundedPair is the set-up of a test that writes as an account: a and b as pair registers them,
// a credited 100, and a's Basic and Bearer headers.
func fundedPair(src, tag, pw, na, nb string) (a, b string, basicA, bearerA map[string]string) {
	a, b = pair(src, tag, pw, na, nb)
	r := fund(src, a, "100")
	must(r.Status == 200, "add-balance %d %s", r.Status, r.Body)
	return a, b, basicHdr(a, pw), bearer(token(src, a, pw))
}

// fund credits email with amount (a decimal string) through the admin key.
func fund(src, email, amount string) resp {
	return do(src, "POST", "/user/add-balance", map[string]any{"recipientEmail": email, "amount": amount}, admin())
}

// withKey is a copy of h with an Idempotency-Key, so each case of a table is its own request.
func withKey(h map[string]string, key string) map[string]string {
	out := map[string]string{"Idempotency-Key": key}
	for k, v := range h {
		out[k] = v
	}
	return out
}

func login(src, email, pw string) resp {
	return do(src, "POST", "/auth/login", map[string]any{"email": email, "password": pw}, nil)
}

// together runs f(0) … f(n-1) at once behind a barrier and waits for them all.
func together(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			f(i)
		}(i)
	}
	close(start)
	wg.Wait()
}

// burst sends n requests at once behind a barrier and returns their answers in order.
func burst(n int, f func(i int) resp) []resp {
	out := make([]resp, n)
	together(n, func(i int) { out[i] = f(i) })
	return out
}

// messages counts the answers by status and message; every "The code is wrong…" counts as one,
// whatever attempts it says are left.
func messages(rs []resp) map[string]int {
	msgs := map[string]int{}
	for _, r := range rs {
		m := r.str("message")
		if strings.HasPrefix(m, "The code is wrong") {
			m = "The code is wrong…(evaluated)"
		}
		msgs[fmt.Sprint(r.Status)+" "+m]++
	}
	return msgs
}

func tally(rs []resp) string {
	m := map[string]int{}
	for _, r := range rs {
		k := fmt.Sprint(r.Status)
		if r.Err != nil {
			k = "err:" + r.Err.Error()
		}
		m[k]++
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s x %d, ", k, m[k])
	}
	return strings.TrimSuffix(b.String(), ", ")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func durations(rs []resp) []time.Duration {
	ds := make([]time.Duration, len(rs))
	for i, r := range rs {
		ds[i] = r.Dur
	}
	return ds
}

func maxDur(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

func must(cond bool, f string, a ...any) {
	if !cond {
		fmt.Printf("FAIL: "+f+"\n", a...)
	}
}

func die(f string, a ...any) {
	fmt.Fprintf(os.Stderr, f+"\n", a...)
	os.Exit(1)
}

// mfaAccount registers email, signs in, enrolls and enables MFA; returns the secret and recovery codes.
func mfaAccount(src, email, pw string) (string, []string) {
	r := register(src, email, pw)
	if r.Status != 201 && r.Status != 409 {
		die("register %s: %d %s", email, r.Status, r.Body)
	}
	l := login(src, email, pw)
	tok := l.str("accessToken")
	if tok == "" {
		die("login %s: %d %s", email, l.Status, l.Body)
	}
	e := do(src, "POST", "/auth/mfa/enroll", nil, bearer(tok))
	secret := e.str("secret")
	if secret == "" {
		die("enroll: %d %s", e.Status, e.Body)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	en := do(src, "POST", "/auth/mfa/enable", map[string]any{"code": code}, bearer(tok))
	var rc struct {
		RecoveryCodes []string `json:"recoveryCodes"`
	}
	_ = json.Unmarshal(en.Body, &rc)
	if len(rc.RecoveryCodes) == 0 {
		die("enable: %d %s", en.Status, en.Body)
	}
	return secret, rc.RecoveryCodes
}

func token(src, email, pw string) string {
	l := login(src, email, pw)
	t := l.str("accessToken")
	if t == "" {
		die("login %s from %s: %d %s", email, src, l.Status, l.Body)
	}
	return t
}
