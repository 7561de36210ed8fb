package components

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// Column is one column of a table: its title and width in cells, numbers to the right.
type Column struct {
	Title string
	Width int
	Right bool
}

// Table lays rows out in columns two cells apart, after a two-cell marker column (the selected
// row's ▸). It draws only the rows on screen, from a Window: a list of any length costs what
// the window shows.
type Table struct {
	Columns []Column
}

// Fit cuts or pads each cell to its column (a column of width 0 is left out).
func (t Table) Fit(cells []string) []string { return t.FitInto(make([]string, 0, len(cells)), cells) }

// FitInto is Fit appending to out[:0] (a row's buffer, used again for the next row).
func (t Table) FitInto(out, cells []string) []string {
	out = out[:0]
	for i, c := range cells {
		if i >= len(t.Columns) || t.Columns[i].Width <= 0 {
			continue
		}
		if t.Columns[i].Right {
			out = append(out, FitRight(c, t.Columns[i].Width))
		} else {
			out = append(out, Fit(c, t.Columns[i].Width))
		}
	}
	return out
}

// Header is the column titles in st.
func (t Table) Header(st lipgloss.Style) string {
	titles := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		titles[i] = c.Title
	}
	return st.Render("  " + strings.Join(t.Fit(titles), "  "))
}

// Marker is the marker column of a row.
func Marker(sel bool) string {
	if sel {
		return "▸ "
	}
	return "  "
}

// Visible draws the rows of w from its Top, at most n lines, with line; it reports whether it
// stopped at the end of what is held (more may be loading, or come after).
func Visible[T any](w *Window[T], n int, line func(r T, sel bool) string) (lines []string, end bool) {
	for i := w.Top; i < w.Top+n; i++ {
		r, ok := w.Row(i)
		if !ok {
			return lines, true
		}
		lines = append(lines, line(*r, i == w.Cur))
	}
	return lines, false
}
