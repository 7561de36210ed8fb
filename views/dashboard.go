package views

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
)

// SparkDays is how many days the dashboard's sparkline covers.
const SparkDays = 30

// sparkMaxPages bounds how many history pages the sparkline reads (200 transactions each); older
// days show as unknown rather than reading everything.
const sparkMaxPages = 10

const (
	recentCount = 5
	feedCount   = 12
)

// feedItem is one line of the live feed.
type feedItem struct {
	at   time.Time
	kind string
	tx   api.Transaction
}

// Dashboard shows the balance, available and held amounts, a 30-day sparkline, the last five
// transactions and the live feed.
type Dashboard struct {
	c    *Common
	spin spinner.Model
	reqs reqs

	acctReq, recentReq, sparkReq int
	tickID                       int // the "ago" tick chain this dashboard runs
	user                         api.User
	haveUser                     bool
	acctErr                      string

	recent    []api.Transaction
	haveRecnt bool
	recentErr string

	// dayNet[i] is the net of completed transactions on day i (0 = 29 days ago, 29 = today);
	// days before coverFrom are unknown (the history was longer than the pages read).
	dayNet    [SparkDays]money.Micros
	coverFrom int
	sparkDay  time.Time // local midnight of day 0
	haveSpark bool
	applied   map[string]bool // completed transactions already in dayNet

	feed   []feedItem
	notice string

	width, height int
}

// NewDashboard returns the dashboard; Init loads it.
func NewDashboard(c *Common) *Dashboard {
	return &Dashboard{c: c, spin: NewSpinner(c.Theme), applied: map[string]bool{}}
}

// SetNotice shows one line above the panels (e.g. the keyring warning).
func (d *Dashboard) SetNotice(s string) { d.notice = s }

// Init loads the account, the recent transactions and the sparkline.
func (d *Dashboard) Init() tea.Cmd {
	d.tickID = d.reqs.next()
	return tea.Batch(d.reload(false), agoTick(d.tickID))
}

// agoTickMsg redraws the dashboard so that "2m ago" stays true; it needs no call. id names the
// dashboard's one chain of ticks: a tick of another (an earlier session's dashboard) ends there.
type agoTickMsg struct{ id int }

func agoTick(id int) tea.Cmd {
	return tea.Tick(30*time.Second, func(time.Time) tea.Msg { return agoTickMsg{id: id} })
}

// SetSize lays the dashboard out.
func (d *Dashboard) SetSize(w, h int) { d.width, d.height = w, h }

func (d *Dashboard) reload(fresh bool) tea.Cmd {
	return tea.Batch(d.spin.Tick, d.loadAccount(fresh), d.loadRecent(), d.loadSpark())
}

// accountMsg is the answer to loading the account.
type accountMsg struct {
	reqID int
	user  api.User
	err   error
}

func (d *Dashboard) loadAccount(fresh bool) tea.Cmd {
	id := d.reqs.next()
	d.acctReq = id
	c := d.c
	return func() tea.Msg {
		if fresh {
			c.Client.Invalidate()
		}
		ctx, cancel := c.call()
		defer cancel()
		u, err := c.Client.Account(ctx)
		return accountMsg{reqID: id, user: u, err: err}
	}
}

// recentMsg is the answer to loading the last transactions.
type recentMsg struct {
	reqID int
	txs   []api.Transaction
	err   error
}

func (d *Dashboard) loadRecent() tea.Cmd {
	id := d.reqs.next()
	d.recentReq = id
	c := d.c
	return func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		p, err := c.Client.History(ctx, client.HistoryQuery{Limit: recentCount})
		return recentMsg{reqID: id, txs: p.Transactions, err: err}
	}
}

// sparkMsg is the answer to reading the last 30 days.
type sparkMsg struct {
	reqID     int
	day0      time.Time
	dayNet    [SparkDays]money.Micros
	coverFrom int
	ids       []string
	err       error
}

