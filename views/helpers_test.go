package views

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/views/components"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func TestMain(m *testing.M) { viewstest.Main(m) }

func newFake() *viewstest.Client { return viewstest.Standard() }

func newCommon(t testing.TB, fc *viewstest.Client) *Common {
	t.Helper()
	km := DefaultKeyMap()
	c := &Common{
		Ctx: context.Background(), Client: fc, Theme: theme.New(theme.Default, true), Keys: &km,
		Currency: "USD", PayThreshold: 1000 * money.Scale, ExportDir: t.TempDir(), Now: fc.Now,
		Email: "me@example.com",
	}
	loadAccount(c)
	return c
}

// loadAccount does what the root does at sign-in and on RefreshAccountMsg: it loads the shared
// account into Common (a fake signed out has none).
func loadAccount(c *Common) {
	if msg, ok := LoadAccount(c, true)().(AccountMsg); ok && msg.Err == nil {
		c.Account.Set(msg.User, nil, c.now())
	}
}

// settle feeds a screen the messages its commands produce until it goes quiet, and returns the
// messages meant for the root (navigation, toasts, clipboard).
func settle(s Screen, cmd tea.Cmd) (Screen, []tea.Msg) {
	var out []tea.Msg
	viewstest.Settle(cmd, 100, exec, func(msg tea.Msg) tea.Cmd {
		switch msg.(type) {
		case SwitchMsg, SignedInMsg, SignedOutMsg, MFANeededMsg, ToastMsg, ThemeToggleMsg, RefreshAccountMsg:
			out = append(out, msg)
			return nil
		}
		var next tea.Cmd
		s, next = s.Update(msg)
		return next
	})
	return s, out
}

// deliver hands the screen one message, as the root would, and settles what it starts.
func deliver(s Screen, msg tea.Msg) (Screen, []tea.Msg) {
	s, cmd := s.Update(msg)
	return settle(s, cmd)
}

// press sends keys one by one, settling after each.
func press(s Screen, keys ...string) (Screen, []tea.Msg) {
	var out []tea.Msg
	for _, k := range keys {
		var o []tea.Msg
		s, o = deliver(s, keyMsg(k))
		out = append(out, o...)
	}
	return s, out
}

// typeText types text, one key per character.
func typeText(s Screen, text string) Screen {
	for _, r := range text {
		s, _ = deliver(s, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return s
}

// submit fills in a form as a person would, typing each value and moving to the next field
// (tab) between them, then presses enter.
func submit(s Screen, values ...string) Screen {
	s, _ = submitted(s, values...)
	return s
}

// submitted is submit that also returns the messages meant for the root.
func submitted(s Screen, values ...string) (Screen, []tea.Msg) {
	for i, v := range values {
		if i > 0 {
			s, _ = press(s, "tab")
		}
		s = typeText(s, v)
	}
	return press(s, "enter")
}

// plain is a view without styling, for assertions.
func plain(s Screen) string { return ansi.Strip(s.View()) }

func hasMsg[T any](msgs []tea.Msg) (T, bool) {
	for _, m := range msgs {
		if v, ok := m.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func TestKeyMsgSpelling(t *testing.T) {
	for _, k := range []string{"enter", "esc", "tab", "shift+tab", "ctrl+r", "y", "n", "/", "?", "G", "pgdown", "ctrl+l"} {
		if got := keyMsg(k).String(); got != k {
			t.Errorf("keyMsg(%q).String() = %q", k, got)
		}
	}
}

func keyMsg(s string) tea.KeyPressMsg { return viewstest.Key(s) }

func exec(cmd tea.Cmd) []tea.Msg { return viewstest.Exec(cmd, viewstest.Bound) }

// A screen's test sees a command's answer however long the command takes on a loaded machine
// (exec once gave up after 300 ms, and the answer went missing).
func TestExecWaitsForASlowAnswer(t *testing.T) {
	release := make(chan struct{})
	time.AfterFunc(400*time.Millisecond, func() { close(release) })
	spin := components.NewSpinner(newCommon(t, newFake()).Theme)
	msgs := exec(tea.Batch(spin.Tick(), func() tea.Msg { <-release; return ReloadMsg{} }))
	if _, ok := hasMsg[ReloadMsg](msgs); !ok || len(msgs) != 1 {
		t.Fatalf("want the slow answer (and no spinner tick), got %v", msgs)
	}
}
