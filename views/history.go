package views

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/termsafe"
)

// History pages through the account's transactions, newest first, from the service: it never
// loads everything. It keeps a window of at most HistoryMaxPages contiguous pages in memory.
// Scrolling down near the end of the window loads the next page (by the previous page's
// cursor) and drops the page at the far top; scrolling back up near the start of the window
// reloads the page before it by the cursor remembered for it, and drops the far bottom. Only the
// cursors and lengths of pages seen are kept for the pages not in memory (a few bytes a page).
//
// Row positions are absolute indices in the filtered list (0 = newest). A live payment that the
// filter lets through is put at the top when the top page is in memory; otherwise it is counted
// and the screen says how many are above (g goes to the top and reloads).

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

// histPage is one page in memory: page k of the filter's list, starting at absolute row start.
type histPage struct {
	k     int
	start int
	rows  []api.Transaction
}

type histAct int

const (
	histActNone    histAct = iota
	histActAsk             // asking y/n
	histActWorking         // the confirm or cancel is on its way
)

// History is the transactions table with filters, details, confirm/cancel and CSV export.
type History struct {
	c    *Common
	spin spinner.Model
	reqs reqs

	// The filter: the input, the text applied and the query it parsed into.
	input      textinput.Model
	editing    bool
	filterText string
	filterErr  string
	q          client.HistoryQuery

	// Paging. cursors[k] fetches page k ("" for page 0); lens[k] is how many rows page k had when
	// last loaded. len(cursors) > k+1 means there is a page after k.
	pageSize int
	cursors  []string
	lens     []int
	pages    []histPage // contiguous, ascending k, at most HistoryMaxPages
	loadReq  int
	loadK    int
	loadErr  string
	loaded   bool // the first page arrived (for this filter)
	newAbove int  // live rows that match but arrived while the top page was not in memory

	cur, top int // the selected row and the first row shown (absolute)

	detail bool
	// detailTop is the first line of the details shown when they are taller than the pane, for
	// the transaction detailID (another transaction's details start at the top).
	detailTop int
	detailID  string

	act     histAct
	actKind string // "confirm" or "cancel"
	actTx   api.Transaction
	actReq  int

	exportReq int

	note    string // one line of news at the bottom (export path, confirm result)
	noteBad bool

	width, height int
}

// NewHistory returns the history screen; Init loads the first page.
func NewHistory(c *Common) *History {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = `text in out status:pending >10 <5 since:2026-11-01 until:… with:email`
	in.CharLimit = 200
	in.SetStyles(InputStyles(c.Theme))
	return &History{c: c, spin: NewSpinner(c.Theme), input: in, pageSize: histMinPage}
}

// Init loads the newest page.
func (h *History) Init() tea.Cmd { return h.reload() }

// SetSize lays the screen out.
func (h *History) SetSize(w, hh int) {
	h.width, h.height = w, hh
	h.input.SetWidth(max(w-4, 10))
	h.scrollTo()
}

// Checking is true while a transaction's details are open.
func (h *History) Checking() bool { return h.detail }

// InputFocused reports whether the filter is being typed.
func (h *History) InputFocused() bool { return h.editing }

// Busy is true while a confirm or cancel is on its way.
func (h *History) Busy() bool { return h.act == histActWorking }

// Loaded is the number of rows held in memory (for tests and benchmarks).
func (h *History) Loaded() int {
	n := 0
	for _, p := range h.pages {
		n += len(p.rows)
	}
	return n
}

// PageSize is the number of rows History asks for per page.
func (h *History) PageSize() int { return h.pageSize }

// Cursor is the selected row's absolute index.
func (h *History) Cursor() int { return h.cur }

// Query is the filter applied.
func (h *History) Query() client.HistoryQuery { return h.q }

// --- paging -----------------------------------------------------------------------------------

// histPageMsg is the answer to loading page k.
type histPageMsg struct {
	reqID int
	k     int
	fresh bool
	page  client.HistoryPage
	err   error
}

