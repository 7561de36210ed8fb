package views

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/api"
)

// The details pane: every field of one transaction, wrapped, never cut, scrolling when taller
// than the pane.

// detailLines are every field of a transaction, values wrapped in their column and never cut:
// this is where a person reads what they paid or were paid, the whole address and memo.
func (h *History) detailLines(tx api.Transaction) []string {
	t := h.c.Theme
	opt := func(s *string) string {
		if s == nil || *s == "" {
			return "—"
		}
		return OneLine(*s)
	}
	when := func(at *api.Time) string {
		if at == nil || at.IsZero() {
			return "—"
		}
		return at.Local().Format("2006-01-02 15:04:05 MST")
	}
	labW := histLabelW
	valW := max(h.width-4-labW, 10)
	field := func(label, val string, st lipgloss.Style) []string {
		return labelled(label, labW, WrapText(val, valW), t.Muted, st)
	}
	addr := func(label, val string) []string {
		return labelled(label, labW, WrapAddress(OneLine(val), valW), t.Muted, t.Text)
	}
	amount, amtStyle := h.c.TxAmount(tx)
	status := t.Text
	if tx.Status == api.StatusPending {
		status = t.Warning
	}
	created := tx.CreatedAt
	var lines []string
	for _, l := range [][]string{
		field("Amount", amount+" "+tx.Currency+"  "+Arrow(tx), amtStyle),
		field("Status", StatusWord(tx.Status), status),
		addr("From", tx.SenderEmail),
		addr("To", tx.RecipientEmail),
		field("Memo", opt(tx.Memo), t.Text),
		field("Created", when(&created)+" by "+strings.ToLower(tx.CreatedBy), t.Text),
		field("Resolved", when(tx.ResolvedAt)+resolvedBy(tx), t.Text),
		field("App", opt(tx.AppName), t.Text),
		field("Endpoint", opt(tx.AppEpPath), t.Text),
		field("ID", tx.ID, t.Code),
	} {
		lines = append(lines, l...)
	}
	if tx.APIKeyID != nil && *tx.APIKeyID != "" { // made by a program with one of your API keys
		lines = append(lines, field("API key", *tx.APIKeyID, t.Code)...)
	}
	if len(tx.Metadata) == 0 {
		lines = append(lines, field("Metadata", "—", t.Text)...)
	} else {
		first := true
		for _, k := range slices.Sorted(maps.Keys(tx.Metadata)) {
			lab := ""
			if first {
				lab, first = "Metadata", false
			}
			lines = append(lines, field(lab, OneLine(k)+" = "+OneLine(tx.Metadata[k]), t.Text)...)
		}
	}
	if tx.Status == api.StatusPending {
		k := h.c.Keys.History
		lines = append(lines, "", t.Key.Render(k.Confirm.Help().Key)+t.Muted.Render(" confirm   ")+
			t.Key.Render(k.Cancel.Help().Key)+t.Muted.Render(" cancel this pending transaction"))
	}
	return lines
}

// detailRows is how many lines of details the pane of n lines shows (its border and title take
// three), and the furthest it scrolls: with more lines than rows, one row says what is out of view.
func detailRows(lines, n int) (rows, maxTop int) {
	rows = max(n-3, 2)
	if lines <= rows {
		return rows, 0
	}
	return rows, lines - (rows - 1)
}

// detailTopFor is where the details of tx start, scrolled or not.
func (h *History) detailTopFor(tx api.Transaction, maxTop int) int {
	if tx.ID != h.detailID {
		return 0
	}
	return min(h.detailTop, maxTop)
}

// scrollDetail moves the details a page down or up, when they are taller than the pane.
func (h *History) scrollDetail(down bool) tea.Cmd {
	tx, ok := h.selected()
	if !ok {
		return nil
	}
	rows, maxTop := detailRows(len(h.detailLines(tx)), h.visible()+1)
	top := h.detailTopFor(tx, maxTop)
	step := max(rows-2, 1)
	if down {
		top = min(top+step, maxTop)
	} else {
		top = max(top-step, 0)
	}
	h.detailTop, h.detailID = top, tx.ID
	return nil
}

// detailPane shows every field of the selected transaction, scrolling when they do not fit.
func (h *History) detailPane(n int) []string {
	t := h.c.Theme
	tx, ok := h.selected()
	if !ok {
		return nil
	}
	lines := h.detailLines(tx)
	rows, maxTop := detailRows(len(lines), n)
	if maxTop > 0 {
		top := h.detailTopFor(tx, maxTop)
		below := len(lines) - (top + rows - 1)
		k := h.c.Keys.History
		var more []string
		if top > 0 {
			more = append(more, fmt.Sprintf("↑ %d more above (%s)", top, k.PageUp.Help().Key))
		}
		if below > 0 {
			more = append(more, fmt.Sprintf("↓ %d more lines: %s scrolls", below, k.PageDown.Help().Key))
		}
		lines = append(window(lines, top, rows-1, histLabelW, t.Muted), t.Accent.Render(strings.Join(more, " · ")))
	}
	box := panel(h.c, "Transaction", t.Faint.Render("esc closes"), lines, h.width, n)
	return strings.Split(box, "\n")
}
func resolvedBy(tx api.Transaction) string {
	if tx.ResolvedBy == nil || *tx.ResolvedBy == "" {
		return ""
	}
	return " by " + strings.ToLower(*tx.ResolvedBy)
}
