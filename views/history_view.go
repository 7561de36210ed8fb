package views

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/views/components"
)

// chrome is the number of lines around the rows: title, filter, header, footer, and the prompt.
func (h *History) chrome() int {
	n := 3 + len(h.noteLines())
	if h.filterErr != "" {
		n++
	}
	if h.ask.Open() {
		n += 5
	}
	return n
}

// visible is how many rows the table shows.
func (h *History) visible() int { return max(h.height-h.chrome(), 1) }

// Who was paid comes before what for: the counterparty column has at least histWhoMin cells
// (an address at a domain like example.com shows whole, or cut keeping its domain), and the
// memo column is drawn only with histMemoMin cells or more (it is whole in the details). On a
// window narrower than that needs, columns go before the counterparty is cut further: first the
// status (a pending row still reads by its colour, and says so after the address), then the
// direction (the amount's sign says it too), then the year and the minutes of the date.
const (
	histWhoMin   = 20
	histMemoMin  = 6
	histShortDay = 11 // "11-29 10:52"
)

// histLayout is the width of each column at the width of now (0: left out).
type histLayout struct {
	date, dir, who, amount, status, memo int
}

func (h *History) layout() histLayout {
	l := histLayout{date: histDateW, dir: histDirW, amount: histAmountW, status: histStatusW}
	rest := func() int {
		n, cols := 2, 0 // the marker
		for _, w := range []int{l.date, l.dir, l.amount, l.status} {
			if w > 0 {
				n, cols = n+w, cols+1
			}
		}
		return h.width - n - 2*cols // two cells between columns, the counterparty's included
	}
	for _, drop := range []*int{&l.status, &l.dir} {
		if rest() >= histWhoMin {
			break
		}
		*drop = 0
	}
	if rest() < histWhoMin {
		l.date = histShortDay
	}
	r := rest() - 2 // and the memo's
	l.who = min(max(r*55/100, histWhoMin), 34)
	if r-l.who < histMemoMin {
		l.who = min(max(r, 10), 34)
	}
	l.memo = max(r-l.who, 0)
	if l.memo == 0 {
		l.who = min(r+2, 34) // no memo column: its gap is the counterparty's
	}
	return l
}

// columns are the widths of the counterparty and memo columns.
func (h *History) columns() (who, memo int) {
	l := h.layout()
	return l.who, l.memo
}

// View draws the title, the filter, the table (or the details) and the footer.
func (h *History) View() string {
	t := h.c.Theme
	w := h.width
	var lines []string

	title := t.Title.Render("History")
	right := t.Faint.Render("newest first")
	if h.filterText != "" {
		right = t.Accent.Render("filtered")
	}
	lines = append(lines, title+strings.Repeat(" ", max(w-Width("History")-lipgloss.Width(right), 1))+right)

	switch {
	case h.editing:
		lines = append(lines, components.InputView(h.input))
	case h.filterText != "":
		lines = append(lines, t.Key.Render("/ ")+t.Text.Render(Trunc(OneLine(h.filterText), w-18))+t.Faint.Render("   esc clears"))
	default:
		lines = append(lines, t.Faint.Render(Trunc("/ to filter: text, in, out, status:pending, >10, <5, since:2026-11-01", w)))
	}
	if h.filterErr != "" {
		lines = append(lines, t.Error.Render(Trunc("✗ "+h.filterErr, w)))
	}

	body := h.body()
	lines = append(lines, body...)
	if h.ask.Open() {
		lines = append(lines, strings.Split(h.prompt(), "\n")...)
	}
	lines = append(lines, h.footer())
	return strings.Join(lines, "\n")
}

