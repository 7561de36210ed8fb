package components

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/theme"
)

// Spinner is the one spinner a screen shows while it waits, and the line it draws: the spinner
// and a muted sentence saying what is awaited.
type Spinner struct {
	m spinner.Model
}

// NewSpinner returns the spinner every screen uses.
func NewSpinner(t *theme.Theme) Spinner {
	return Spinner{m: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(t.Accent))}
}

// Restyle takes the theme's accent again.
func (s *Spinner) Restyle(t *theme.Theme) { s.m.Style = t.Accent }

// Tick is the command that starts the spinner turning. It is made now, from the spinner as it is
// now (a copy), so that running it in its goroutine reads nothing Update may be writing.
func (s *Spinner) Tick() tea.Cmd { return s.m.Tick }

// Update turns the spinner on its own tick while busy; other messages and idle ticks do nothing.
func (s *Spinner) Update(msg tea.Msg, busy bool) (tea.Cmd, bool) {
	t, ok := msg.(spinner.TickMsg)
	if !ok {
		return nil, false
	}
	if !busy {
		return nil, true
	}
	var cmd tea.Cmd
	s.m, cmd = s.m.Update(t)
	return cmd, true
}

// View is the spinner alone.
func (s *Spinner) View() string { return s.m.View() }

// Line is the spinner and what is awaited, in st: "⠋ Loading your balance…".
func (s *Spinner) Line(st lipgloss.Style, text string) string {
	return s.m.View() + " " + st.Render(text)
}