func (d *Dashboard) loadSpark() tea.Cmd {
	id := d.reqs.next()
	d.sparkReq = id
	c := d.c
	now := c.now()
	y, m, dd := now.In(time.Local).Date()
	day0 := time.Date(y, m, dd, 0, 0, 0, 0, time.Local).AddDate(0, 0, -(SparkDays - 1))
	return func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		out := sparkMsg{reqID: id, day0: day0}
		oldest := SparkDays
		q := client.HistoryQuery{Limit: 200, Since: day0, Status: api.StatusCompleted}
		for page := 0; ; page++ {
			if page == sparkMaxPages {
				// Not everything was read: the days before the oldest one read are unknown.
				out.coverFrom = min(oldest+1, SparkDays)
				break
			}
			p, err := c.Client.History(ctx, q)
			if err != nil {
				out.err = err
				return out
			}
			for _, tx := range p.Transactions {
				i := dayIndex(day0, settledAt(tx))
				if i < 0 || i >= SparkDays {
					continue
				}
				out.dayNet[i] += Net(tx)
				out.ids = append(out.ids, tx.ID)
				oldest = min(oldest, i)
			}
			if !p.HasMore || p.NextCursor == "" {
				break
			}
			q.Cursor = p.NextCursor
		}
		return out
	}
}

// Net is what a completed transaction did to the balance: +amount in, -amount out.
func Net(tx api.Transaction) money.Micros {
	if tx.Status != api.StatusCompleted {
		return 0
	}
	if tx.Direction == api.DirectionOut {
		return -tx.Amount
	}
	return tx.Amount
}

// settledAt is when a transaction moved money: its resolution, or its creation.
func settledAt(tx api.Transaction) time.Time {
	if tx.ResolvedAt != nil && !tx.ResolvedAt.IsZero() {
		return tx.ResolvedAt.Time
	}
	return tx.CreatedAt.Time
}

// dayIndex is the day of t counted from day0 (local midnights).
func dayIndex(day0, t time.Time) int {
	t = t.In(time.Local)
	y, m, d := t.Date()
	mid := time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	return int(mid.Sub(day0).Hours()/24 + 0.5)
}

// series is the balance at the end of each of the 30 days, worked backwards from the balance now.
func (d *Dashboard) series() ([]int64, []bool) {
	vals := make([]int64, SparkDays)
	known := make([]bool, SparkDays)
	bal := d.user.Balance
	for i := SparkDays - 1; i >= 0; i-- {
		vals[i] = int64(bal)
		known[i] = i >= d.coverFrom
		bal -= d.dayNet[i]
	}
	return vals, known
}

// Update handles answers, live changes and keys.
func (d *Dashboard) Update(msg tea.Msg) (Screen, tea.Cmd) {
	k := d.c.Keys
	switch msg := msg.(type) {
	case StyleMsg:
		d.spin.Style = d.c.Theme.Accent
	case spinner.TickMsg:
		if d.loading() {
			var cmd tea.Cmd
			d.spin, cmd = d.spin.Update(msg)
			return d, cmd
		}
	case accountMsg:
		if msg.reqID != d.acctReq {
			return d, nil
		}
		d.acctReq = 0
		if msg.err != nil {
			d.acctErr = Message(msg.err)
			return d, nil
		}
		d.user, d.haveUser, d.acctErr = msg.user, true, ""
		if msg.user.Currency != "" {
			d.c.Currency = msg.user.Currency
		}
	case recentMsg:
		if msg.reqID != d.recentReq {
			return d, nil
		}
		d.recentReq = 0
		if msg.err != nil {
			d.recentErr = Message(msg.err)
			return d, nil
		}
		d.recent, d.haveRecnt, d.recentErr = msg.txs, true, ""
	case sparkMsg:
		if msg.reqID != d.sparkReq {
			return d, nil
		}
		d.sparkReq = 0
		if msg.err != nil {
			return d, nil // the panel says it has no data; the rest of the dashboard works
		}
		d.dayNet, d.coverFrom, d.sparkDay, d.haveSpark = msg.dayNet, msg.coverFrom, msg.day0, true
		d.applied = make(map[string]bool, len(msg.ids))
		for _, id := range msg.ids {
			d.applied[id] = true
		}
	case agoTickMsg:
		if msg.id != d.tickID {
			return d, nil
		}
		return d, agoTick(d.tickID)
	case LiveMsg:
		d.live(msg)
	case ReloadMsg:
		return d, d.reload(true)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Dashboard.Pay):
			return d, Switch(PayScreen)
		case key.Matches(msg, k.Dashboard.Refresh):
			return d, d.reload(true)
		}
	}
	return d, nil
}

