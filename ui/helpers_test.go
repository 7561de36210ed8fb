package ui

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// TestMain pins the local zone (dates in frames and filters) once, before any test runs.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

func newFake() *viewstest.Client {
	return viewstest.New(map[string]money.Micros{
		"me@example.com":    250 * money.Scale,
		"ada@example.com":   1000 * money.Scale,
		"grace@example.com": 1000 * money.Scale,
	})
}

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

func keyMsg(s string) tea.KeyPressMsg {
	var k tea.KeyPressMsg
	parts := strings.Split(s, "+")
	name := parts[len(parts)-1]
	for _, mod := range parts[:len(parts)-1] {
		switch mod {
		case "ctrl":
			k.Mod |= tea.ModCtrl
		case "shift":
			k.Mod |= tea.ModShift
		}
	}
	codes := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "backspace": tea.KeyBackspace}
	if c, ok := codes[name]; ok {
		k.Code = c
		return k
	}
	k.Code = []rune(name)[0]
	if k.Mod == 0 {
		k.Text = name
	}
	return k
}

// exec runs a command and returns the messages that arrive within a short while (no ticks).
func exec(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	var (
		mu   sync.Mutex
		out  []tea.Msg
		wg   sync.WaitGroup
		walk func(tea.Cmd)
	)
	walk = func(c tea.Cmd) {
		if c == nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, sub := range b {
					walk(sub)
				}
				return
			}
			mu.Lock()
			out = append(out, msg)
			mu.Unlock()
		}()
	}
	walk(cmd)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(300 * time.Millisecond):
	}
	mu.Lock()
	defer mu.Unlock()
	var kept []tea.Msg
	for _, m := range out {
		switch m.(type) {
		case nil, spinner.TickMsg, tickMsg, pollTickMsg:
			continue
		}
		if strings.HasSuffix(typeName(m), "TickMsg") || strings.HasSuffix(typeName(m), "tickMsg") {
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

func typeName(m tea.Msg) string {
	return strings.TrimPrefix(strings.TrimPrefix(sprintType(m), "views."), "ui.")
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

// fakeStream is a LiveStream fed by the test.
type fakeStream struct {
	items   chan events.Item
	done    chan struct{}
	once    sync.Once
	running sync.WaitGroup
}

func newFakeStream() *fakeStream {
	return &fakeStream{items: make(chan events.Item, 16), done: make(chan struct{})}
}

func (s *fakeStream) Run(ctx context.Context) error {
	s.running.Add(1)
	defer s.running.Done()
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

func (s *fakeStream) Close() error {
	s.once.Do(func() { close(s.done) })
	s.running.Wait()
	return nil
}

func sprintType(m tea.Msg) string { return fmtType(m) }