// reload forgets every page and loads the newest one with the current filter.
func (h *History) reload() tea.Cmd {
	h.pageSize = min(max(histMinPage, 2*h.visible()), api.MaxPageLimit)
	return h.load(0, "", h.pageSize, true)
}

func (h *History) load(k int, cursor string, limit int, fresh bool) tea.Cmd {
	id := h.reqs.next()
	h.loadReq, h.loadK, h.loadErr = id, k, ""
	c := h.c
	q := h.q
	q.Cursor, q.Limit, q.Offset = cursor, min(max(limit, 1), api.MaxPageLimit), 0
	return tea.Batch(h.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		p, err := c.Client.History(ctx, q)
		return histPageMsg{reqID: id, k: k, fresh: fresh, page: p, err: err}
	})
}

func (h *History) winStart() int {
	if len(h.pages) == 0 {
		return 0
	}
	return h.pages[0].start
}

func (h *History) winEnd() int {
	if len(h.pages) == 0 {
		return 0
	}
	last := h.pages[len(h.pages)-1]
	return last.start + len(last.rows)
}

// hasNext reports whether a page follows the last one in memory.
func (h *History) hasNext() bool {
	return len(h.pages) > 0 && len(h.cursors) > h.pages[len(h.pages)-1].k+1
}

// row returns the row at absolute index i, if it is in memory.
func (h *History) row(i int) (*api.Transaction, bool) {
	for pi := range h.pages {
		p := &h.pages[pi]
		if i >= p.start && i < p.start+len(p.rows) {
			return &p.rows[i-p.start], true
		}
	}
	return nil, false
}

// selected is the selected row, if any.
func (h *History) selected() (api.Transaction, bool) {
	tx, ok := h.row(h.cur)
	if !ok {
		return api.Transaction{}, false
	}
	return *tx, true
}

// restart recomputes where each page in memory starts from the page lengths.
func (h *History) restart() {
	for pi := range h.pages {
		s := 0
		for k := 0; k < h.pages[pi].k && k < len(h.lens); k++ {
			s += h.lens[k]
		}
		h.pages[pi].start = s
	}
}

func (h *History) setLen(k, n int) {
	for len(h.lens) <= k {
		h.lens = append(h.lens, 0)
	}
	h.lens[k] = n
}

// pageArrived puts a loaded page into the window.
func (h *History) pageArrived(msg histPageMsg) tea.Cmd {
	h.loadReq = 0
	if msg.err != nil {
		var unauth *client.UnauthenticatedError
		if errors.As(msg.err, &unauth) {
			return func() tea.Msg { return SignedOutMsg{Reason: "Your session has ended; sign in again."} }
		}
		h.loadErr = Message(msg.err)
		return nil
	}
	rows := msg.page.Transactions
	k := msg.k
	if msg.fresh {
		h.pages, h.cursors, h.lens = nil, []string{""}, nil
		h.cur, h.top, h.newAbove, h.loaded = 0, 0, 0, true
	}
	// The cursor chain: what follows page k, and whether the end is known.
	if msg.page.HasMore && msg.page.NextCursor != "" {
		if len(h.cursors) == k+1 {
			h.cursors = append(h.cursors, msg.page.NextCursor)
		} else if len(h.cursors) > k+1 {
			h.cursors[k+1] = msg.page.NextCursor
		}
	} else if len(h.cursors) > k+1 {
		h.cursors, h.lens = h.cursors[:k+1], h.lens[:min(len(h.lens), k+1)]
	}
	switch {
	case len(h.pages) == 0:
		h.setLen(k, len(rows))
		h.pages = []histPage{{k: k, rows: rows}}
		h.restart()
	case k == h.pages[len(h.pages)-1].k+1:
		last := h.pages[len(h.pages)-1]
		rows = dropSeen(rows, last.rows)
		h.setLen(k, len(rows))
		h.pages = append(h.pages, histPage{k: k, start: last.start + len(last.rows), rows: rows})
		// Drop the far top, unless it is on screen (a very tall window).
		for len(h.pages) > HistoryMaxPages && h.pages[0].start+len(h.pages[0].rows) <= h.top {
			h.pages[0] = histPage{}
			h.pages = h.pages[1:]
		}
	case k == h.pages[0].k-1:
		old := 0
		if k < len(h.lens) {
			old = h.lens[k]
		}
		rows = dropSeen(rows, h.pages[0].rows)
		if k == 0 {
			h.newAbove = 0
		}
		h.setLen(k, len(rows))
		h.pages = append([]histPage{{k: k, rows: rows}}, h.pages...)
		h.restart()
		// Rows that appeared at the top while it was not in memory shift everything below.
		delta := len(rows) - old
		h.cur += delta
		h.top += delta
		for len(h.pages) > HistoryMaxPages && h.pages[len(h.pages)-1].start >= h.top+h.visible() {
			h.pages[len(h.pages)-1] = histPage{}
			h.pages = h.pages[:len(h.pages)-1]
		}
	default:
		return nil // the window moved on; this page is not next to it any more
	}
	h.clampCursor()
	return h.ensure()
}

