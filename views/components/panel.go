package components

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// PanelWidth is the one rule for how wide a screen's centred panel is: the space there is, less
// a cell each side, never narrower than 40 cells and never wider than most (each screen names
// the width that suits its content: a sign-in form needs less than a token).
func PanelWidth(avail, most int) int { return min(max(avail-2, 40), most) }

// Centre places a block in the middle of a w × h area.
func Centre(w, h int, block string) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, block)
}

// Box draws a bordered panel exactly w by h cells in style st: a title line (with right
// aligned to the other side when it fits) and lines under it, each cut to fit, padded with
// blank lines to the height.
func Box(st, title lipgloss.Style, head, right string, lines []string, w, h int) string {
	inner := max(w-4, 1)
	rows := max(h-2, 1)
	top := title.Render(Trunc(head, inner))
	if right != "" {
		if gap := inner - Width(head) - Width(right); gap >= 1 {
			top += strings.Repeat(" ", gap) + right
		}
	}
	body := make([]string, 0, rows)
	body = append(body, top)
	for _, l := range lines {
		if len(body) == rows {
			break
		}
		body = append(body, Trunc(l, inner))
	}
	for len(body) < rows {
		body = append(body, "")
	}
	return st.Width(w).Render(strings.Join(body, "\n"))
}
