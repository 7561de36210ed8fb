package ledgersql

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
)

// A queue takes calls until Close; Close stops the writer and returns once it has drained the
// calls queued before and ended; a call after Close is refused with ledger.ErrClosed.
func TestQueueDrainsThenRefuses(t *testing.T) {
	q := NewQueue[int](4)
	var got []int
	go func() { // the writer
		defer close(q.Done)
		for {
			select {
			case v := <-q.C:
				got = append(got, v)
			case <-q.Stop:
				for {
					select {
					case v := <-q.C:
						got = append(got, v)
					default:
						return
					}
				}
			}
		}
	}()
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	if len(got) != 3 { // read after Close: the writer has ended
		t.Fatalf("the writer took %v before Close returned, want 1 2 3", got)
	}
	if err := q.Put(ctx, 4); !errors.Is(err, ledger.ErrClosed) {
		t.Fatalf("Put after Close: %v, want ErrClosed", err)
	}
	q.Close() // a second Close returns at once
}

// A call that cannot be queued (the queue is full) gives up when its context ends.
func TestQueuePutGivesUpWithItsContext(t *testing.T) {
	q := NewQueue[int](1)
	if err := q.Put(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Put(ctx, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put on a full queue with an ended context: %v", err)
	}
}

// Gather adds the calls waiting to a group until it holds max, and returns without waiting once
// none are left.
func TestQueueGatherTakesWhatWaits(t *testing.T) {
	q := NewQueue[int](8)
	for i := 1; i <= 5; i++ {
		if err := q.Put(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
	if g := q.Gather([]int{0}, 4); !slices.Equal(g, []int{0, 1, 2, 3}) {
		t.Fatalf("first group %v, want 0 1 2 3", g)
	}
	if g := q.Gather(nil, 4); !slices.Equal(g, []int{4, 5}) {
		t.Fatalf("second group %v, want 4 5", g)
	}
}