// dropSeen removes rows already in the neighbouring page (a cursor that shifted under a live
// insert, on a service whose cursors are positions).
func dropSeen(rows, near []api.Transaction) []api.Transaction {
	if len(near) == 0 || len(rows) == 0 {
		return rows
	}
	seen := make(map[string]struct{}, len(near))
	for _, t := range near {
		seen[t.ID] = struct{}{}
	}
	out := rows[:0:0]
	for _, t := range rows {
		if _, ok := seen[t.ID]; !ok {
			out = append(out, t)
		}
	}
	if len(out) == len(rows) {
		return rows
	}
	return out
}

// prefetch is how close to the edge of the window the cursor may come before the next page loads.
func (h *History) prefetch() int { return max(h.visible(), 10) }

// ensure loads the page next to the window when the cursor is near its edge.
func (h *History) ensure() tea.Cmd {
	if h.loadReq != 0 || len(h.pages) == 0 || h.loadErr != "" {
		return nil
	}
	switch {
	case h.cur >= h.winEnd()-h.prefetch() && h.hasNext():
		k := h.pages[len(h.pages)-1].k + 1
		return h.load(k, h.cursors[k], h.pageSize, false)
	case h.cur < h.winStart()+h.prefetch() && h.pages[0].k > 0:
		k := h.pages[0].k - 1
		n := h.pageSize
		if k < len(h.lens) && h.lens[k] > 0 {
			n = h.lens[k]
		}
		if k == 0 {
			n += h.newAbove
		}
		return h.load(k, h.cursors[k], n, false)
	}
	return nil
}

func (h *History) clampCursor() {
	if end := h.winEnd(); h.cur >= end {
		h.cur = end - 1
	}
	if h.cur < h.winStart() {
		h.cur = h.winStart()
	}
	h.cur = max(h.cur, 0)
	h.scrollTo()
}

// scrollTo keeps the selected row on screen.
func (h *History) scrollTo() {
	vis := h.visible()
	if h.cur < h.top {
		h.top = h.cur
	}
	if vis > 0 && h.cur >= h.top+vis {
		h.top = h.cur - vis + 1
	}
	h.top = max(h.top, h.winStart(), 0)
}

func (h *History) move(delta int) tea.Cmd {
	if len(h.pages) == 0 {
		return nil
	}
	h.cur += delta
	h.detailTop = 0 // another transaction's details start at the top
	h.clampCursor()
	return h.ensure()
}

// --- the filter ------------------------------------------------------------------------------

