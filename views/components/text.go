package components

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

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
