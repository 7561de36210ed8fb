// Package testlog is for tests only: a buffer that collects the log lines of a component under
// test (a slog handler, a server's logger) while other goroutines write to it.
//
// It knows nothing of the components whose logs it collects, and production code must not
// import it.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer safe for concurrent use; String returns all that was written so far.
// The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
