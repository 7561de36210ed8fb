package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// frame is one encoded event, shared by every connection it is fanned out to.
type frame struct {
	seq  int64
	data []byte
}

// conn is one WebSocket connection. Its reader goroutine reads (pongs, close frames) and its
// writer goroutine does every data write; both end when the connection ends, and the writer, the
// last to know, unregisters it. Publish only appends to the queue under mu and wakes the writer.
type conn struct {
	h    *Hub
	ws   *websocket.Conn
	sub  Subject
	addr string // the client address it counts against (Options.MaxPerAddress)
	age  uint64 // order of registration: the account's oldest is closed first at its cap

	wake     chan struct{} // 1 slot: the queue has frames, or the connection must close
	readDone chan struct{} // closed when the reader ends (the client's close frame, or the socket)

	mu      sync.Mutex
	queue   []*frame // frames waiting, at most SendBuffer
	closing bool
	code    int       // close code to send; 0: just cut the socket (the peer is gone)
	reason  string    // close reason
	cutAt   time.Time // code != 0: when the socket is cut, close frame sent or not
	cut     *time.Timer
}

var errClosing = errors.New("hub: connection closing")

func newConn(h *Hub, ws *websocket.Conn, sub Subject) *conn {
	return &conn{h: h, ws: ws, sub: sub, wake: make(chan struct{}, 1), readDone: make(chan struct{})}
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue queues f without blocking; a full queue closes the connection with 1013.
func (c *conn) enqueue(f *frame) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.h.opts.SendBuffer {
		c.mu.Unlock()
		c.close(api.CloseTryAgainLater, "too slow: send buffer full")
		return
	}
	c.queue = append(c.queue, f)
	c.mu.Unlock()
	c.signal()
}

// close asks the writer to stop sending events, send a close frame with code and end the
// connection; code 0 cuts the socket at once. It never blocks.
//
// The writer sends no data frame after this; the one it may be writing (stalled by a client that
// stopped reading) still has to reach the client before the close frame can. So the socket is cut
// on a timer from the decision: CloseGrace for a revocation, a shutdown or a replaced connection,
// which must take effect at once; WriteWait for a client too slow to keep up (1013), which gets
// that long to take what is on its way and then the close frame.
func (c *conn) close(code int, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.code, c.reason = true, code, reason
	c.queue = nil
	nc := c.ws.NetConn()
	grace := c.h.opts.WriteWait
	switch code {
	case 0: // the peer is gone: nothing to say
		nc.Close()
	case api.CloseSessionRevoked, websocket.CloseGoingAway, api.CloseReplaced:
		grace = c.h.opts.CloseGrace
	}
	if code != 0 {
		c.cutAt = time.Now().Add(grace)
		c.cut = time.AfterFunc(grace, func() { nc.Close() })
	}
	c.mu.Unlock()
	if code == api.CloseTryAgainLater {
		c.h.log.Info("closing a connection too slow to read", "account", c.sub.AccountID,
			"send_buffer", c.h.opts.SendBuffer, "close_code", code)
	}
	c.signal()
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// take returns the waiting frames, or closing=true when the connection must close.
func (c *conn) take() (batch []*frame, closing bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil, true
	}
	batch, c.queue = c.queue, nil
	return batch, false
}

func (c *conn) readLoop() {
	defer c.h.wg.Done()
	defer close(c.readDone)
	wait := c.h.opts.ReadWait
	c.ws.SetReadLimit(c.h.opts.ReadLimit)
	_ = c.ws.SetReadDeadline(time.Now().Add(wait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(wait)) })
	for {
		// Clients have nothing to say; NextReader skips what they send, and answers pings and
		// close frames through the default handlers.
		if _, _, err := c.ws.NextReader(); err != nil {
			break
		}
		_ = c.ws.SetReadDeadline(time.Now().Add(wait))
	}
	c.close(0, "")
}

func (c *conn) writeLoop(since int64, resume bool) {
	defer c.h.wg.Done()
	defer c.finish()
	ping := time.NewTicker(c.h.opts.PingEvery)
	defer ping.Stop()

	last, err := c.start(since, resume)
	if err != nil {
		c.fail(err)
		return
	}
	for {
		select {
		case <-c.wake:
			batch, closing := c.take()
			if closing {
				return
			}
			for _, f := range batch {
				if c.isClosing() {
					return // not one data frame more: the close frame goes next
				}
				if f.seq <= last {
					continue // already sent by the replay
				}
				if f.seq > last+1 { // a gap in the feed: fill it from the outbox
					if last, err = c.catchUp(last); err != nil {
						c.fail(err)
						return
					}
					if f.seq <= last {
						continue
					}
				}
				if err := c.write(f.data); err != nil {
					c.close(0, "")
					return
				}
				last = f.seq
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.h.opts.ReadWait)); err != nil {
				c.close(0, "")
				return
			}
		}
	}
}

