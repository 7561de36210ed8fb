package views

import (
	"context"
	"errors"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/components"
)

// SparkDays is how many days the dashboard's sparkline covers.
const SparkDays = 30

// sparkMaxPages bounds how many history pages the sparkline reads (200 transactions each); older
// days show as unknown rather than reading everything.
const sparkMaxPages = 10

const (
	recentCount = 5
	recentMax   = 20 // read, for a large terminal
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
	spin components.Spinner
	req  *Requests

	recentReq, sparkReq int
	tickID              int // the "ago" tick chain this dashboard runs

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
	return &Dashboard{c: c, spin: components.NewSpinner(c.Theme), req: NewRequests(DashboardScreen), applied: map[string]bool{}}
}

// SetNotice shows one line above the panels (e.g. the keyring warning).
func (d *Dashboard) SetNotice(s string) { d.notice = s }

// Init loads the account, the recent transactions and the sparkline.
func (d *Dashboard) Init() tea.Cmd {
	d.tickID = d.req.next()
	return tea.Batch(d.reload(), agoTick(d.tickID))
}

// agoTickMsg redraws the dashboard so that "2m ago" stays true; it needs no call. id names the
// dashboard's one chain of ticks: a tick of another (an earlier session's dashboard) ends there.
type agoTickMsg struct{ id int }

func agoTick(id int) tea.Cmd {
	return tea.Tick(30*time.Second, func(time.Time) tea.Msg { return agoTickMsg{id: id} })
}

// SetSize lays the dashboard out.
func (d *Dashboard) SetSize(w, h int) { d.width, d.height = w, h }

// reload reads the recent transactions and the last 30 days; the account is the root's.
func (d *Dashboard) reload() tea.Cmd {
	return tea.Batch(d.spin.Tick(), d.loadRecent(), d.loadSpark())
}

func (d *Dashboard) loadRecent() tea.Cmd {
	cl := d.c.Client
	return Ask(d.c, d.req, &d.recentReq, func(ctx context.Context) ([]api.Transaction, error) {
		p, err := cl.History(ctx, client.HistoryQuery{Limit: recentMax})
		return p.Transactions, err
	})
}

// spark is the last 30 days, as read.
type spark struct {
	day0      time.Time
	dayNet    [SparkDays]money.Micros
	coverFrom int
	ids       []string
	err       error
}

func (d *Dashboard) loadSpark() tea.Cmd {
	cl := d.c.Client
	now := d.c.now()
	y, m, dd := now.In(time.Local).Date()
	day0 := time.Date(y, m, dd, 0, 0, 0, 0, time.Local).AddDate(0, 0, -(SparkDays - 1))
	return Ask(d.c, d.req, &d.sparkReq, func(ctx context.Context) (spark, error) {
		days, err := cl.BalanceHistory(ctx, SparkDays, time.Local)
		if errors.Is(err, client.ErrNoBalanceHistory) {
			return readSpark(ctx, cl, day0) // an older service: read the history, maybe in part
		}
		out := spark{day0: day0}
		for i, day := range days {
			if i < SparkDays {
				out.dayNet[i] = day.Net
			}
		}
		return out, err
	})
}

// readSpark works the 30 days out from the history itself, reading at most sparkMaxPages pages:
// with more transactions than that, the days before the oldest one read are unknown (coverFrom),
// and the chart says it is partial.
func readSpark(ctx context.Context, cl HistoryClient, day0 time.Time) (spark, error) {
	out := spark{day0: day0}
	oldest := SparkDays
	q := client.HistoryQuery{Limit: 200, Since: day0, Status: api.StatusCompleted}
	for page := 0; ; page++ {
		if page == sparkMaxPages {
			out.coverFrom = min(oldest+1, SparkDays)
			break
		}
		p, err := cl.History(ctx, q)
		if err != nil {
			return out, err
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
	return out, nil
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
	bal := d.c.Account.User.Balance
	for i := SparkDays - 1; i >= 0; i-- {
		vals[i] = int64(bal)
		known[i] = i >= d.coverFrom
		bal -= d.dayNet[i]
	}
	return vals, known
}

// Update handles answers, live changes and keys.
func (d *Dashboard) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := d.spin.Update(msg, d.loading()); ok {
		return d, cmd
	}
	k := d.c.Keys
	switch msg := msg.(type) {
	case StyleMsg:
		d.spin.Restyle(d.c.Theme)
	case Answer[[]api.Transaction]:
		if !msg.For(d.req, &d.recentReq) {
			return d, nil
		}
		if msg.Err != nil {
			d.recentErr = Message(msg.Err)
			return d, nil
		}
		d.recent, d.haveRecnt, d.recentErr = msg.Val, true, ""
	case Answer[spark]:
		if !msg.For(d.req, &d.sparkReq) || msg.Err != nil {
			return d, nil // an error: the panel says it has no data; the rest of the dashboard works
		}
		sp := msg.Val
		d.dayNet, d.coverFrom, d.sparkDay, d.haveSpark = sp.dayNet, sp.coverFrom, sp.day0, true
		d.applied = make(map[string]bool, len(sp.ids))
		for _, id := range sp.ids {
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
		return d, d.reload()
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Dashboard.Pay):
			return d, Switch(PayScreen)
		case key.Matches(msg, k.Dashboard.Refresh):
			return d, tea.Batch(RefreshAccount, d.reload())
		}
	}
	return d, nil
}

func (d *Dashboard) loading() bool {
	a := d.c.Account
	return (!a.Have && a.Err == "") || d.recentReq != 0 || d.sparkReq != 0
}

// live applies one live change without asking the service again.
func (d *Dashboard) live(msg LiveMsg) {
	if msg.Tx == nil { // a balance change is the root's (Common.Account)
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
		if len(d.recent) > recentMax {
			d.recent = d.recent[:recentMax]
		}
	}
	if d.haveSpark && tx.Status == api.StatusCompleted && !d.applied[tx.ID] {
		if i := dayIndex(d.sparkDay, settledAt(tx)); i >= 0 && i < SparkDays {
			d.dayNet[i] += Net(tx)
			d.applied[tx.ID] = true
		}
	}
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
