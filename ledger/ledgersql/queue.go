package ledgersql

import (
	"context"
	"sync"

	"github.com/syftbox/syftwallet/ledger"
)

// Queue hands a store's calls to its writer goroutines and ends them. Put queues a call unless
// the store is closing; Close refuses further calls, tells the writers to stop and waits until
// they have drained what was queued and ended, so that every queued call gets its outcome.
type Queue[O any] struct {
	C    chan O        // the writers take the calls from here
	Stop chan struct{} // closed by Close: the writers drain C, then end
	Done chan struct{} // closed by the writers once they have all ended
	mu   sync.RWMutex
	shut bool
	once sync.Once
}

// NewQueue is a queue that holds up to size calls.
func NewQueue[O any](size int) *Queue[O] {
	return &Queue[O]{C: make(chan O, size), Stop: make(chan struct{}), Done: make(chan struct{})}
}

// Put queues o: ledger.ErrClosed once Close was called, ctx's error if it ends first.
func (q *Queue[O]) Put(ctx context.Context, o O) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.shut {
		return ledger.ErrClosed
	}
	select {
	case q.C <- o:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Gather appends to group the calls waiting in C now, without waiting for more, until group
// holds max: what a writer commits together with the call it woke up for.
func (q *Queue[O]) Gather(group []O, max int) []O {
	for len(group) < max {
		select {
		case o := <-q.C:
			group = append(group, o)
		default:
			return group
		}
	}
	return group
}

// Close refuses further calls (once the calls being queued now are in), stops the writers and
// waits until they have ended.
func (q *Queue[O]) Close() {
	q.once.Do(func() {
		q.mu.Lock()
		q.shut = true
		q.mu.Unlock()
		close(q.Stop)
		<-q.Done
	})
}