// body is the header and rows (or a state, or the detail pane), exactly visible()+1 lines.
func (h *History) body() []string {
	t := h.c.Theme
	n := h.visible() + 1
	var out []string
	center := func(msgs ...string) []string {
		var ls []string
		for range (n - len(msgs)) / 2 {
			ls = append(ls, "")
		}
		for _, m := range msgs {
			pad := max((h.width-lipgloss.Width(m))/2, 0)
			ls = append(ls, strings.Repeat(" ", pad)+m)
		}
		return ls
	}
	switch {
	case !h.loaded && h.loadErr != "":
		out = center(t.Error.Render(Trunc("✗ Could not load your history: "+h.loadErr, h.width)),
			"", t.Faint.Render("press ")+t.Key.Render(h.c.Keys.History.Refresh.Help().Key)+t.Faint.Render(" to try again"))
	case !h.loaded || (h.loadReq != 0 && h.loadK == 0 && h.win.Empty()):
		out = center(h.spin.Line(t.Muted, "Loading your transactions…"))
	case h.Loaded() == 0 && h.win.Above == 0:
		if h.filterText != "" {
			out = center(t.Muted.Render("Nothing matches this filter."), "",
				t.Faint.Render("press ")+t.Key.Render(h.c.Keys.History.Close.Help().Key)+t.Faint.Render(" to clear it, or ")+
					t.Key.Render(h.c.Keys.History.Filter.Help().Key)+t.Faint.Render(" to change it"))
		} else {
			out = center(t.Muted.Render("No transactions yet."), "",
				t.Faint.Render("Payments you send and receive will be listed here; press ")+
					t.Key.Render(h.c.Keys.Global.Pay.Help().Key)+t.Faint.Render(" to pay someone."))
		}
	case h.detail:
		out = h.detailPane(n)
	default:
		lay := h.layout()
		tbl := h.tableOf(lay)
		out = append(out, tbl.Header(t.TableHeader))
		rows, end := components.Visible(&h.win, n-1, func(tx api.Transaction, sel bool) string {
			return h.rowLine(lay, tbl, tx, sel)
		})
		out = append(out, rows...)
		switch {
		case !end || h.win.Top+len(rows) != h.win.End():
		case h.loadReq != 0 || h.win.HasNext():
			out = append(out, "  "+h.spin.Line(t.Muted, "loading more…"))
		case h.loadErr != "":
			out = append(out, t.Error.Render(Trunc("  ✗ "+h.loadErr+" — press r to retry", h.width)))
		}
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out[:n]
}

func (h *History) header() string { return h.table().Header(h.c.Theme.TableHeader) }

// table is the columns at the width of now.
func (h *History) table() components.Table { return h.tableOf(h.layout()) }

func (h *History) tableOf(l histLayout) components.Table {
	return components.Table{Columns: []components.Column{
		{Title: "Date", Width: l.date}, {Title: "Dir", Width: l.dir}, {Title: "Counterparty", Width: l.who},
		{Title: "Amount", Width: l.amount, Right: true}, {Title: "Status", Width: l.status}, {Title: "Memo", Width: l.memo},
	}}
}

// rowLine is one transaction: direction by sign and arrow as well as colour.
func (h *History) rowLine(l histLayout, tbl components.Table, tx api.Transaction, sel bool) string {
	t := h.c.Theme
	amount, amtStyle := h.c.TxAmount(tx)
	st := t.Muted
	switch tx.Status {
	case api.StatusPending:
		st = t.Warning
	case api.StatusCancelled:
		st = t.Faint
	}
	date := Date(tx.CreatedAt.Time)
	if l.date < histDateW {
		date = tx.CreatedAt.Local().Format("01-02 15:04")
	}
	who := CutAddress(OneLine(tx.Counterparty()), l.who)
	whoSt := t.Text
	if l.status == 0 && tx.Status != api.StatusCompleted {
		// No status column: the word goes after the address, as on the dashboard.
		word := StatusWord(tx.Status)
		who, whoSt = CutAddress(OneLine(tx.Counterparty()), l.who-Width(word)-1)+" "+word, st
	}
	h.raw = append(h.raw[:0], date, Arrow(tx), who, amount, StatusWord(tx.Status), Memo(tx))
	h.cells = tbl.FitInto(h.cells, h.raw)
	cells := h.cells
	if sel {
		return t.RowSelected.Render(components.Marker(true) + strings.Join(cells, "  "))
	}
	styles := [...]lipgloss.Style{t.Muted, amtStyle, whoSt, amtStyle, st, t.Muted}
	var b strings.Builder
	b.WriteString(components.Marker(false))
	i := 0
	for c, col := range tbl.Columns {
		if col.Width <= 0 {
			continue
		}
		switch {
		case c == 5: // the memo carries its gap in its style, as it always drew
			b.WriteString(styles[c].Render("  " + cells[i]))
		case i > 0:
			b.WriteString("  ")
			fallthrough
		default:
			b.WriteString(styles[c].Render(cells[i]))
		}
		i++
	}
	return b.String()
}

// footer says where the cursor is, what is loading, and the last result.
func (h *History) footer() string {
	t := h.c.Theme
	if h.exportReq != 0 {
		return h.spin.Line(t.Muted, "Exporting every matching transaction…")
	}
	if h.note != "" {
		st := t.Positive
		if h.noteBad {
			st = t.Error
		}
		lines := h.noteLines()
		for i, l := range lines {
			lines[i] = st.Render(l)
		}
		return strings.Join(lines, "\n")
	}
	if !h.loaded || h.Loaded() == 0 {
		return ""
	}
	pos := fmt.Sprintf("row %d", h.win.Cur+1)
	if !h.win.HasNext() && h.loadReq == 0 {
		pos += fmt.Sprintf(" of %d", h.win.End()+h.win.Above)
	} else {
		pos += fmt.Sprintf(" of %d+", h.win.End())
	}
	var parts []string
	if h.win.Above > 0 {
		parts = append(parts, t.Accent.Render(fmt.Sprintf("↑ %d new — %s to go to the top", h.win.Above, h.c.Keys.History.Top.Help().Key)))
	}
	parts = append(parts, t.Muted.Render(pos))
	if h.loadReq != 0 {
		parts = append(parts, h.spin.Line(t.Muted, "loading"))
	}
	return Trunc(strings.Join(parts, t.Faint.Render(" · ")), h.width)
}

// noteLines is the footer's note wrapped to the width, never cut: an export's path is shown
// whole, so that it can be found (the table gives up the lines). One line when there is none.
func (h *History) noteLines() []string {
	if h.note == "" || h.exportReq != 0 {
		return []string{""}
	}
	return strings.Split(ansi.Wrap(h.note, max(h.width, 10), "/\\-_. "), "\n")
}