// ParseFilter reads the history filter language into a query:
//
//	free words          text in the memo, app name or counterparty ("quoted words" keep spaces)
//	in, out             the direction
//	status:pending      or completed, cancelled
//	>10 >=10 <5 <=5     the amount, exact decimals (>10 means more than 10.00)
//	since:2026-11-01    on or after that day (or an RFC 3339 time)
//	until:2026-11-30    up to the end of that day (or before an RFC 3339 time)
//	with:ada@example.com  the counterparty
//
// Dates are read in loc. An error names the word at fault.
func ParseFilter(s string, loc *time.Location) (client.HistoryQuery, error) {
	var q client.HistoryQuery
	var text []string
	words, err := filterWords(s)
	if err != nil {
		return q, err
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w.quoted {
			text = append(text, w.s)
			continue
		}
		if strings.HasPrefix(w.s, ">") || strings.HasPrefix(w.s, "<") {
			// ">1 000" is one amount, as the Pay screen reads it (and refuses it there), never
			// "more than 1" and the text "000": the numbers after a bound belong to it. A number
			// meant as text is quoted.
			for i+1 < len(words) && !words[i+1].quoted && numberWord(words[i+1].s) {
				i++
				w.s += " " + words[i].s
			}
		}
		lw := strings.ToLower(w.s)
		switch {
		case lw == "in" || lw == "out":
			d := api.DirectionIn
			if lw == "out" {
				d = api.DirectionOut
			}
			if q.Direction != "" && q.Direction != d {
				return q, errors.New("in and out together match nothing; pick one")
			}
			q.Direction = d
		case strings.HasPrefix(lw, "status:"):
			v := strings.TrimPrefix(lw, "status:")
			switch v {
			case "pending":
				q.Status = api.StatusPending
			case "completed", "complete", "done":
				q.Status = api.StatusCompleted
			case "cancelled", "canceled":
				q.Status = api.StatusCancelled
			default:
				return q, fmt.Errorf("status:%s: the status is pending, completed or cancelled", v)
			}
		case strings.HasPrefix(lw, ">") || strings.HasPrefix(lw, "<"):
			if err := amountBound(&q, w.s); err != nil {
				return q, err
			}
		case strings.HasPrefix(lw, "since:"), strings.HasPrefix(lw, "until:"):
			name, v, _ := strings.Cut(w.s, ":")
			t, day, err := filterTime(v, loc)
			if err != nil {
				return q, fmt.Errorf("%s: write a date like 2026-11-01", w.s)
			}
			if strings.EqualFold(name, "since") {
				q.Since = t
			} else {
				if day {
					t = t.AddDate(0, 0, 1) // until a day includes that day
				}
				q.Until = t
			}
		case strings.HasPrefix(lw, "with:"):
			v := strings.TrimSpace(w.s[len("with:"):])
			e, verr := api.NormalizeEmail("counterparty", v)
			if verr != nil {
				return q, fmt.Errorf("%s: not an email address", w.s)
			}
			q.Counterparty = e
		case strings.Contains(lw, ":") && !strings.Contains(lw, "@") && !strings.Contains(lw, "//"):
			name, _, _ := strings.Cut(w.s, ":")
			return q, fmt.Errorf(`%s: unknown filter %q (known: in, out, status:, since:, until:, with:, >, <); quote it to search for the text`, w.s, name+":")
		default:
			text = append(text, w.s)
		}
	}
	q.Q = strings.Join(text, " ")
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, errors.New("until must be after since")
	}
	if q.MinAmount > 0 && q.MaxAmount > 0 && q.MaxAmount < q.MinAmount {
		return q, errors.New("no amount is both above the minimum and below the maximum")
	}
	return q, nil
}

type filterWord struct {
	s      string
	quoted bool
}

// filterWords splits s on spaces, keeping "quoted words" together.
func filterWords(s string) ([]filterWord, error) {
	var out []filterWord
	var b strings.Builder
	inQuote, quoted := false, false
	flush := func() {
		if b.Len() > 0 || quoted {
			if v := b.String(); v != "" {
				out = append(out, filterWord{s: v, quoted: quoted})
			}
		}
		b.Reset()
		quoted = false
	}
	for _, r := range s {
		switch {
		case r == '"':
			if inQuote {
				inQuote = false
				flush()
			} else {
				flush()
				inQuote, quoted = true, true
			}
		case !inQuote && (r == ' ' || r == '\t'):
			flush()
		default:
			b.WriteRune(r)
		}
	}
	if inQuote {
		return nil, errors.New(`a quote is not closed: add the closing "`)
	}
	flush()
	return out, nil
}

