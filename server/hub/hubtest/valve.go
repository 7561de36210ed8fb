package hubtest

import (
	"net"
	"os"
	"sync"
	"time"
)

// What an Env puts on its listener to make the server's writes stall: a small send buffer
// (Options.SendBufferBytes), or a Valve the test shuts and opens (Options.Valve).

type sndbufListener struct {
	net.Listener
	bytes int
}

func (l sndbufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(l.bytes)
	}
	return c, err
}

// Valve holds back the server's writes while it is shut. The zero value is open.
type Valve struct {
	mu     sync.Mutex
	shut   bool
	opened chan struct{} // closed when the valve opens; replaced when it shuts
}

// Shut makes the server's writes block (until Open, their deadline, or Close).
func (v *Valve) Shut() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.shut {
		v.shut, v.opened = true, make(chan struct{})
	}
}

// Open lets the writes through again.
func (v *Valve) Open() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.shut {
		v.shut = false
		close(v.opened)
	}
}

func (v *Valve) wait() <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.shut {
		return nil
	}
	return v.opened
}

type valveListener struct {
	net.Listener
	v *Valve
}

func (l valveListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	return &valveConn{Conn: c, v: l.v, closed: make(chan struct{})}, nil
}

// valveConn is a server connection whose writes wait while its valve is shut. A waiting write
// honours the write deadline (a timeout error, nothing written) and Close, as a socket does.
type valveConn struct {
	net.Conn
	v         *Valve
	mu        sync.Mutex
	deadline  time.Time
	closeOnce sync.Once
	closed    chan struct{}
}

func (c *valveConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

func (c *valveConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *valveConn) Write(b []byte) (int, error) {
	for {
		opened := c.v.wait()
		if opened == nil {
			return c.Conn.Write(b)
		}
		c.mu.Lock()
		d := c.deadline
		c.mu.Unlock()
		if err := c.await(opened, d); err != nil {
			return 0, err
		}
	}
}

func (c *valveConn) await(opened <-chan struct{}, deadline time.Time) error {
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-opened:
		return nil
	case <-c.closed:
		return net.ErrClosed
	case <-expired:
		return os.ErrDeadlineExceeded
	}
}

func (c *valveConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