func (d *Dashboard) loading() bool { return d.acctReq != 0 || d.recentReq != 0 || d.sparkReq != 0 }

// live applies one live change without asking the service again.
func (d *Dashboard) live(msg LiveMsg) {
	if msg.Balance != nil {
		d.user.Balance, d.user.AvailableBalance = msg.Balance.Balance, msg.Balance.AvailableBalance
		return
	}
	if msg.Tx == nil {
		return
	}
	tx := *msg.Tx
	at := msg.At.Time
	if at.IsZero() {
		at = d.c.now()
	}
	d.feed = append([]feedItem{{at: at, kind: msg.Type, tx: tx}}, d.feed...)
	if len(d.feed) > feedCount {
		d.feed = d.feed[:feedCount]
	}
	// The recent list: replace the transaction if shown (its status changed), else add it.
	i := slices.IndexFunc(d.recent, func(t api.Transaction) bool { return t.ID == tx.ID })
	if i >= 0 {
		d.recent[i] = tx
	} else {
		d.recent = append([]api.Transaction{tx}, d.recent...)
		slices.SortStableFunc(d.recent, func(a, b api.Transaction) int { return b.CreatedAt.Compare(a.CreatedAt.Time) })
		if len(d.recent) > recentCount {
			d.recent = d.recent[:recentCount]
		}
	}
	if d.haveSpark && tx.Status == api.StatusCompleted && !d.applied[tx.ID] {
		if i := dayIndex(d.sparkDay, settledAt(tx)); i >= 0 && i < SparkDays {
			d.dayNet[i] += Net(tx)
			d.applied[tx.ID] = true
		}
	}
}

// View renders the four panels.
func (d *Dashboard) View() string {
	t := d.c.Theme
	w := d.width
	leftW := w * 58 / 100
	rightW := w - leftW - 1
	var top []string
	if d.notice != "" {
		top = append(top, t.Warning.Render(Trunc(d.notice, w)))
	}
	topH := 9
	bal := d.balancePanel(leftW, topH)
	spark := d.sparkPanel(rightW, topH)
	row1 := lipgloss.JoinHorizontal(lipgloss.Top, bal, " ", spark)
	restH := d.height - topH - len(top)
	if restH < 5 {
		restH = 5
	}
	row2 := lipgloss.JoinHorizontal(lipgloss.Top, d.recentPanel(leftW, restH), " ", d.feedPanel(rightW, restH))
	return strings.Join(append(top, row1, row2), "\n")
}

// panel draws a bordered box exactly w by h cells with a title and lines inside, cut to fit.
func panel(c *Common, title, right string, lines []string, w, h int) string {
	t := c.Theme
	inner := max(w-4, 1)
	rows := max(h-2, 1)
	head := t.Title.Render(Trunc(title, inner))
	if right != "" {
		gap := inner - Width(title) - Width(right)
		if gap >= 1 {
			head += strings.Repeat(" ", gap) + right
		}
	}
	body := []string{head}
	for _, l := range lines {
		if len(body) == rows {
			break
		}
		body = append(body, Trunc(l, inner))
	}
	for len(body) < rows {
		body = append(body, "")
	}
	return t.Panel.Width(w).Render(strings.Join(body, "\n"))
}