// amountBound reads >10, >=10, <5, <=5 exactly, the amount as money.ParseHuman reads it (the
// Pay screen's and the scripting commands' parser).
func amountBound(q *client.HistoryQuery, w string) error {
	op := w[:1]
	v := w[1:]
	incl := strings.HasPrefix(v, "=")
	if incl {
		v = v[1:]
	}
	m, err := money.ParseHuman(v)
	if err != nil {
		return fmt.Errorf("%s: %s", w, lowerFirst(err.Error()))
	}
	if op == ">" {
		if !incl {
			m++ // more than: the next micro-unit
		}
		q.MinAmount = max(m, 1)
		return nil
	}
	if !incl {
		m-- // less than
	}
	if m <= 0 {
		return fmt.Errorf("%s: no amount is that small", w)
	}
	q.MaxAmount = m
	return nil
}

// numberWord reports whether a filter word is digits, with points and commas, such as the
// groups of an amount typed with spaces.
func numberWord(w string) bool {
	if w == "" || !unicode.IsDigit([]rune(w)[0]) {
		return false
	}
	for _, r := range w {
		if !unicode.IsDigit(r) && r != '.' && r != ',' {
			return false
		}
	}
	return true
}

// lowerFirst writes a sentence's first letter small, to follow "word: ".
func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// filterTime reads a day (2026-11-01) or an RFC 3339 time; day says which.
func filterTime(s string, loc *time.Location) (time.Time, bool, error) {
	if loc == nil {
		loc = time.Local
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, false, err
}

// FilterMatches applies q's filters to one transaction as the service does (until exclusive).
func FilterMatches(q client.HistoryQuery, tx api.Transaction) bool {
	switch {
	case q.Direction != "" && tx.Direction != q.Direction,
		q.Status != "" && tx.Status != q.Status,
		q.Counterparty != "" && !strings.EqualFold(tx.Counterparty(), q.Counterparty),
		!q.Since.IsZero() && tx.CreatedAt.Before(q.Since),
		!q.Until.IsZero() && !tx.CreatedAt.Before(q.Until),
		q.MinAmount > 0 && tx.Amount < q.MinAmount,
		q.MaxAmount > 0 && tx.Amount > q.MaxAmount:
		return false
	}
	if q.Q == "" {
		return true
	}
	needle := strings.ToLower(q.Q)
	hay := []string{tx.Counterparty()}
	if tx.Memo != nil {
		hay = append(hay, *tx.Memo)
	}
	if tx.AppName != nil {
		hay = append(hay, *tx.AppName)
	}
	for _, s := range hay {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	return false
}

// applyFilter parses the input and, when it reads, reloads with it; a bad filter keeps the text
// and says what is wrong.
func (h *History) applyFilter() tea.Cmd {
	text := strings.TrimSpace(h.input.Value())
	q, err := ParseFilter(text, time.Local)
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

// --- confirm and cancel ----------------------------------------------------------------------

// histResolvedMsg is the answer to confirming or cancelling a pending transaction.
type histResolvedMsg struct {
	reqID int
	kind  string
	tx    api.Transaction
	err   error
}

func (h *History) resolve() tea.Cmd {
	id := h.reqs.next()
	h.actReq = id
	h.act = histActWorking
	c, kind, txID := h.c, h.actKind, h.actTx.ID
	return tea.Batch(h.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		var tx api.Transaction
		var err error
		if kind == "confirm" {
			tx, err = c.Client.Confirm(ctx, txID)
		} else {
			tx, err = c.Client.Cancel(ctx, txID)
		}
		return histResolvedMsg{reqID: id, kind: kind, tx: tx, err: err}
	})
}

func (h *History) resolved(msg histResolvedMsg) tea.Cmd {
	h.act, h.actReq = histActNone, 0
	if msg.err != nil {
		var unauth *client.UnauthenticatedError
		if errors.As(msg.err, &unauth) {
			return func() tea.Msg { return SignedOutMsg{Reason: "Your session has ended; sign in again."} }
		}
		var conflict *client.ConflictError
		text := Message(msg.err)
		if errors.As(msg.err, &conflict) {
			text = "It was already confirmed or cancelled; press r to refresh."
		}
		h.note, h.noteBad = "✗ Could not "+msg.kind+": "+text, true
		return nil
	}
	tx := msg.tx
	if tx.Direction == "" {
		tx.Direction = h.actTx.Direction
	}
	h.replace(tx)
	verb := "Confirmed"
	if msg.kind == "cancel" {
		verb = "Cancelled"
	}
	to, who := Other(tx)
	// Cut to the width of now, so that the address keeps its domain (the footer cuts at the end).
	h.note, h.noteBad = WithAddress("✓ "+verb+" "+h.c.Money(tx.Amount)+to, who, ".", h.width), false
	return nil
}

// replace puts tx in place of the row with its id, if in memory.
func (h *History) replace(tx api.Transaction) bool {
	for pi := range h.pages {
		for i := range h.pages[pi].rows {
			if h.pages[pi].rows[i].ID == tx.ID {
				if tx.Direction == "" {
					tx.Direction = h.pages[pi].rows[i].Direction
				}
				h.pages[pi].rows[i] = tx
				return true
			}
		}
	}
	return false
}

// --- export ----------------------------------------------------------------------------------

// histExportMsg is the answer to exporting the filtered rows.
type histExportMsg struct {
	reqID int
	path  string
	rows  int
	err   error
}

func (h *History) export() tea.Cmd {
	id := h.reqs.next()
	h.exportReq = id
	h.note, h.noteBad = "", false
	c, q := h.c, h.q
	dir := c.ExportDir
	if dir == "" {
		// No folder given (the SSH host): a remote person must not write files on the host.
		h.exportReq = 0
		h.note, h.noteBad = "✗ Export is off here: this wallet has no folder to write to.", true
		return nil
	}
	name := "syftwallet-history-" + c.now().Format("20060102-150405") + ".csv"
	return tea.Batch(h.spin.Tick, func() tea.Msg {
		ctx := c.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
		defer cancel()
		q.Cursor, q.Offset, q.Limit = "", 0, histExportMax
		path, n, err := client.ExportCSV(ctx, c.Client.HistoryPages(ctx, q), dir, name)
		return histExportMsg{reqID: id, path: path, rows: n, err: err}
	})
}

// --- live ------------------------------------------------------------------------------------

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
	if !FilterMatches(h.q, tx) {
		return
	}
	if len(h.pages) == 0 || h.pages[0].k != 0 {
		h.newAbove++
		return
	}
	p := &h.pages[0]
	p.rows = slices.Insert(p.rows, 0, tx)
	h.setLen(0, len(p.rows))
	h.restart()
	// At the very top the cursor follows the newest row; elsewhere the selection stays on the
	// row it was on and the view does not move.
	if h.cur > 0 {
		h.cur++
	}
	if h.top > 0 {
		h.top++
	}
	h.scrollTo()
}

// --- update ----------------------------------------------------------------------------------

// Update handles keys, pages, answers and live payments.
func (h *History) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case StyleMsg:
		h.input.SetStyles(InputStyles(h.c.Theme))
		h.spin.Style = h.c.Theme.Accent
	case spinner.TickMsg:
		if h.loadReq != 0 || h.exportReq != 0 || h.act == histActWorking {
			var cmd tea.Cmd
			h.spin, cmd = h.spin.Update(msg)
			return h, cmd
		}
	case histPageMsg:
		if msg.reqID != h.loadReq {
			return h, nil
		}
		return h, h.pageArrived(msg)
	case histResolvedMsg:
		if msg.reqID != h.actReq {
			return h, nil
		}
		return h, h.resolved(msg)
	case histExportMsg:
		if msg.reqID != h.exportReq {
			return h, nil
		}
		h.exportReq = 0
		if msg.err != nil {
			h.note, h.noteBad = "✗ Export failed: "+Message(msg.err), true
			return h, nil
		}
		h.note, h.noteBad = fmt.Sprintf("✓ Exported %d %s to %s", msg.rows, plural(msg.rows, "row", "rows"), msg.path), false
		return h, nil
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

func (h *History) key(msg tea.KeyPressMsg) tea.Cmd {
	k := h.c.Keys
	hk := k.History
	if h.editing {
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
	switch h.act {
	case histActAsk:
		switch {
		case key.Matches(msg, k.Confirm.Yes):
			return h.resolve()
		case key.Matches(msg, k.Confirm.No):
			h.act = histActNone
		}
		return nil
	case histActWorking:
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
		if len(h.pages) > 0 && h.pages[0].k == 0 && h.newAbove == 0 {
			h.cur, h.top = 0, 0
			return nil
		}
		return h.reload()
	case key.Matches(msg, hk.Bottom):
		return h.move(h.winEnd() - 1 - h.cur)
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
		tx, ok := h.selected()
		if !ok {
			return nil
		}
		kind := "confirm"
		if key.Matches(msg, hk.Cancel) {
			kind = "cancel"
		}
		if tx.Status != api.StatusPending {
			h.note, h.noteBad = "Only a pending transaction can be confirmed or cancelled; this one is "+StatusWord(tx.Status)+".", true
			return nil
		}
		h.act, h.actKind, h.actTx, h.note = histActAsk, kind, tx, ""
		return nil
	case key.Matches(msg, hk.Export):
		if h.exportReq != 0 {
			return nil
		}
		return h.export()
	case key.Matches(msg, hk.Refresh):
		h.note = ""
		return h.reload()
	}
	return nil
}

// --- view ------------------------------------------------------------------------------------

// chrome is the number of lines around the rows: title, filter, header, footer, and the prompt.
func (h *History) chrome() int {
	n := 3 + len(h.noteLines())
	if h.filterErr != "" {
		n++
	}
	if h.act != histActNone {
		n += 5
	}
	return n
}

// visible is how many rows the table shows.
func (h *History) visible() int { return max(h.height-h.chrome(), 1) }

// Who was paid comes before what for: the counterparty column has at least histWhoMin cells
// (an address at a domain like example.com shows whole, or cut keeping its domain), and the
// memo column is drawn only with histMemoMin cells or more (it is whole in the details).
const (
	histWhoMin  = 20
	histMemoMin = 6
)

// columns are the widths of the counterparty and memo columns.
func (h *History) columns() (who, memo int) {
	rest := h.width - 2 - histDateW - histDirW - histAmountW - histStatusW - 10
	who = min(max(rest*55/100, histWhoMin), 34)
	if rest-who < histMemoMin {
		who = min(max(rest, 10), 34)
	}
	memo = max(rest-who, 0)
	return who, memo
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
		lines = append(lines, h.input.View())
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
	if h.act != histActNone {
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
	case !h.loaded || (h.loadReq != 0 && h.loadK == 0 && len(h.pages) == 0):
		out = center(h.spin.View() + " " + t.Muted.Render("Loading your transactions…"))
	case h.Loaded() == 0 && h.newAbove == 0:
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
		out = append(out, h.header())
		for i := h.top; i < h.top+n-1; i++ {
			tx, ok := h.row(i)
			if !ok {
				if i == h.winEnd() && (h.loadReq != 0 || h.hasNext()) {
					out = append(out, "  "+h.spin.View()+" "+t.Muted.Render("loading more…"))
				} else if i == h.winEnd() && h.loadErr != "" {
					out = append(out, t.Error.Render(Trunc("  ✗ "+h.loadErr+" — press r to retry", h.width)))
				}
				break
			}
			out = append(out, h.rowLine(*tx, i == h.cur))
		}
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out[:n]
}

func (h *History) header() string {
	whoW, memoW := h.columns()
	s := "  " + Fit("Date", histDateW) + "  " + Fit("Dir", histDirW) + "  " + Fit("Counterparty", whoW) + "  " +
		FitRight("Amount", histAmountW) + "  " + Fit("Status", histStatusW)
	if memoW > 0 {
		s += "  " + Fit("Memo", memoW)
	}
	return h.c.Theme.TableHeader.Render(s)
}

// rowLine is one transaction: direction by sign and arrow as well as colour.
func (h *History) rowLine(tx api.Transaction, sel bool) string {
	t := h.c.Theme
	whoW, memoW := h.columns()
	marker := "  "
	if sel {
		marker = "▸ "
	}
	date := Fit(Date(tx.CreatedAt.Time), histDateW)
	dir := Fit(Arrow(tx), histDirW)
	who := Fit(CutAddress(OneLine(tx.Counterparty()), whoW), whoW)
	amount, amtStyle := h.c.TxAmount(tx)
	amt := FitRight(amount, histAmountW)
	status := Fit(StatusWord(tx.Status), histStatusW)
	memo := ""
	if memoW > 0 {
		memo = "  " + Fit(Memo(tx), memoW)
	}
	if sel {
		return t.RowSelected.Render(marker + date + "  " + dir + "  " + who + "  " + amt + "  " + status + memo)
	}
	st := t.Muted
	switch tx.Status {
	case api.StatusPending:
		st = t.Warning
	case api.StatusCancelled:
		st = t.Faint
	}
	return marker + t.Muted.Render(date) + "  " + amtStyle.Render(dir) + "  " + t.Text.Render(who) + "  " +
		amtStyle.Render(amt) + "  " + st.Render(status) + t.Muted.Render(memo)
}

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

// prompt is the y/n question (or the spinner) for confirm and cancel: 5 lines.
func (h *History) prompt() string {
	t := h.c.Theme
	k := h.c.Keys
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
	if h.act == histActWorking {
		last = h.spin.View() + " " + t.Muted.Render(strings.TrimSuffix(verb, "e")+"ing…")
	} else {
		last = t.Key.Render(k.Confirm.Yes.Help().Key) + t.Muted.Render(" "+strings.ToLower(verb)+"   ") +
			t.Key.Render(k.Confirm.No.Help().Key) + t.Muted.Render(" keep it as it is")
	}
	inner := h.width - 4
	body := t.Warning.Render(WithAddress(q, who, "?", inner)) + "\n" + t.Faint.Render(Trunc(verb+": "+effect, inner)) + "\n" + last
	return t.PanelDanger.Width(h.width).Render(body)
}

// footer says where the cursor is, what is loading, and the last result.
func (h *History) footer() string {
	t := h.c.Theme
	if h.exportReq != 0 {
		return h.spin.View() + " " + t.Muted.Render("Exporting every matching transaction…")
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
	pos := fmt.Sprintf("row %d", h.cur+1)
	if !h.hasNext() && h.loadReq == 0 {
		pos += fmt.Sprintf(" of %d", h.winEnd()+h.newAbove)
	} else {
		pos += fmt.Sprintf(" of %d+", h.winEnd())
	}
	var parts []string
	if h.newAbove > 0 {
		parts = append(parts, t.Accent.Render(fmt.Sprintf("↑ %d new — %s to go to the top", h.newAbove, h.c.Keys.History.Top.Help().Key)))
	}
	parts = append(parts, t.Muted.Render(pos))
	if h.loadReq != 0 {
		parts = append(parts, h.spin.View()+" "+t.Muted.Render("loading"))
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

// ShortHelp is the history screen's keys for the state it is in.
func (h *History) ShortHelp() []key.Binding {
	k := h.c.Keys
	hk := k.History
	switch {
	case h.editing:
		return []key.Binding{withDesc(k.Form.Submit, "apply filter")} // the root adds esc
	case h.act == histActAsk:
		return []key.Binding{withDesc(k.Confirm.Yes, h.actKind), withDesc(k.Confirm.No, "keep")}
	case h.act == histActWorking:
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
