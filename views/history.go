package views

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/termsafe"
	"github.com/syftbox/syftwallet/views/components"
)

// History pages through the account's transactions, newest first, from the service: it never
// loads everything. Its rows sit in a components.Window of at most HistoryMaxPages contiguous
// pages; the table draws only the rows on screen. A live payment that the filter lets through
// is put at the top when the top page is in memory; otherwise it is counted and the screen says
// how many are above (g goes to the top and reloads).
//
// The screen's jobs are in files of their own: this one holds the model, paging and keys;
// history_view.go the table and footer, history_detail.go the details pane, history_act.go
// confirm/cancel and the export. The filter language is the client's (client.ParseFilter), and
// so is the CSV exporter (client.ExportCSV).

// HistoryMaxPages is how many pages of rows History keeps in memory at most.
const HistoryMaxPages = 3

const (
	histMinPage   = 50
	histExportMax = 200 // page size of an export
	histDateW     = 16
	histDirW      = 5
	histAmountW   = 14
	histStatusW   = 9
	histLabelW    = 14 // the label column of the details
)

// History is the transactions table with filters, details, confirm/cancel and CSV export.
type History struct {
	c    *Common
	spin components.Spinner
	asks *Requests

	// The filter: the input, the text applied and the query it parsed into.
	input      textinput.Model
	editing    bool
	filterText string
	filterErr  string
	q          client.HistoryQuery

	win      components.Window[api.Transaction]
	pageSize int
	loadReq  int
	loadK    int
	loadErr  string
	loaded   bool // the first page arrived (for this filter)

	detail bool
	// detailTop is the first line of the details shown when they are taller than the pane, for
	// the transaction detailID (another transaction's details start at the top).
	detailTop int
	detailID  string

	ask     components.Confirm
	actKind string // "confirm" or "cancel"
	actTx   api.Transaction
	actReq  int

	exportReq int

	note    string // one line of news at the bottom (export path, confirm result)
	noteBad bool

	raw, cells []string // one row's cells, before and after fitting (reused row to row)

	width, height int
}

// NewHistory returns the history screen; Init loads the first page.
func NewHistory(c *Common) *History {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = `text in out status:pending >10 <5 since:2026-11-01 until:… with:email`
	in.CharLimit = 200
	in.SetStyles(InputStyles(c.Theme))
	h := &History{c: c, spin: components.NewSpinner(c.Theme), asks: NewRequests(HistoryScreen),
		input: in, pageSize: histMinPage, ask: components.NewConfirm(c.Keys.Confirm.Yes, c.Keys.Confirm.No)}
	h.win = components.Window[api.Transaction]{MaxPages: HistoryMaxPages, Key: func(t api.Transaction) string { return t.ID }}
	return h
}

// Init loads the newest page.
func (h *History) Init() tea.Cmd { return h.reload() }

// SetSize lays the screen out.
func (h *History) SetSize(w, hh int) {
	h.width, h.height = w, hh
	h.input.SetWidth(max(w-4, 10))
	h.win.ScrollTo(h.visible())
}

// Checking is true while a transaction's details are open.
func (h *History) Checking() bool { return h.detail }

// InputFocused reports whether the filter is being typed.
func (h *History) InputFocused() bool { return h.editing }

// Busy is true while a confirm or cancel is on its way.
func (h *History) Busy() bool { return h.ask.Working() }

// Loaded is the number of rows held in memory (for tests and benchmarks).
func (h *History) Loaded() int { return h.win.Held() }

// PageSize is the number of rows History asks for per page.
func (h *History) PageSize() int { return h.pageSize }

// Cursor is the selected row's absolute index.
func (h *History) Cursor() int { return h.win.Cur }

// Query is the filter applied.
func (h *History) Query() client.HistoryQuery { return h.q }

// row returns the row at absolute index i, if it is in memory.
func (h *History) row(i int) (*api.Transaction, bool) { return h.win.Row(i) }

// selected is the selected row, if any.
func (h *History) selected() (api.Transaction, bool) { return h.win.Selected() }

// --- paging -----------------------------------------------------------------------------------

// histPage is the answer to loading page k of the filter's list.
type histPage struct {
	k     int
	fresh bool
	page  client.HistoryPage
}

// reload forgets every page and loads the newest one with the current filter.
func (h *History) reload() tea.Cmd {
	h.pageSize = min(max(histMinPage, 2*h.visible()), api.MaxPageLimit)
	return h.load(0, "", h.pageSize, true)
}

