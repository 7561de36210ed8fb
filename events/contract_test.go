package events_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/server/hub"
	"github.com/syftbox/syftwallet/server/hub/hubtest"
)

// TestSinceZeroReplaysFromTheStart: Since FromSeq(0) sends since=0 and gets every event kept,
// from seq 1 (issue 11, item 10); no Since follows new events only.
func TestSinceZeroReplaysFromTheStart(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{})
	ada, bob := payerAndPayee(t, env, 100)
	env.PayTimes(t, ada, bob.Email, 3) // bob: seqs 1 to 6
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "s")), Since: events.FromSeq(0)})
	start(t, s)
	for want := int64(1); want <= 6; want++ {
		if it := nextEvent(t, s, 5*time.Second); it.Kind != events.KindEvent || it.Event.Seq != want {
			t.Fatalf("want seq %d, got %+v", want, it)
		}
	}
	s.Close()

	live := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "s"))})
	start(t, live)
	nextState(t, live, events.Live, 5*time.Second)
	env.PayTimes(t, ada, bob.Email, 1)
	if it := nextEvent(t, live, 5*time.Second); it.Event.Seq != 7 {
		t.Fatalf("without since: %+v, want the new seq 7 only", it)
	}
}

// TestReplacedStopsTheStream: a stream closed with 4008 (the account opened more connections than
// the service keeps) ends with ErrReplaced and does not reconnect, which would only close the next
// oldest in turn.
func TestReplacedStopsTheStream(t *testing.T) {
	env := hubtest.New(t, hubtest.Options{Hub: hub.Options{MaxPerAccount: 1}})
	bob := env.Account(t, "bob@example.com", 0)
	s := events.NewStream(events.Options{URL: env.URL, Token: fixedToken(hubtest.Token(bob.ID, "old")),
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	runErr := start(t, s)
	nextState(t, s, events.Live, 5*time.Second)

	u := "ws" + strings.TrimPrefix(env.URL, "http") + "/events"
	ws, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + hubtest.Token(bob.ID, "new")}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	select {
	case err := <-runErr:
		if !errors.Is(err, events.ErrReplaced) {
			t.Fatalf("Run: %v, want ErrReplaced", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the replaced stream is still running")
	}
	// The newer connection was not closed in turn.
	_ = ws.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			if websocket.IsCloseError(err, api.CloseReplaced) {
				t.Fatal("the stream reconnected and closed the newer connection")
			}
			break
		}
		_ = b
	}
	if n := env.Hub.Connections(); n != 1 {
		t.Fatalf("%d connections, want the newer one only", n)
	}
}
