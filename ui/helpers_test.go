package ui

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func TestMain(m *testing.M) { viewstest.Main(m) }

func newModel(t testing.TB, fc *viewstest.Client, mod ...func(*Options)) *Model {
	t.Helper()
	o := Options{
		Ctx: context.Background(), Client: fc, Theme: "default", Server: "embedded", Embedded: true,
		ExportDir: t.TempDir(), PayThreshold: 1000 * money.Scale, Now: fc.Now, Dark: true,
		NewStream: func(events.Options) LiveStream { return newFakeStream() },
	}
	for _, f := range mod {
		f(&o)
	}
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m
}

// settle feeds the model the messages its commands produce until it goes quiet; live items are
// not waited for (the fake stream answers only when fed).
func settle(m *Model, cmd tea.Cmd) []tea.Msg {
	var all []tea.Msg
	viewstest.Settle(cmd, 200, exec, func(msg tea.Msg) tea.Cmd {
		all = append(all, msg)
		if _, ok := msg.(tea.QuitMsg); ok {
			return nil
		}
		_, next := m.Update(msg)
		return next
	})
	return all
}

func press(m *Model, keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		out = append(out, settle(m, cmd)...)
	}
	return out
}

func typeText(m *Model, text string) {
	for _, r := range text {
		_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		settle(m, cmd)
	}
}

func screen(m *Model) string { return ansi.Strip(m.View().Content) }

// signIn signs the fake in and tells the model.
func signIn(t testing.TB, m *Model, fc *viewstest.Client) {
	t.Helper()
	fc.SignIn("me@example.com")
	_, cmd := m.Update(views.SignedInMsg{Session: fc.Session()})
	settle(m, cmd)
}

// signedInModel is a model at 100×30 over the standard fake, signed in.
func signedInModel(t testing.TB) (*Model, *viewstest.Client) {
	t.Helper()
	fc := viewstest.Standard()
	m := newModel(t, fc)
	signIn(t, m, fc)
	return m, fc
}

// liveModel is a signed-in model at 100×30 whose live stream the test feeds.
func liveModel(t *testing.T) (*Model, *viewstest.Client, *fakeStream) {
	fc := viewstest.Standard()
	fc.Events = true
	var fs *fakeStream
	m := newModel(t, fc, func(o *Options) {
		o.NewStream = func(events.Options) LiveStream { fs = newFakeStream(); return fs }
	})
	signIn(t, m, fc)
	if fs == nil {
		t.Fatal("no stream started")
	}
	return m, fc, fs
}

// feed hands the model one stream item through the adapter, as the program would.
func feed(m *Model, it events.Item) {
	settle(m, func() tea.Msg { return liveItemMsg{gen: m.live.gen, item: it} })
}

// liveEvent feeds the model's live stream one event of type typ at the epoch, with data as its
// JSON.
func liveEvent(m *Model, seq int64, typ string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	at := api.At(viewstest.Epoch)
	feed(m, events.Item{Kind: events.KindEvent, Event: api.Event{Seq: seq, Type: typ, At: &at, Data: b}})
}

// receive feeds the model's live stream a completed payment of amount from ada to me.
func receive(m *Model, seq int64, id string, amount money.Micros) {
	liveEvent(m, seq, api.EventPaymentReceived, api.Transaction{ID: id, SenderEmail: "ada@example.com",
		RecipientEmail: "me@example.com", Amount: amount, Status: api.StatusCompleted, CreatedAt: api.At(viewstest.Epoch)})
}

// fakeStream is a LiveStream fed by the test.
type fakeStream struct {
	items   chan events.Item
	done    chan struct{}
	ended   chan struct{} // closed when Run returns
	once    sync.Once
	started atomic.Bool
	retries atomic.Int32
}

func newFakeStream() *fakeStream {
	return &fakeStream{items: make(chan events.Item, 16), done: make(chan struct{}), ended: make(chan struct{})}
}

func (s *fakeStream) Run(ctx context.Context) error {
	s.started.Store(true)
	defer close(s.ended)
	select {
	case <-ctx.Done():
	case <-s.done:
	}
	return nil
}

func (s *fakeStream) Next(ctx context.Context) (events.Item, error) {
	select {
	case it := <-s.items:
		return it, nil
	case <-s.done:
		return events.Item{}, events.ErrClosed
	case <-ctx.Done():
		return events.Item{}, ctx.Err()
	}
}

// Retry counts the times the root asked to reconnect now.
func (s *fakeStream) Retry() { s.retries.Add(1) }

func (s *fakeStream) Retries() int { return int(s.retries.Load()) }

// Close ends the stream and, like events.Stream, waits for Run when it was started. (A
// WaitGroup here raced: Run's Add could meet Close's Wait at zero.)
func (s *fakeStream) Close() error {
	s.once.Do(func() { close(s.done) })
	if s.started.Load() {
		<-s.ended
	}
	return nil
}

func keyMsg(s string) tea.KeyPressMsg { return viewstest.Key(s) }

// exec runs a command as the program would; the live stream's reads wait for what the test feeds.
func exec(cmd tea.Cmd) []tea.Msg { return viewstest.Exec(cmd, viewstest.Bound, "(*fakeStream).") }

// toReview opens Pay with key (p on the dashboard, or 2), fills in the recipient and the amount
// and asks for the review, which must then be on screen.
func toReview(t *testing.T, m *Model, key, to, amount string) {
	t.Helper()
	press(m, key)
	typeText(m, to)
	press(m, "tab")
	typeText(m, amount)
	press(m, "enter")
	if !strings.Contains(screen(m), "Review payment") {
		t.Fatalf("no review:\n%s", screen(m))
	}
}