// start sends hello and, when resuming, the replay or a resync. It returns the last seq sent.
func (c *conn) start(since int64, resume bool) (int64, error) {
	latest, err := c.latest()
	if err != nil {
		return 0, err
	}
	if err := c.writeEvent(api.Event{Seq: latest, Type: api.EventHello}); err != nil {
		return 0, err
	}
	if !resume {
		return latest, nil
	}
	if since > latest { // the client saw more than the ledger holds (a restored ledger): start over
		return c.resync()
	}
	return c.catchUp(since)
}

// catchUp sends every event of the outbox after `after`, page by page, until it has caught up with
// what is committed; events committed meanwhile are already queued (the connection registered
// first). Events pruned away turn into a resync.
func (c *conn) catchUp(after int64) (int64, error) {
	for {
		if c.isClosing() {
			return after, errClosing
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.h.opts.WriteWait)
		evs, err := c.h.opts.Ledger.EventsAfter(ctx, c.sub.AccountID, after, c.h.opts.ReplayPage)
		cancel()
		if errors.Is(err, ledger.ErrResync) {
			c.h.log.Info("resume older than retention", "account", c.sub.AccountID, "since", after,
				"retention", c.h.opts.Retention)
			return c.resync()
		}
		if err != nil {
			return after, err
		}
		for _, e := range evs {
			if c.isClosing() {
				return after, errClosing
			}
			if e.Seq <= after {
				continue
			}
			if err := c.writeEvent(e.API()); err != nil {
				return after, err
			}
			after = e.Seq
		}
		if len(evs) < c.h.opts.ReplayPage {
			return after, nil
		}
	}
}

// resync tells the client to reload its state; it goes on live from the latest seq.
func (c *conn) resync() (int64, error) {
	latest, err := c.latest()
	if err != nil {
		return 0, err
	}
	return latest, c.writeEvent(api.Event{Seq: latest, Type: api.EventResync})
}

func (c *conn) latest() (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.h.opts.WriteWait)
	defer cancel()
	return c.h.opts.Ledger.LatestSeq(ctx, c.sub.AccountID)
}

func (c *conn) writeEvent(e api.Event) error {
	if e.At == nil && (e.Type == api.EventHello || e.Type == api.EventResync) {
		at := api.At(time.Now())
		e.At = &at
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return c.write(b)
}

// write sends one data frame. Its deadline is ReadWait: a client that takes nothing for that long
// is gone. (A connection being closed is cut earlier, by close's timer.)
func (c *conn) write(b []byte) error {
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.h.opts.ReadWait))
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return fmt.Errorf("%w: %w", errWrite, err)
	}
	return nil
}

// fail ends the connection after an error of the writer: a ledger error is the server's fault
// (1011, logged); a write error means the peer is gone or too slow, and the socket is just cut.
func (c *conn) fail(err error) {
	if errors.Is(err, errClosing) || errors.Is(err, errWrite) {
		c.close(0, "")
		return
	}
	c.h.log.Error("events connection", "account", c.sub.AccountID, "err", err)
	c.close(websocket.CloseInternalServerErr, "internal error")
}

var errWrite = errors.New("hub: write failed")

// finish unregisters the connection, sends the close frame, if any, with the deadline close set,
// waits (until then) for the client's close frame in answer, as RFC 6455 has the server close the
// TCP connection last, and cuts the socket.
func (c *conn) finish() {
	c.h.unregister(c)
	c.mu.Lock()
	code, reason, cutAt, cut := c.code, c.reason, c.cutAt, c.cut
	c.closing = true
	c.mu.Unlock()
	if code != 0 {
		err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), cutAt)
		if err == nil {
			wait := time.NewTimer(time.Until(cutAt))
			select {
			case <-c.readDone:
			case <-wait.C:
			}
			wait.Stop()
		}
	}
	_ = c.ws.Close()
	if cut != nil {
		cut.Stop()
	}
	c.h.release(c.addr)
}
