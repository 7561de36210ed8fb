package views

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// Hidden is what privacy mode shows instead of an amount.
const Hidden = "•••••"

// Amount formats an amount with thousands separators, or Hidden in privacy mode.
func (c *Common) Amount(m money.Micros) string {
	if c.Privacy {
		return Hidden
	}
	return m.Grouped()
}

// Money is Amount with the currency after it.
func (c *Common) Money(m money.Micros) string {
	s := c.Amount(m)
	if c.Currency != "" {
		s += " " + c.Currency
	}
	return s
}

// SignedAmount is "+12.50" for money in and "-12.50" for money out (Hidden in privacy mode).
func (c *Common) SignedAmount(tx api.Transaction) string {
	if c.Privacy {
		return Hidden
	}
	if tx.Direction == api.DirectionOut {
		return "-" + tx.Amount.Grouped()
	}
	return "+" + tx.Amount.Grouped()
}

// Arrow shows the direction without colour: "← in" (from the counterparty), "→ out".
func Arrow(tx api.Transaction) string {
	if tx.Direction == api.DirectionOut {
		return "→ out"
	}
	return "← in"
}

// StatusWord is a transaction's status in lower case: completed, pending, cancelled.
func StatusWord(s string) string { return strings.ToLower(s) }

// Trunc cuts s to at most w cells, ANSI- and wide-character-aware, ending in "…" when cut.
func Trunc(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Fit cuts or pads s to exactly w cells.
func Fit(s string, w int) string {
	s = Trunc(s, w)
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// FitRight cuts or left-pads s to exactly w cells (numbers).
func FitRight(s string, w int) string {
	s = Trunc(s, w)
	if n := ansi.StringWidth(s); n < w {
		s = strings.Repeat(" ", w-n) + s
	}
	return s
}

// Width is the display width of s in cells.
func Width(s string) int { return ansi.StringWidth(s) }

// OneLine replaces line breaks and tabs so that user text (memos) cannot break a layout.
func OneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\t', '\v', '\f':
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// Memo returns a transaction's memo, or "" when it has none.
func Memo(tx api.Transaction) string {
	if tx.Memo == nil {
		return ""
	}
	return OneLine(*tx.Memo)
}

// Date formats a time for tables: 2026-11-29 10:54, in the local zone.
func Date(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }

// Ago says how long ago t was, briefly: "now", "12s", "5m", "3h", "2d".
func Ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 5*time.Second:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// Countdown formats a duration as m:ss.
func Countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
