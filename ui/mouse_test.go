package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// With the mouse on, the wheel scrolls History's rows and a click on a tab in the header switches
// to it; off (the default), the wallet asks the terminal for no mouse, so selecting text copies.
func TestMouseWheelAndTabClick(t *testing.T) {
	fc := viewstest.Standard()
	seed(fc)
	m := newModel(t, fc, func(o *Options) { o.Mouse = true })
	signIn(t, m, fc)
	if got := m.View().MouseMode; got != tea.MouseModeCellMotion {
		t.Fatalf("mouse mode %v with the mouse on", got)
	}
	// "3 History" in the header: the tab's own cells, not a guess.
	m.header()
	var x int
	for _, sp := range m.tabSpans {
		if sp.id == views.HistoryScreen {
			x = sp.x0 + 1
		}
	}
	settle(m, func() tea.Msg { return tea.MouseClickMsg{X: x, Y: 0, Button: tea.MouseLeft} })
	if m.Active() != views.HistoryScreen {
		t.Fatalf("a click on the History tab shows %v", m.Active().Title())
	}
	h := m.Screen(views.HistoryScreen).(*views.History)
	settle(m, func() tea.Msg { return tea.MouseWheelMsg{Button: tea.MouseWheelDown} })
	settle(m, func() tea.Msg { return tea.MouseWheelMsg{Button: tea.MouseWheelDown} })
	settle(m, func() tea.Msg { return tea.MouseWheelMsg{Button: tea.MouseWheelUp} })
	if h.Cursor() != 1 {
		t.Fatalf("after two turns down and one up the cursor is on row %d, want 1", h.Cursor())
	}

	off := newModel(t, viewstest.Standard())
	if got := off.View().MouseMode; got != tea.MouseModeNone {
		t.Fatalf("mouse mode %v by default", got)
	}
}
