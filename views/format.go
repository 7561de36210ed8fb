package views

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/components"
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

// Tone is what a transaction did to the balance, as every screen shows it: money in, money out,
// or nothing at all (a cancelled transaction moved no money, whatever its direction).
type Tone int

// The tones.
const (
	ToneIn Tone = iota
	ToneOut
	ToneVoid
)

// TxTone is the one place that decides a transaction's tone.
func TxTone(tx api.Transaction) Tone {
	switch {
	case tx.Status == api.StatusCancelled:
		return ToneVoid
	case tx.Direction == api.DirectionOut:
		return ToneOut
	}
	return ToneIn
}

// TxAmount is a transaction's amount and its style, the same in History, on the dashboard, in
// the live feed and in toasts: "+12.50" positive for money in, "-12.50" negative for money out,
// and "12.50" without a sign, faint, for a cancelled one (Hidden in privacy mode).
func (c *Common) TxAmount(tx api.Transaction) (string, lipgloss.Style) {
	t := c.Theme
	text := tx.Amount.Grouped()
	if c.Privacy {
		text = Hidden
	}
	switch TxTone(tx) {
	case ToneVoid:
		return text, t.Faint
	case ToneOut:
		if !c.Privacy {
			text = "-" + text
		}
		return text, t.Negative
	}
	if !c.Privacy {
		text = "+" + text
	}
	return text, t.Positive
}

// TxToastKind is the kind of toast that tells of a transaction, from its tone.
func TxToastKind(tx api.Transaction) ToastKind {
	switch TxTone(tx) {
	case ToneVoid:
		return ToastMuted
	case ToneOut:
		return ToastOutgoing
	}
	return ToastIncoming
}

// Arrow shows the direction without colour: "← in" (from the counterparty), "→ out".
func Arrow(tx api.Transaction) string {
	if tx.Direction == api.DirectionOut {
		return "→ out"
	}
	return "← in"
}

// Other is the other party of tx and the word before it in a sentence: " to " and the recipient
// for money out, " from " and the sender for money in.
func Other(tx api.Transaction) (prep, who string) {
	if tx.Direction == api.DirectionOut {
		return " to ", tx.RecipientEmail
	}
	return " from ", tx.SenderEmail
}

// StatusWord is a transaction's status in lower case: completed, pending, cancelled.
func StatusWord(s string) string { return strings.ToLower(s) }

// Trunc cuts s to at most w cells, ANSI- and wide-character-aware, ending in "…" when cut.
func Trunc(s string, w int) string { return components.Trunc(s, w) }

// CutAddress cuts an email address to at most w cells so that what is left still says whose it
// is: the local part goes first ("alexandra…@example.com"). When even the domain does not fit,
// the local part keeps one character and the domain keeps its right end, from a label boundary
// ("a…@….example.com"): the end of a domain says who owns it, and the dot after "…" says a whole
// label was dropped, so a cut "notexample.com" cannot pass for "example.com". Below 5 cells, or
// for text without "@", it is cut at the end like Trunc. Every address cut to fit (tables,
// toasts, the dashboard, the status bar) goes through here; where a person checks what they pay
// or paid (the review, History details) an address is wrapped whole instead (WrapAddress).
func CutAddress(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	at := strings.LastIndexByte(s, '@')
	if w < 5 || at <= 0 || at == len(s)-1 {
		return Trunc(s, w)
	}
	local, domain := s[:at], s[at+1:]
	dw := ansi.StringWidth(domain)
	if w-dw-1 >= 2 { // at least one cell of the local part and the "…"
		return ansi.Truncate(local, w-dw-1, "…") + "@" + domain
	}
	head := local // its first character and "…"
	if first, _ := utf8.DecodeRuneInString(local); len(local) > utf8.RuneLen(first) {
		head = ansi.Truncate(local, ansi.StringWidth(string(first))+1, "…")
	}
	end := domainEnd(domain, w-ansi.StringWidth(head)-2) // "@" and "…"
	if !strings.HasPrefix(end, ".") && head != "…" {
		// No whole label fits beside the local part's first character: a whole label matters more.
		if e := domainEnd(domain, w-3); strings.HasPrefix(e, ".") || end == "" {
			head, end = "…", e
		}
	}
	return head + "@…" + end
}

