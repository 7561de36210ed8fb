package views

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func seedHistory(fc *viewstest.Client) { viewstest.Seed(fc) }

func newDashboardScreen(t *testing.T) (*Dashboard, *viewstest.Client) {
	fc := newFake()
	seedHistory(fc)
	fc.SignIn("me@example.com")
	d := NewDashboard(newCommon(t, fc))
	d.SetSize(98, 26)
	return d, fc
}

func TestDashboardLoads(t *testing.T) {
	d, _ := newDashboardScreen(t)
	s, _ := settle(d, d.Init())
	v := plain(s)
	for _, want := range []string{"Balance", "Available 224.25", "Held 7.00", "Recent transactions",
		"grace@example.com", "Last 30 days", "Live"} {
		if !strings.Contains(v, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, v)
		}
	}
	if n := strings.Count(v, " ago "); n != 5 {
		t.Errorf("want five recent transactions, see %d addresses:\n%s", n, v)
	}
	dd := s.(*Dashboard)
	vals, known := dd.series()
	if vals[SparkDays-1] != int64(231_250_000) || !known[0] {
		t.Errorf("sparkline ends at %d (known from day 0: %v), want the balance 231.25", vals[SparkDays-1], known[0])
	}
	// 30 days ago the balance was 250 (the fake's start), before the first payment.
	if vals[0] != int64(250*money.Scale) {
		t.Errorf("sparkline starts at %d, want 250", vals[0])
	}
}

func TestDashboardLiveUpdatesWithoutRefetch(t *testing.T) {
	d, fc := newDashboardScreen(t)
	s, _ := settle(d, d.Init())
	before := fc.CountCalls("Account") + fc.CountCalls("History")
	tx := api.Transaction{ID: "live1", SenderEmail: "ada@example.com", RecipientEmail: "me@example.com",
		Amount: 3 * money.Scale, Status: api.StatusCompleted, Direction: api.DirectionIn, CreatedAt: api.At(viewstest.Epoch)}
	s, _ = deliver(s, LiveMsg{Type: api.EventPaymentReceived, Tx: &tx, At: api.At(viewstest.Epoch)})
	// The root applies a balance change to the shared account, then tells the screens.
	b := api.Balance{Balance: 234_250_000, AvailableBalance: 227_250_000}
	d.c.Account.Apply(b, viewstest.Epoch)
	s, _ = deliver(s, LiveMsg{Type: api.EventBalanceUpdated, Balance: &b})
	if after := fc.CountCalls("Account") + fc.CountCalls("History"); after != before {
		t.Fatalf("a live event made %d calls", after-before)
	}
	v := plain(s)
	if !strings.Contains(v, "Available 227.25") || !strings.Contains(v, "+3.00 from ada@example.com") {
		t.Fatalf("live payment not shown:\n%s", v)
	}
	vals, _ := s.(*Dashboard).series()
	if vals[SparkDays-2] != vals[SparkDays-1]-int64(3*money.Scale)-int64(3_750_000) {
		t.Fatalf("yesterday moved with today's payment: %v", vals[SparkDays-3:])
	}
}

func TestDashboardPrivacyHidesAmounts(t *testing.T) {
	d, _ := newDashboardScreen(t)
	s, _ := settle(d, d.Init())
	d.c.Privacy = true
	v := plain(s)
	for _, amount := range []string{"224.25", "7.00", "2.00", "1.75"} {
		if strings.Contains(v, amount) {
			t.Errorf("privacy mode shows %s:\n%s", amount, v)
		}
	}
	if !strings.Contains(v, Hidden) {
		t.Errorf("privacy mode shows no mask:\n%s", v)
	}
}

func TestDashboardKeys(t *testing.T) {
	d, fc := newDashboardScreen(t)
	s, _ := settle(d, d.Init())
	_, out := press(s, "p")
	if sw, ok := hasMsg[SwitchMsg](out); !ok || sw.To != PayScreen {
		t.Fatalf("p did not open Pay: %#v", out)
	}
	// r reloads what the dashboard reads itself, and asks the root for the shared account.
	before := fc.CountCalls("History")
	_, out = press(s, "r")
	if _, ok := hasMsg[RefreshAccountMsg](out); !ok || fc.CountCalls("History") <= before {
		t.Fatal("r did not refresh")
	}
}

