package views

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/views/components"
)

func (h *History) key(msg tea.KeyPressMsg) tea.Cmd {
	k := h.c.Keys
	hk := k.History
	if h.editing {
		return h.filterKey(msg)
	}
	if h.ask.Open() {
		if h.ask.Key(msg) == components.ConfirmYes {
			return h.resolve()
		}
		return nil
	}
	vis := max(h.visible(), 1)
	switch {
	case h.detail && (key.Matches(msg, hk.PageUp) || key.Matches(msg, hk.PageDown)):
		return h.scrollDetail(key.Matches(msg, hk.PageDown))
	case key.Matches(msg, hk.Up):
		return h.move(-1)
	case key.Matches(msg, hk.Down):
		return h.move(1)
	case key.Matches(msg, hk.PageUp):
		return h.move(-vis)
	case key.Matches(msg, hk.PageDown):
		return h.move(vis)
	case key.Matches(msg, hk.Top):
		if h.win.AtTop() {
			h.win.Cur, h.win.Top = 0, 0
			return nil
		}
		return h.reload()
	case key.Matches(msg, hk.Bottom):
		return h.move(h.win.End() - 1 - h.win.Cur)
	case key.Matches(msg, hk.Filter):
		h.editing, h.detail = true, false
		h.input.SetValue(h.filterText)
		h.input.CursorEnd()
		return h.input.Focus()
	case key.Matches(msg, hk.Detail):
		if _, ok := h.selected(); ok {
			h.detail, h.detailTop = !h.detail, 0
		}
		return nil
	case key.Matches(msg, hk.Close):
		switch {
		case h.detail:
			h.detail = false
		case h.filterText != "":
			h.filterText, h.q, h.filterErr = "", client.HistoryQuery{}, ""
			h.input.SetValue("")
			return h.reload()
		case h.note != "":
			h.note = ""
		}
		return nil
	case key.Matches(msg, hk.Confirm), key.Matches(msg, hk.Cancel):
		kind := "confirm"
		if key.Matches(msg, hk.Cancel) {
			kind = "cancel"
		}
		h.askResolve(kind)
		return nil
	case key.Matches(msg, hk.Export):
		if h.exportReq != 0 {
			return nil
		}
		return h.export()
	case key.Matches(msg, hk.Refresh):
		h.note = ""
		return tea.Batch(RefreshAccount, h.reload()) // and, while the live feed is down, reconnect now
	}
	return nil
}

// filterKey is a key while the filter is typed: enter applies it, esc leaves it as it was.
func (h *History) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	k := h.c.Keys
	switch {
	case key.Matches(msg, k.Form.Submit):
		return h.applyFilter()
	case key.Matches(msg, k.Global.LeaveField):
		h.editing, h.filterErr = false, ""
		h.input.SetValue(h.filterText)
		h.input.Blur()
		return nil
	}
	h.filterErr = ""
	var cmd tea.Cmd
	h.input, cmd = h.input.Update(msg)
	return cmd
}

// ShortHelp is the history screen's keys for the state it is in.
func (h *History) ShortHelp() []key.Binding {
	k := h.c.Keys
	hk := k.History
	switch {
	case h.editing:
		return []key.Binding{withDesc(k.Form.Submit, "apply filter")} // the root adds esc
	case h.ask.Asking():
		return h.ask.Bindings()
	case h.ask.Working():
		return nil
	}
	pending := false
	if tx, ok := h.selected(); ok {
		pending = tx.Status == api.StatusPending
	}
	conf, canc := hk.Confirm, hk.Cancel
	conf.SetEnabled(pending)
	canc.SetEnabled(pending)
	if h.detail {
		out := []key.Binding{withDesc(hk.Close, "close")}
		if tx, ok := h.selected(); ok {
			if _, maxTop := detailRows(len(h.detailLines(tx)), h.visible()+1); maxTop > 0 {
				out = append(out, withDesc(hk.PageDown, "scroll"), withDesc(hk.PageUp, "scroll up"))
			}
		}
		return append(out, conf, canc, hk.Up, hk.Down)
	}
	exp := hk.Export
	exp.SetEnabled(h.c.ExportDir != "")
	out := []key.Binding{hk.Down, hk.Filter, hk.Detail, conf, canc, exp}
	if h.filterText != "" {
		out = append(out, withDesc(hk.Close, "clear filter"))
	}
	return out
}

// FullHelp is every key of the history screen.
func (h *History) FullHelp() [][]key.Binding {
	hk := h.c.Keys.History
	return [][]key.Binding{
		{hk.Up, hk.Down, hk.PageUp, hk.PageDown, hk.Top, hk.Bottom},
		{hk.Filter, hk.Detail, hk.Close, hk.Refresh},
		{hk.Confirm, hk.Cancel, hk.Export},
	}
}