func (d *Dashboard) balancePanel(w, h int) string {
	t := d.c.Theme
	var lines []string
	switch {
	case d.acctErr != "" && !d.haveUser:
		lines = append(lines, "", t.Error.Render("✗ "+d.acctErr), t.Faint.Render("r to try again"))
	case !d.haveUser:
		lines = append(lines, "", d.spin.View()+" "+t.Muted.Render("Loading your balance…"))
	default:
		amount := d.user.Balance.Grouped()
		if d.c.Privacy {
			amount = "•••••"
		}
		big := BigText(amount)
		if Width(strings.Split(big, "\n")[0]) > w-4 {
			big = "\n" + amount + "\n"
		}
		lines = append(lines, "")
		for _, l := range strings.Split(big, "\n") {
			lines = append(lines, t.BalanceBig.Render(l))
		}
		held := d.user.Balance - d.user.AvailableBalance
		lines = append(lines, "",
			t.Muted.Render("Available ")+t.Text.Render(d.c.Amount(d.user.AvailableBalance))+
				t.Faint.Render("  ·  ")+t.Muted.Render("Held ")+t.Warning.Render(d.c.Amount(held))+
				t.Faint.Render(" in pending"))
		if d.acctErr != "" {
			lines[len(lines)-1] += t.Error.Render("  ✗ not refreshed")
		}
	}
	cur := d.c.Currency
	return panel(d.c, "Balance", t.Muted.Render(cur), lines, w, h)
}

func (d *Dashboard) sparkPanel(w, h int) string {
	t := d.c.Theme
	inner := w - 4
	var lines []string
	switch {
	case !d.haveSpark || !d.haveUser:
		lines = append(lines, "", d.spin.View()+" "+t.Muted.Render("Reading the last 30 days…"))
	default:
		vals, known := d.series()
		// As many days as fit, the most recent ones, two cells a day when there is room.
		days := min(SparkDays, inner)
		per := max(1, min(2, inner/days))
		first := SparkDays - days
		top, bottom := Sparkline(vals[first:], known[first:], per)
		lines = append(lines, "", t.Spark.Render(top), t.Spark.Render(bottom))
		if d.c.Privacy {
			// The line's shape would tell the balance's story: a neutral placeholder instead.
			lines[1], lines[2] = t.Muted.Render(lipgloss.PlaceHorizontal(per*days, lipgloss.Center, "hidden")), t.Faint.Render(strings.Repeat("┄", per*days))
		}
		lo, hi := money.Micros(vals[SparkDays-1]), money.Micros(vals[SparkDays-1])
		for i := first; i < SparkDays; i++ {
			if known[i] {
				lo, hi = min(lo, money.Micros(vals[i])), max(hi, money.Micros(vals[i]))
			}
		}
		from := d.sparkDay.AddDate(0, 0, first).Format("Jan 2")
		lines = append(lines,
			t.Faint.Render(Fit(from, per*days-5)+"today"),
			"",
			t.Muted.Render("low ")+t.Text.Render(d.c.Amount(lo))+t.Faint.Render("  ·  ")+
				t.Muted.Render("high ")+t.Text.Render(d.c.Amount(hi)))
		if d.coverFrom > 0 {
			lines = append(lines, t.Faint.Render("· older days not loaded"))
		}
	}
	return panel(d.c, "Last 30 days", "", lines, w, h)
}