func TestDashboardFitsWidths(t *testing.T) {
	d, _ := newDashboardScreen(t)
	s, _ := settle(d, d.Init())
	for _, w := range []int{78, 98, 140} {
		s.SetSize(w, 21)
		for i, line := range strings.Split(s.View(), "\n") {
			if got := Width(line); got > w {
				t.Errorf("width %d: line %d is %d wide", w, i, got)
			}
		}
	}
}

// Signing out and in again makes new screens while the old ones' loads may still be on their way.
// The new dashboard must not take the old one's answers (another session's balance and
// transactions), though they are the same kind of message: request ids are unique across
// screens, not counted from 1 by each.
func TestDashboardDropsAnswersOfAnEarlierDashboard(t *testing.T) {
	fcA := newFake()
	seedHistory(fcA)
	fcA.SignIn("me@example.com")
	old := NewDashboard(newCommon(t, fcA))
	old.SetSize(98, 26)
	oldAnswers := exec(old.reload())

	fcB := viewstest.New(map[string]money.Micros{"other@example.com": 3 * money.Scale, "ada@example.com": 0})
	fcB.SignIn("other@example.com")
	d := NewDashboard(newCommon(t, fcB))
	d.SetSize(98, 26)
	_ = d.reload() // the new session's loads are on their way
	for _, m := range oldAnswers {
		d.Update(m)
	}
	if d.haveRecnt || d.haveSpark {
		t.Fatalf("the new dashboard took the earlier dashboard's answers (%d recent transactions)", len(d.recent))
	}
}

// The "2m ago" tick is one chain per dashboard: a tick from an earlier dashboard's chain (still
// pending when the session was replaced) is not renewed, so chains do not pile up.
func TestDashboardAgoTickDoesNotRenewAnEarlierChain(t *testing.T) {
	d, _ := newDashboardScreen(t)
	d.Init()
	stale := agoTickMsg{id: d.tickID - 1}
	if _, cmd := d.Update(stale); cmd != nil {
		t.Fatal("a tick of another chain was renewed")
	}
	if _, cmd := d.Update(agoTickMsg{id: d.tickID}); cmd == nil {
		t.Fatal("the dashboard's own tick was not renewed")
	}
}

// In privacy mode the sparkline is hidden too: its shape would tell the balance's story.
func TestDashboardPrivacyHidesSparkline(t *testing.T) {
	d, _ := newDashboardScreen(t)
	s, _ := settle(d, d.Init())
	dd := s.(*Dashboard)
	dd.c.Privacy = true
	p := ansi.Strip(dd.sparkPanel(40, 9))
	if strings.ContainsAny(p, "▁▂▃▄▅▆▇█") || !strings.Contains(p, "hidden") {
		t.Fatalf("privacy mode shows the sparkline:\n%s", p)
	}
	dd.c.Privacy = false
	if p := ansi.Strip(dd.sparkPanel(40, 9)); !strings.ContainsAny(p, "▁▂▃▄▅▆▇█") {
		t.Fatalf("no sparkline:\n%s", p)
	}
}

// Past 2,000 transactions in 30 days an older service's history is read only in part: the chart
// says so (in its title, where no height cuts it). The service's own series is whole however
// many there are, and the chart draws every day of it.
func TestDashboardChartSaysWhenPartial(t *testing.T) {
	fc := newFake()
	fc.AddAccount("rich@example.com", 10_000*money.Scale)
	for i := range 2100 {
		fc.AddTx("rich@example.com", "me@example.com", money.Scale, api.StatusCompleted, "",
			viewstest.Epoch.Add(-time.Duration(i)*10*time.Minute))
	}
	fc.SignIn("me@example.com")
	for _, old := range []bool{true, false} {
		fc.NoChart = old
		d := NewDashboard(newCommon(t, fc))
		d.SetSize(98, 26)
		s, _ := settle(d, d.Init())
		v := plain(s)
		if partial := strings.Contains(v, "partial"); partial != old {
			t.Errorf("older service %v: says partial %v:\n%s", old, partial, v)
		}
		vals, known := s.(*Dashboard).series()
		if !old && (!known[0] || vals[0] != int64(250*money.Scale)) {
			t.Errorf("the service's series does not start at 250 on day 0: %d (known %v)", vals[0], known[0])
		}
	}
}
