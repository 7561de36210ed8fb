package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/ui/uitest"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// Golden frames: every screen at 100×30, dark and light, in the 256-colour profile. Rewrite them
// on purpose with go test ./ui -run Golden -update.

const goldenW, goldenH = 100, 30

// frame is the model's view as a 256-colour terminal would receive it.
func frame(m *Model) []byte {
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ANSI256}
	_, _ = w.WriteString(m.View().Content)
	return buf.Bytes()
}

func seed(fc *viewstest.Client) { viewstest.Seed(fc) }

// scene is one golden frame: how to get there, and a text that says the screen is ready.
type scene struct {
	name  string
	setup func(fc *viewstest.Client)
	drive func(t *testing.T, tm *teatest.TestModel)
	ready string
	// w, h is the terminal's size; zero means goldenW × goldenH.
	w, h int
	// check, when set, asserts on the frame's text (without styles) before it is compared.
	check func(t *testing.T, text string)
}

func typeInto(tm *teatest.TestModel, s string) {
	for _, r := range s {
		tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keys(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		tm.Send(keyMsg(k))
	}
}

func signInKeys(t *testing.T, tm *teatest.TestModel) {
	typeInto(tm, "me@example.com")
	keys(tm, "tab")
	typeInto(tm, "password123")
	keys(tm, "enter")
}

// waitText waits until the program has drawn text.
func waitText(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// runScene drives the program to the scene, checks its last frame and compares it with the
// golden file.
func runScene(t *testing.T, sc scene, dark bool) {
	w, h := goldenW, goldenH
	if sc.w != 0 {
		w, h = sc.w, sc.h
	}
	fc := viewstest.Standard()
	seed(fc)
	if sc.setup != nil {
		sc.setup(fc)
	}
	m := &probed{Model: newModel(t, fc), frames: make(chan string, 1)}
	tm := uitest.Program(t, m, w, h, dark)
	if sc.drive != nil {
		sc.drive(t, tm)
	}
	waitText(t, tm, sc.ready)
	waitSettled(t, tm, m)
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*probed).Model
	out := frame(fm)
	if n := strings.Count(string(out), "\n") + 1; n != h {
		t.Fatalf("frame has %d lines, want %d", n, h)
	}
	if sc.check != nil {
		sc.check(t, ansi.Strip(string(out)))
	}
	golden.RequireEqual(t, out)
}

// probed is the root model with one more message: probeMsg hands the frame of now to the test,
// drawn on the program's own goroutine (no race with Update).
type probed struct {
	*Model
	frames chan string
}

type probeMsg struct{}

func (p *probed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(probeMsg); ok {
		p.frames <- p.render()
		return p, nil
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

// waitSettled waits for a settled frame: the same frame drawn at settledProbes probes in a row,
// each asked after the program handled every message sent before it. The last answers have
// landed then, however slow the machine; no fixed sleep guesses how long they take.
func waitSettled(t *testing.T, tm *teatest.TestModel, m *probed) {
	t.Helper()
	const settledProbes = 4
	deadline := time.Now().Add(10 * time.Second)
	last, same := "", 0
	for same < settledProbes {
		if time.Now().After(deadline) {
			t.Fatalf("the frame never settled; last:\n%s", ansi.Strip(last))
		}
		time.Sleep(20 * time.Millisecond) // between probes, commands run and answer
		tm.Send(probeMsg{})
		f := <-m.frames
		if f == last {
			same++
		} else {
			last, same = f, 1
		}
	}
}

func foundationScenes() []scene {
	return []scene{
		{name: "login", ready: "create an account"},
		{name: "login-error", drive: func(t *testing.T, tm *teatest.TestModel) {
			typeInto(tm, "me@example.com")
			keys(tm, "tab")
			typeInto(tm, "nope-nope")
			keys(tm, "enter")
		}, ready: "wrong"},
		{name: "register", drive: func(t *testing.T, tm *teatest.TestModel) { keys(tm, "ctrl+r") }, ready: "back to sign in"},
		{name: "register-generated", drive: func(t *testing.T, tm *teatest.TestModel) {
			keys(tm, "ctrl+r")
			typeInto(tm, "new@example.com")
			keys(tm, "enter")
		}, ready: "shown only"},
		{name: "mfa", setup: func(fc *viewstest.Client) { fc.SetMFA("me@example.com", true) },
			drive: signInKeys, ready: "attempts left"},
		{name: "mfa-wrong", setup: func(fc *viewstest.Client) { fc.SetMFA("me@example.com", true) },
			drive: func(t *testing.T, tm *teatest.TestModel) {
				signInKeys(t, tm)
				waitText(t, tm, "attempts left")
				typeInto(tm, "000000")
			}, ready: "That code is not valid"},
		{name: "mfa-used", setup: func(fc *viewstest.Client) { fc.SetMFA("me@example.com", true) },
			drive: func(t *testing.T, tm *teatest.TestModel) {
				signInKeys(t, tm)
				waitText(t, tm, "attempts left")
				typeInto(tm, viewstest.SpentRecoveryCode)
				keys(tm, "enter")
			}, ready: "already used"},
		{name: "dashboard", drive: signInKeys, ready: "low"},
		{name: "help", drive: onScreen("?", ""), ready: "rebind"},
		{name: "privacy", drive: onScreen("h", ""), ready: "amounts hidden"},
	}
}

func TestGolden(t *testing.T) {
	for _, sc := range append(foundationScenes(), screenScenes()...) {
		for _, dark := range []bool{true, false} {
			bg := "light"
			if dark {
				bg = "dark"
			}
			t.Run(sc.name+"/"+bg, func(t *testing.T) { runScene(t, sc, dark) })
		}
	}
}

// TestGolden80 is every screen at the smallest size the wallet lays out in, 80×24 (dark): what
// a default terminal shows.
func TestGolden80(t *testing.T) {
	for _, sc := range append(foundationScenes(), screenScenes()...) {
		sc.w, sc.h = FullWidth, FullHeight
		t.Run(sc.name, func(t *testing.T) { runScene(t, sc, true) })
	}
}

// TestGoldenNarrow is every screen at the smallest size the wallet draws in, 60×20: columns
// dropped, nothing wider than the window.
func TestGoldenNarrow(t *testing.T) {
	for _, sc := range append(foundationScenes(), screenScenes()...) {
		sc.w, sc.h = MinWidth, MinHeight
		sc.check = func(t *testing.T, text string) {
			for i, l := range strings.Split(text, "\n") {
				if w := ansi.StringWidth(l); w > MinWidth {
					t.Errorf("line %d is %d wide: %q", i, w, l)
				}
			}
		}
		t.Run(sc.name, func(t *testing.T) { runScene(t, sc, true) })
	}
}

// TestGoldenLarge is the dashboard and History at 120×40: more recent rows, a chart of two cells
// a day.
func TestGoldenLarge(t *testing.T) {
	more := func(fc *viewstest.Client) {
		for i := range 12 {
			fc.AddTx("ada@example.com", "me@example.com", money.Micros(i+1)*money.Scale, api.StatusCompleted, "refund",
				viewstest.Epoch.Add(-time.Duration(i+5)*24*time.Hour-time.Hour))
		}
	}
	for _, sc := range []scene{
		{name: "dashboard", setup: more, drive: signInKeys, ready: "low"},
		{name: "history", setup: more, drive: onScreen("3", ""), ready: "row 1 of 18"},
	} {
		sc.w, sc.h = 120, 40
		t.Run(sc.name, func(t *testing.T) { runScene(t, sc, true) })
	}
}

func TestGoldenTooSmall(t *testing.T) {
	m := newModel(t, viewstest.Standard())
	m.Update(tea.WindowSizeMsg{Width: 56, Height: 18})
	golden.RequireEqual(t, frame(m))
}