// txLine is one transaction on one line: when, direction, counterparty, amount.
func txLine(c *Common, tx api.Transaction, w int, now time.Time) string {
	t := c.Theme
	amount, amtStyle := c.TxAmount(tx)
	when := Fit(Ago(tx.CreatedAt.Time, now), 8)
	dir := Fit(Arrow(tx), 6)
	amtW := 12
	if w < 50 {
		amtW = 10
	}
	amt := FitRight(amount, amtW)
	whoW := max(w-8-6-amtW-1, 4)
	who := Fit(CutAddress(tx.Counterparty(), whoW), whoW)
	if tx.Status != api.StatusCompleted {
		status := StatusWord(tx.Status)
		who = Fit(CutAddress(tx.Counterparty(), whoW-Width(status)-1)+" "+status, whoW)
	}
	st := t.Text
	if tx.Status == api.StatusPending {
		st = t.Warning
	} else if tx.Status == api.StatusCancelled {
		st = t.Faint
	}
	return t.Muted.Render(when) + amtStyle.Render(dir) + st.Render(who) + " " + amtStyle.Render(amt)
}

func (d *Dashboard) recentPanel(w, h int) string {
	t := d.c.Theme
	inner := w - 4
	var lines []string
	switch {
	case d.recentErr != "" && !d.haveRecnt:
		lines = append(lines, t.Error.Render("✗ "+d.recentErr))
	case !d.haveRecnt:
		lines = append(lines, d.spin.View()+" "+t.Muted.Render("Loading…"))
	case len(d.recent) == 0:
		lines = append(lines, t.Muted.Render("No transactions yet."), "",
			t.Faint.Render("Press ")+t.Key.Render(d.c.Keys.Dashboard.Pay.Help().Key)+t.Faint.Render(" to pay someone."))
	default:
		now := d.c.now()
		for _, tx := range d.recent {
			lines = append(lines, txLine(d.c, tx, inner, now))
		}
	}
	return panel(d.c, "Recent transactions", "", lines, w, h)
}

func (d *Dashboard) feedPanel(w, h int) string {
	t := d.c.Theme
	inner := w - 4
	var lines []string
	if len(d.feed) == 0 {
		lines = append(lines, strings.Split(t.Muted.Width(inner).Render("Payments to and from you appear here as they happen."), "\n")...)
	}
	for _, f := range d.feed {
		lines = append(lines, feedLines(d.c, f, inner)...)
	}
	return panel(d.c, "Live", "", lines, w, h)
}

// feedLines is one live event: its time, what happened, the amount as History shows it, and the
// other party. An address that does not fit whole beside the rest goes on a line of its own
// under it (cut, keeping its domain, only when even that line is too short).
func feedLines(c *Common, f feedItem, w int) []string {
	t := c.Theme
	tx := f.tx
	when := t.Faint.Render(f.at.In(time.Local).Format("15:04:05") + " ")
	amount, style := c.TxAmount(tx)
	to, who := Other(tx)
	var text string
	switch f.kind {
	case api.EventPaymentReceived, api.EventPaymentSent:
		text = amount + to
	case api.EventTransactionPending:
		text, style = "pending "+amount+to, t.Warning
	case api.EventTransactionCompleted:
		text = "completed " + amount + to
	case api.EventTransactionCancelled:
		text = "cancelled " + amount + to
	default:
		text, who, style = f.kind, "", t.Text
	}
	if Width(text)+Width(who) <= w-9 || who == "" {
		return []string{when + style.Render(Trunc(text+who, w-9))}
	}
	return []string{when + style.Render(Trunc(strings.TrimRight(text, " "), w-9)),
		strings.Repeat(" ", 9) + style.Render(CutAddress(who, w-9))}
}

// ShortHelp is the dashboard's keys.
func (d *Dashboard) ShortHelp() []key.Binding {
	k := d.c.Keys
	return []key.Binding{k.Dashboard.Pay, k.Dashboard.Refresh, k.Global.Privacy}
}

// FullHelp is every key of the dashboard.
func (d *Dashboard) FullHelp() [][]key.Binding {
	k := d.c.Keys
	return [][]key.Binding{{k.Dashboard.Pay, k.Dashboard.Refresh}}
}
