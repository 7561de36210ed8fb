package views

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// --- confirm and cancel ----------------------------------------------------------------------

// askResolve opens the y/n prompt to confirm or cancel the selected pending transaction.
func (h *History) askResolve(kind string) {
	tx, ok := h.selected()
	if !ok {
		return
	}
	if tx.Status != api.StatusPending {
		h.note, h.noteBad = "Only a pending transaction can be confirmed or cancelled; this one is "+StatusWord(tx.Status)+".", true
		return
	}
	h.actKind, h.actTx, h.note = kind, tx, ""
	h.ask.Ask("", "", kind, "keep")
}

func (h *History) resolve() tea.Cmd {
	h.ask.Start()
	cl, kind, txID := h.c.Client, h.actKind, h.actTx.ID
	return tea.Batch(h.spin.Tick(), Ask(h.c, h.asks, &h.actReq, func(ctx context.Context) (api.Transaction, error) {
		if kind == "confirm" {
			return cl.Confirm(ctx, txID)
		}
		return cl.Cancel(ctx, txID)
	}))
}

func (h *History) resolved(msg Answer[api.Transaction]) tea.Cmd {
	h.ask.Close()
	if msg.Err != nil {
		var conflict *client.ConflictError
		text := Message(msg.Err)
		if errors.As(msg.Err, &conflict) {
			text = "It was already confirmed or cancelled; press r to refresh."
		}
		h.note, h.noteBad = "✗ Could not "+h.actKind+": "+text, true
		return nil
	}
	tx := msg.Val
	if tx.Direction == "" {
		tx.Direction = h.actTx.Direction
	}
	h.replace(tx)
	verb := "Confirmed"
	if h.actKind == "cancel" {
		verb = "Cancelled"
	}
	to, who := Other(tx)
	// Cut to the width of now, so that the address keeps its domain (the footer cuts at the end).
	h.note, h.noteBad = WithAddress("✓ "+verb+" "+h.c.Money(tx.Amount)+to, who, ".", h.width), false
	return nil
}

// prompt is the y/n question (or the spinner) for confirm and cancel: 5 lines.
func (h *History) prompt() string {
	t := h.c.Theme
	tx := h.actTx
	verb := "Confirm"
	effect := "the money moves now."
	if h.actKind == "cancel" {
		verb = "Cancel"
		effect = "the held amount is released; nothing is paid."
	}
	to, who := Other(tx)
	q := verb + " the pending payment of " + h.c.Money(tx.Amount) + to
	var last string
	if h.ask.Working() {
		last = h.spin.Line(t.Muted, strings.TrimSuffix(verb, "e")+"ing…")
	} else {
		last = t.Key.Render(h.ask.YesKey()) + t.Muted.Render(" "+strings.ToLower(verb)+"   ") +
			t.Key.Render(h.ask.NoKey()) + t.Muted.Render(" keep it as it is")
	}
	inner := h.width - 4
	body := t.Warning.Render(WithAddress(q, who, "?", inner)) + "\n" + t.Faint.Render(Trunc(verb+": "+effect, inner)) + "\n" + last
	return t.PanelDanger.Width(h.width).Render(body)
}

// --- export ----------------------------------------------------------------------------------

// exported is where an export went and how many rows it wrote.
type exported struct {
	path string
	rows int
}

// export writes every row of the filter to a CSV file in the export folder, with the client's
// one exporter (the same columns as `syftwallet history --csv`).
func (h *History) export() tea.Cmd {
	h.note, h.noteBad = "", false
	c, q := h.c, h.q
	dir := c.ExportDir
	if dir == "" {
		// No folder given (the SSH host): a remote person must not write files on the host.
		h.note, h.noteBad = "✗ Export is off here: this wallet has no folder to write to.", true
		return nil
	}
	name := "syftwallet-history-" + c.now().Format("20060102-150405") + ".csv"
	export := Ask(c, h.asks, &h.exportReq, func(context.Context) (exported, error) {
		// An export reads every page: its own, longer deadline, under the session's context.
		ctx := c.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
		defer cancel()
		q.Cursor, q.Offset, q.Limit = "", 0, histExportMax
		path, n, err := client.ExportCSV(ctx, c.Client.HistoryPages(ctx, q), dir, name)
		return exported{path: path, rows: n}, err
	})
	return tea.Batch(h.spin.Tick(), export)
}

func (h *History) exported(msg Answer[exported]) {
	if msg.Err != nil {
		h.note, h.noteBad = "✗ Export failed: "+Message(msg.Err), true
		return
	}
	h.note, h.noteBad = fmt.Sprintf("✓ Exported %d %s to %s", msg.Val.rows, plural(msg.Val.rows, "row", "rows"), msg.Val.path), false
}
