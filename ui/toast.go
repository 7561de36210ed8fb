package ui

import (
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/views"
)

// Toasts live toastLife; they fade through the theme's steps in the second half of it.
const (
	toastLife  = 6 * time.Second
	toastMax   = 3
	tickEvery  = 250 * time.Millisecond
	toastWidth = 46
)

// toast is one notice: text, then an address (cut to fit with its domain kept), then after.
type toast struct {
	id    int
	kind  views.ToastKind
	text  string
	who   string
	after string
	born  time.Time
	// amount is what the toast's payment did to the balance (0 when it moved none).
	amount money.Micros
	// more counts the toasts a summary stands for (0: an ordinary toast).
	more int
}

// tickMsg drives the toasts' fading and the reconnect countdown.
type tickMsg struct{}

func (m *Model) addToast(kind views.ToastKind, text string) tea.Cmd {
	return m.addToastTo(kind, text, "", "")
}

// addToastTo shows a toast that names someone: text, the address who, after.
func (m *Model) addToastTo(kind views.ToastKind, text, who, after string) tea.Cmd {
	return m.pushToast(toast{kind: kind, text: text, who: who, after: after})
}

// pushToast shows a toast. Up to toastMax show one by one; past that, the last slot is one
// summary that keeps counting while the flood goes on ("+1,997 more, +49,509.10") and lives on
// from the last one it took in, so a flood is never silence and never a wall.
func (m *Model) pushToast(t toast) tea.Cmd {
	now := m.opts.Now()
	if n := len(m.toasts); n == toastMax {
		last := &m.toasts[n-1]
		if last.more == 0 {
			*last = toast{id: last.id, kind: last.kind, more: 1, amount: last.amount}
		}
		last.more++
		last.amount += t.amount
		last.born = now
		if t.kind != last.kind {
			last.kind = views.ToastInfo
		}
		last.text = m.summary(last.more, last.amount)
		return m.ensureTick()
	}
	m.toastSeq++
	t.id, t.born = m.toastSeq, now
	m.toasts = append(m.toasts, t)
	return m.ensureTick()
}

// summary is the text of a summary toast: how many more, and what they moved together.
func (m *Model) summary(more int, sum money.Micros) string {
	s := "+" + groupInt(more) + " more"
	if sum != 0 && !m.common.Privacy {
		sign := "+"
		if sum < 0 {
			sign, sum = "-", -sum
		}
		s += ", " + sign + m.common.Amount(sum)
	}
	return s
}

// ensureTick starts the tick if something needs it and it is not running.
func (m *Model) ensureTick() tea.Cmd {
	if m.ticking || !m.needsTick() {
		return nil
	}
	m.ticking = true
	return tea.Tick(tickEvery, func(time.Time) tea.Msg { return tickMsg{} })
}

func (m *Model) needsTick() bool { return len(m.toasts) > 0 || m.feed.mode == feedReconnecting }

// showsToasts reports whether toasts are drawn now: not over a screen where the person checks
// what they pay or were paid (views.Checker). Over the help and the quit question, which hide
// the screen, they are.
func (m *Model) showsToasts() bool {
	c, ok := m.screens[m.active].(views.Checker)
	return m.showHelp || m.confirmQuit || !ok || !c.Checking()
}

// holdToasts keeps the toasts that are not drawn from ageing (tick calls it while they are
// held back): each has its whole life once it can be seen.
func (m *Model) holdToasts() {
	now := m.opts.Now()
	for i := range m.toasts {
		m.toasts[i].born = now
	}
}

func (m *Model) tick() tea.Cmd {
	m.ticking = false
	if !m.showsToasts() {
		m.holdToasts()
	}
	now := m.opts.Now()
	kept := m.toasts[:0]
	for _, t := range m.toasts {
		if now.Sub(t.born) < toastLife {
			kept = append(kept, t)
		}
	}
	m.toasts = kept
	return m.ensureTick()
}

// groupInt writes n with thousands separators, as amounts are (1,997).
func groupInt(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// toastStep is how faded a toast is: 0 (bright) for the first half of its life, then up.
func toastStep(age time.Duration) int {
	half := toastLife / 2
	if age < half {
		return 0
	}
	step := 1 + int((age-half)*time.Duration(theme.ToastSteps-1)/half)
	return min(step, theme.ToastSteps-1)
}

func (m *Model) renderToast(t toast, now time.Time) string {
	th := m.common.Theme
	icon := "•"
	switch t.kind {
	case views.ToastIncoming:
		icon = "↓"
	case views.ToastOutgoing:
		icon = "↑"
	case views.ToastError:
		icon = "✗"
	}
	step := toastStep(now.Sub(t.born))
	if t.kind == views.ToastMuted {
		// News of something that moved no money reads as History shows it: muted from the start.
		step = theme.ToastSteps - 1
	}
	st := th.Toast[step]
	return st.Render(views.WithAddress(icon+" "+views.OneLine(t.text), views.OneLine(t.who), views.OneLine(t.after), toastWidth-4))
}

// overlayToasts draws the toasts over the bottom right corner of the body, newest lowest.
func (m *Model) overlayToasts(body string, w, h int) string {
	now := m.opts.Now()
	layers := []*lipgloss.Layer{lipgloss.NewLayer(body)}
	// Bottom right, newest at the bottom, above the status bar.
	y := h
	for i := len(m.toasts) - 1; i >= 0; i-- {
		box := m.renderToast(m.toasts[i], now)
		bh := lipgloss.Height(box)
		if y-bh < 0 {
			break
		}
		y -= bh
		layers = append(layers, lipgloss.NewLayer(box).X(max(w-lipgloss.Width(box), 0)).Y(y).Z(1))
	}
	return lipgloss.NewCompositor(layers...).Render()
}
