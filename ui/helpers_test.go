package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func TestMain(m *testing.M) { viewstest.Main(m) }

func newFake() *viewstest.Client { return viewstest.Standard() }

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
	queue := []tea.Cmd{cmd}
	for i := 0; len(queue) > 0 && i < 200; i++ {
		c := queue[0]
		queue = queue[1:]
		for _, msg := range exec(c) {
			all = append(all, msg)
			if _, ok := msg.(tea.QuitMsg); ok {
				continue
			}
			_, next := m.Update(msg)
			if next != nil {
				queue = append(queue, next)
			}
		}
	}
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
	fc := newFake()
	m := newModel(t, fc)
	signIn(t, m, fc)
	return m, fc
}

// fakeStream is a LiveStream fed by the test.
type fakeStream struct {
	items   chan events.Item
	done    chan struct{}
	ended   chan struct{} // closed when Run returns
	once    sync.Once
	mu      sync.Mutex
	started bool
	retries int
}

func newFakeStream() *fakeStream {
	return &fakeStream{items: make(chan events.Item, 16), done: make(chan struct{}), ended: make(chan struct{})}
}

func (s *fakeStream) Run(ctx context.Context) error {
	s.mu.Lock()
	s.started = true
	s.mu.Unlock()
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
func (s *fakeStream) Retry() {
	s.mu.Lock()
	s.retries++
	s.mu.Unlock()
}

func (s *fakeStream) Retries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.retries
}

// Close ends the stream and, like events.Stream, waits for Run when it was started. (A
// WaitGroup here raced: Run's Add could meet Close's Wait at zero.)
func (s *fakeStream) Close() error {
	s.once.Do(func() { close(s.done) })
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if started {
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
