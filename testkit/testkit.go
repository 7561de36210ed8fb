// Package testkit is what the tests of several packages share and is not the business of any one
// of them: a buffer that a goroutine (a logger) writes while the test reads it, a TCP proxy in
// front of a real server (the events service, PostgreSQL, Redis) that a test can cut, so that "the
// network failed" is a real broken connection, not a mock, checks of files (their permissions;
// which of them hold a secret), and a start barrier (Together) that fires a burst at once. It is
// for tests only: production code must not import it. It knows nothing of the wallet.
package testkit

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
)

// Buffer is a bytes.Buffer safe for one writer (a logger, a running command) and a reader.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Logger is a logger that writes its records to b as text lines, at Info and above (as the
// service logs by default), for the test to read what was logged.
func (b *Buffer) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// Proxy forwards TCP connections from a loopback port to a target address. Cut closes every
// connection through it (as a network failure would); Stop does too and refuses new ones until
// Restore (as a server that stopped and came back).
type Proxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
	cuts     int
	refusing bool
	closed   bool
}

// NewProxy listens on loopback and forwards to target (host:port); t.Cleanup closes it.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL is the proxy's base URL for HTTP.
func (p *Proxy) URL() string { return "http://" + p.Addr() }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.refusing || p.closed {
			p.mu.Unlock()
			c.Close()
			up.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// Cut closes every connection through the proxy; new ones are forwarded again at once.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut()
}

func (p *Proxy) cut() {
	for c := range p.conns {
		c.Close()
	}
	p.cuts++
}

// Stop closes every connection and refuses new ones until Restore.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refusing = true
	p.cut()
}

// Restore forwards new connections again after Stop.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refusing = false
}

// Cuts is how many times Cut or Stop ran.
func (p *Proxy) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// Close stops the proxy and waits for its goroutines.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}

// String names the proxy.
func (p *Proxy) String() string { return fmt.Sprintf("proxy %s -> %s", p.Addr(), p.target) }
