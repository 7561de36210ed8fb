package client

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// faultKind is what the proxy does with one request.
type faultKind int

const (
	pass      faultKind = iota // forward it
	drop                       // close the connection without forwarding
	dropAfter                  // forward it, then close the connection without answering
	delay                      // wait, then forward
	status                     // answer with an error status (503, 429, 500) and Retry-After
)

type fault struct {
	kind       faultKind
	wait       time.Duration
	code       int
	retryAfter string
}

// faultProxy sits between the client and the real service and injects
// faults on a schedule: rule gets the request and how many times its
// "METHOD path" was seen before (0 for the first).
type faultProxy struct {
	t      testing.TB
	hs     *httptest.Server
	target *url.URL
	rp     *httputil.ReverseProxy

	mu    sync.Mutex
	rule  func(r *http.Request, n int) fault
	hits  map[string]int
	agent []string
}

func newFaultProxy(t testing.TB, targetURL string) *faultProxy {
	u, err := url.Parse(targetURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, target: u, hits: map[string]int{}, rp: httputil.NewSingleHostReverseProxy(u)}
	p.rp.ErrorLog = log.New(io.Discard, "", 0)
	p.hs = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.hs.Close)
	return p
}

func (p *faultProxy) URL() string { return p.hs.URL }

// setRule replaces the schedule and starts counting requests afresh.
func (p *faultProxy) setRule(rule func(r *http.Request, n int) fault) {
	p.mu.Lock()
	p.rule = rule
	p.hits = map[string]int{}
	p.mu.Unlock()
}

// count is how many requests "METHOD path" reached the proxy.
func (p *faultProxy) count(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[key]
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	p.mu.Lock()
	n := p.hits[key]
	p.hits[key]++
	p.agent = append(p.agent, r.Header.Get("User-Agent"))
	rule := p.rule
	p.mu.Unlock()
	f := fault{}
	if rule != nil {
		f = rule(r, n)
	}
	switch f.kind {
	case drop:
		hangUp(w)
	case dropAfter:
		body, _ := io.ReadAll(r.Body)
		out, _ := http.NewRequest(r.Method, p.target.String()+r.URL.RequestURI(), bytes.NewReader(body))
		out.Header = r.Header.Clone()
		if res, err := http.DefaultTransport.RoundTrip(out); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		hangUp(w)
	case delay:
		select {
		case <-time.After(f.wait):
		case <-r.Context().Done():
			return
		}
		p.rp.ServeHTTP(w, r)
	case status:
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.code)
		io.WriteString(w, `{"message":"injected","code":"unavailable"}`)
	default:
		p.rp.ServeHTTP(w, r)
	}
}

// hangUp closes the connection without a response.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// firstN applies f to the first n requests matching method and path.
func firstN(method, path string, n int, f fault) func(*http.Request, int) fault {
	return func(r *http.Request, seen int) fault {
		if r.Method == method && r.URL.Path == path && seen < n {
			return f
		}
		return fault{}
	}
}

// recorder is a transport that notes every request's path and Authorization header.
type recorder struct {
	mu    sync.Mutex
	paths []string
	authz []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.paths = append(r.paths, req.URL.Path)
	r.authz = append(r.authz, req.Header.Get("Authorization"))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}