func (h *History) load(k int, cursor string, limit int, fresh bool) tea.Cmd {
	h.loadK, h.loadErr = k, ""
	cl, q := h.c.Client, h.q
	q.Cursor, q.Limit, q.Offset = cursor, min(max(limit, 1), api.MaxPageLimit), 0
	return tea.Batch(h.spin.Tick(), Ask(h.c, h.asks, &h.loadReq, func(ctx context.Context) (histPage, error) {
		p, err := cl.History(ctx, q)
		return histPage{k: k, fresh: fresh, page: p}, err
	}))
}

// pageArrived puts a loaded page into the window.
func (h *History) pageArrived(msg Answer[histPage]) tea.Cmd {
	if msg.Err != nil {
		h.loadErr = Message(msg.Err)
		return nil
	}
	p := msg.Val
	if p.fresh {
		h.win.Reset()
		h.loaded = true
	}
	next := ""
	if p.page.HasMore {
		next = p.page.NextCursor
	}
	if !h.win.Arrived(p.k, p.page.Transactions, next, h.visible()) {
		return nil
	}
	return h.ensure()
}

// prefetch is how close to the edge of the window the cursor may come before the next page loads.
func (h *History) prefetch() int { return max(h.visible(), 10) }

// ensure loads the page next to the window when the cursor is near its edge.
func (h *History) ensure() tea.Cmd {
	if h.loadReq != 0 || h.loadErr != "" {
		return nil
	}
	if k, cursor, limit, ok := h.win.Need(h.prefetch(), h.pageSize); ok {
		return h.load(k, cursor, limit, false)
	}
	return nil
}

func (h *History) move(delta int) tea.Cmd {
	if h.win.Empty() {
		return nil
	}
	h.detailTop = 0 // another transaction's details start at the top
	h.win.Move(delta, h.visible())
	return h.ensure()
}

// applyFilter parses the input and, when it reads, reloads with it; a bad filter keeps the text
// and says what is wrong.
func (h *History) applyFilter() tea.Cmd {
	text := strings.TrimSpace(h.input.Value())
	q, err := client.ParseFilter(text, time.Local)
	if err != nil {
		h.filterErr = termsafe.String(err.Error()) // it quotes what was typed (or pasted)
		return nil
	}
	h.filterErr, h.filterText, h.q = "", text, q
	h.editing = false
	h.input.Blur()
	h.detail = false
	return h.reload()
}

// ParseFilter reads the history filter language (client.ParseFilter) into a query.
func ParseFilter(s string, loc *time.Location) (client.HistoryQuery, error) {
	return client.ParseFilter(s, loc)
}

// live puts a live payment that the filter lets through at the top, or updates its row.
func (h *History) live(msg LiveMsg) {
	if msg.Tx == nil || !h.loaded {
		return
	}
	tx := *msg.Tx
	if h.replace(tx) {
		return
	}
	switch msg.Type {
	case api.EventPaymentSent, api.EventPaymentReceived, api.EventTransactionPending:
	default:
		return // a change to a transaction not in memory: it shows when its page loads
	}
	if h.q.Matches(tx) {
		h.win.Prepend(tx, h.visible())
	}
}

// replace puts tx in place of the row with its id, if in memory.
func (h *History) replace(tx api.Transaction) bool {
	return h.win.Replace(tx, func(old api.Transaction, tx *api.Transaction) {
		if tx.Direction == "" {
			tx.Direction = old.Direction
		}
	})
}

// --- update ----------------------------------------------------------------------------------

// Update handles keys, pages, answers and live payments.
func (h *History) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := h.spin.Update(msg, h.loadReq != 0 || h.exportReq != 0 || h.ask.Working()); ok {
		return h, cmd
	}
	switch msg := msg.(type) {
	case StyleMsg:
		h.input.SetStyles(InputStyles(h.c.Theme))
		h.spin.Restyle(h.c.Theme)
	case Answer[histPage]:
		return h, msg.Then(h.asks, &h.loadReq, h.pageArrived)
	case Answer[api.Transaction]:
		return h, msg.Then(h.asks, &h.actReq, h.resolved)
	case Answer[exported]:
		if !msg.For(h.asks, &h.exportReq) {
			return h, nil
		}
		h.exported(msg)
	case LiveMsg:
		h.live(msg)
	case ReloadMsg:
		return h, h.reload()
	case tea.PasteMsg:
		if h.editing {
			var cmd tea.Cmd
			h.input, cmd = h.input.Update(msg)
			return h, cmd
		}
	case tea.KeyPressMsg:
		return h, h.key(msg)
	}
	return h, nil
}
