package views

import (
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/components"
)

// Large is the size from which the dashboard uses the room it has: more recent rows, and a chart
// wide enough for two cells a day.
const (
	LargeWidth  = 118 // the content area of a 120-column terminal
	LargeHeight = 37  // of a 40-line one
)

// dashNarrow is the width below which the dashboard drops its live feed column.
const dashNarrow = 74

func (d *Dashboard) large() bool { return d.width >= LargeWidth && d.height >= LargeHeight }

// recentRows is how many recent transactions are shown: five, or as many as fit when large.
func (d *Dashboard) recentRows() int {
	if !d.large() {
		return recentCount
	}
	return min(recentMax, max(d.height-9-3, recentCount))
}

// View renders the four panels.
func (d *Dashboard) View() string {
	t := d.c.Theme
	w := d.width
	leftW := w * 58 / 100
	if d.large() {
		leftW = max(w-SparkDays*2-5, w*40/100) // the chart gets two cells a day
	}
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
	if w < dashNarrow {
		// Narrow: the live feed goes (its payments are in the recent list and the toasts).
		return strings.Join(append(top, row1, d.recentPanel(w, restH)), "\n")
	}
	row2 := lipgloss.JoinHorizontal(lipgloss.Top, d.recentPanel(leftW, restH), " ", d.feedPanel(rightW, restH))
	return strings.Join(append(top, row1, row2), "\n")
}

// panel draws a bordered box exactly w by h cells with a title and lines inside, cut to fit.
func panel(c *Common, title, right string, lines []string, w, h int) string {
	return components.Box(c.Theme.Panel, c.Theme.Title, title, right, lines, w, h)
}

func (d *Dashboard) balancePanel(w, h int) string {
	t := d.c.Theme
	acct := &d.c.Account
	var lines []string
	switch {
	case acct.Err != "" && !acct.Have:
		lines = append(lines, "", t.Error.Render("✗ "+acct.Err), t.Faint.Render("r to try again"))
	case !acct.Have:
		lines = append(lines, "", d.spin.Line(t.Muted, "Loading your balance…"))
	default:
		amount := acct.User.Balance.Grouped()
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
		held := acct.User.Balance - acct.User.AvailableBalance
		lines = append(lines, "",
			t.Muted.Render("Available ")+t.Text.Render(d.c.Amount(acct.User.AvailableBalance))+
				t.Faint.Render("  ·  ")+t.Muted.Render("Held ")+t.Warning.Render(d.c.Amount(held))+
				t.Faint.Render(" in pending"))
		if acct.Err != "" {
			lines[len(lines)-1] += t.Error.Render("  ✗ not refreshed")
		}
	}
	right := t.Muted.Render(d.c.Currency)
	if acct.Stale && acct.Have {
		// The live feed is down: this is the balance as last known; r asks again and reconnects.
		right = t.Warning.Render("stale · "+d.c.Keys.Dashboard.Refresh.Help().Key+" reconnects") + "  " + right
	}
	return panel(d.c, "Balance", right, lines, w, h)
}

func (d *Dashboard) sparkPanel(w, h int) string {
	t := d.c.Theme
	inner := w - 4
	var lines []string
	switch {
	case !d.haveSpark || !d.c.Account.Have:
		lines = append(lines, "", d.spin.Line(t.Muted, "Reading the last 30 days…"))
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
			lines = append(lines, t.Warning.Render("· partial: older days not read"))
		}
	}
	right := ""
	if d.haveSpark && d.coverFrom > 0 {
		// Said in the title too, where no height cuts it: the line is not the whole story.
		right = t.Warning.Render("partial")
	}
	return panel(d.c, "Last 30 days", right, lines, w, h)
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
		lines = append(lines, d.spin.Line(t.Muted, "Loading…"))
	case len(d.recent) == 0:
		lines = append(lines, t.Muted.Render("No transactions yet."), "",
			t.Faint.Render("Press ")+t.Key.Render(d.c.Keys.Dashboard.Pay.Help().Key)+t.Faint.Render(" to pay someone."))
	default:
		now := d.c.now()
		for _, tx := range d.recent[:min(len(d.recent), d.recentRows())] {
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