// domainEnd is the right end of a domain in at most w cells: whole labels with the dot before
// them when at least one fits, else the last w cells.
func domainEnd(domain string, w int) string {
	if w <= 0 {
		return ""
	}
	best := ""
	for i := len(domain) - 1; i > 0; i-- {
		if domain[i] != '.' {
			continue
		}
		if ansi.StringWidth(domain[i:]) > w {
			break
		}
		best = domain[i:]
	}
	if best != "" {
		return best
	}
	return rightCells(domain, w)
}

// rightCells is the end of s in at most w cells, wide-character-aware.
func rightCells(s string, w int) string {
	n := ansi.StringWidth(s)
	if n <= w {
		return s
	}
	out := ansi.TruncateLeft(s, n-w, "")
	for ansi.StringWidth(out) > w { // a wide character straddled the cut
		out = ansi.TruncateLeft(out, 1, "")
	}
	return out
}

// WithAddress fits a line of text around an address into w cells. The text after the address
// goes first while the address keeps up to 20 cells; then the address is cut (CutAddress, keeping
// its domain); the text before it (which holds the amount) is cut last.
func WithAddress(before, addr, after string, w int) string {
	bw, aw := ansi.StringWidth(before), ansi.StringWidth(addr)
	if bw+aw+ansi.StringWidth(after) <= w {
		return before + addr + after
	}
	if addr == "" {
		return Trunc(before+after, w)
	}
	if keep := min(aw, 20); bw+keep+ansi.StringWidth(after) > w {
		after = Trunc(after, max(w-bw-keep, 0))
	}
	room := w - bw - ansi.StringWidth(after)
	if least := min(aw, 5); room < least {
		before = Trunc(before, max(w-least-ansi.StringWidth(after), 0))
		room = w - ansi.StringWidth(before) - ansi.StringWidth(after)
	}
	return Trunc(before+CutAddress(addr, room)+after, w)
}

// WrapAddress breaks an address into lines of at most w cells and cuts nothing: an address has
// no spaces, so it breaks where a line is full.
func WrapAddress(s string, w int) []string {
	if w < 1 || ansi.StringWidth(s) <= w {
		return []string{s}
	}
	return strings.Split(ansi.Hardwrap(s, w, true), "\n")
}

// WrapText word-wraps user text (a memo) into lines of at most w cells, breaking a word longer
// than a line; only spaces at the breaks are dropped.
func WrapText(s string, w int) []string {
	s = OneLine(s)
	if w < 1 || ansi.StringWidth(s) <= w {
		return []string{s}
	}
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}

// labelled lays a label and a value of one or more lines out in two columns: the label in labW
// cells, every line of the value in the column after it, so a long value reads as one block.
func labelled(label string, labW int, lines []string, lst, vst lipgloss.Style) []string {
	out := make([]string, 0, len(lines))
	pad := strings.Repeat(" ", labW)
	for i, l := range lines {
		lab := pad
		if i == 0 {
			lab = lst.Render(Fit(label, labW))
		}
		out = append(out, lab+vst.Render(l))
	}
	return out
}

// window is lines[top:top+n] of two-column lines made by labelled: when the first line shown
// continues a value whose label scrolled away, it gets the label again, so that no line reads as
// a value of its own.
func window(lines []string, top, n, labW int, lst lipgloss.Style) []string {
	out := slices.Clone(lines[top:min(top+n, len(lines))])
	if len(out) == 0 || strings.TrimSpace(ansi.Strip(ansi.Truncate(out[0], labW, ""))) != "" {
		return out
	}
	for i := top - 1; i >= 0; i-- {
		if lab := strings.TrimSpace(ansi.Strip(ansi.Truncate(lines[i], labW, ""))); lab != "" {
			out[0] = lst.Render(Fit(lab+" …", labW)) + ansi.TruncateLeft(out[0], labW, "")
			break
		}
	}
	return out
}

// Fit cuts or pads s to exactly w cells.
func Fit(s string, w int) string { return components.Fit(s, w) }

// FitRight cuts or left-pads s to exactly w cells (numbers).
func FitRight(s string, w int) string { return components.FitRight(s, w) }

// Width is the display width of s in cells.
func Width(s string) int { return components.Width(s) }

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
