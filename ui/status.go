package ui

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/views"
)

// statusKey is what the status bar shows; it is drawn again only when this changes.
type statusKey struct {
	signedIn  bool
	email     string
	feed      feedState
	countdown int
	breaker   client.BreakerState
	width     int
	theme     *theme.Theme
}

// statusBar is one line: the account, the server, the live feed and, when not closed, the breaker.
func (m *Model) statusBar() string {
	k := statusKey{signedIn: m.session.SignedIn, email: m.common.Email, feed: m.feed,
		breaker: m.opts.Client.BreakerState(), width: m.width, theme: m.common.Theme}
	if m.feed.mode == feedReconnecting {
		k.countdown = int(m.feed.nextTry.Sub(m.opts.Now()) / (500 * time.Millisecond))
	}
	if k == m.statKey && m.stat != "" {
		return m.stat
	}
	m.statKey, m.stat = k, m.drawStatus(k.breaker)
	return m.stat
}

func (m *Model) drawStatus(breaker client.BreakerState) string {
	t := m.common.Theme
	sep := t.Faint.Render("  ·  ")
	var left []string
	if m.session.SignedIn {
		left = append(left, t.StatusText.Render("● ")+t.Text.Render(views.CutAddress(m.common.Email, 40)))
	} else {
		left = append(left, t.StatusText.Render("not signed in"))
	}
	left = append(left, t.StatusText.Render(views.Trunc(m.opts.Server, 30)))
	if m.session.SignedIn {
		left = append(left, m.feedText())
	}
	right := ""
	switch breaker {
	case client.BreakerOpen:
		right = t.StatusBad.Render("✗ service failing: breaker open")
	case client.BreakerHalfOpen:
		right = t.StatusWarn.Render("◌ breaker half-open: trying again")
	}
	l := " " + strings.Join(left, sep)
	gap := m.width - lipgloss.Width(l) - lipgloss.Width(right) - 1
	if gap < 1 {
		return views.Trunc(l+"  "+right, m.width)
	}
	return l + strings.Repeat(" ", gap) + right + " "
}

// feedText says how the live feed is doing: live, reconnecting (and when), or offline and polling.
func (m *Model) feedText() string {
	t := m.common.Theme
	f := m.feed
	switch f.mode {
	case feedLive:
		return t.StatusGood.Render("● live")
	case feedConnecting:
		return t.StatusWarn.Render("◌ connecting…")
	case feedReconnecting:
		in := f.nextTry.Sub(m.opts.Now())
		when := "now"
		if in > 500*time.Millisecond {
			when = "in " + strconv.Itoa(int((in+999*time.Millisecond)/time.Second)) + "s"
		}
		s := "◌ reconnecting " + when
		if f.attempt > 1 {
			s += " (attempt " + strconv.Itoa(f.attempt) + ")"
		}
		return t.StatusWarn.Render(s)
	case feedPolling:
		s := "○ offline · polling every " + m.opts.PollEvery.String()
		if f.pollErr != "" {
			return t.StatusBad.Render("✗ cannot reach the service") + t.Faint.Render(" · polling")
		}
		if !f.lastPoll.IsZero() {
			s += " · " + f.lastPoll.In(time.Local).Format("15:04:05")
		}
		return t.StatusWarn.Render(s)
	case feedEnded:
		return t.StatusBad.Render("○ offline: live updates stopped")
	}
	return t.StatusText.Render("○ offline")
}

func itoa(n int) string { return strconv.Itoa(n) }

func errorsAs[T error](err error, target *T) bool { return errors.As(err, target) }
