package views

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

	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/theme"
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

func newCommon(t testing.TB, fc *viewstest.Client) *Common {
	t.Helper()
	km := DefaultKeyMap()
	return &Common{
		Ctx: context.Background(), Client: fc, Theme: theme.New(theme.Default, true), Keys: &km,
		Currency: "USD", PayThreshold: 1000 * money.Scale, ExportDir: t.TempDir(), Now: fc.Now,
		Email: "me@example.com",
	}
}

// keyMsg builds the key press that String() spells as s.
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
		case "alt":
			k.Mod |= tea.ModAlt
		}
	}
	codes := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace, "space": tea.KeySpace,
	}
	if c, ok := codes[name]; ok {
		k.Code = c
		if name == "space" {
			k.Text = " "
		}
		return k
	}
	r := []rune(name)[0]
	k.Code = r
	if k.Mod == 0 || k.Mod == tea.ModShift {
		k.Text = name
	}
	return k
}

// exec runs a command's functions concurrently and returns the messages that arrive within a
// short while, without timer ticks (spinners, countdowns).
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
	kept := out[:0:0]
	for _, m := range out {
		switch m.(type) {
		case nil, spinner.TickMsg, mfaTickMsg:
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

// settle feeds a screen the messages its commands produce until it goes quiet, and returns the
// messages meant for the root (navigation, toasts, clipboard).
func settle(s Screen, cmd tea.Cmd) (Screen, []tea.Msg) {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for i := 0; len(queue) > 0 && i < 100; i++ {
		c := queue[0]
		queue = queue[1:]
		for _, msg := range exec(c) {
			switch msg.(type) {
			case SwitchMsg, SignedInMsg, SignedOutMsg, MFANeededMsg, ToastMsg, ThemeToggleMsg:
				out = append(out, msg)
				continue
			}
			var next tea.Cmd
			s, next = s.Update(msg)
			if next != nil {
				queue = append(queue, next)
			}
		}
	}
	return s, out
}

// press sends keys one by one, settling after each.
func press(s Screen, keys ...string) (Screen, []tea.Msg) {
	var out []tea.Msg
	for _, k := range keys {
		var cmd tea.Cmd
		s, cmd = s.Update(keyMsg(k))
		var o []tea.Msg
		s, o = settle(s, cmd)
		out = append(out, o...)
	}
	return s, out
}

// typeText types text, one key per character.
func typeText(s Screen, text string) Screen {
	for _, r := range text {
		k := tea.KeyPressMsg{Code: r, Text: string(r)}
		var cmd tea.Cmd
		s, cmd = s.Update(k)
		s, _ = settle(s, cmd)
	}
	return s
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
