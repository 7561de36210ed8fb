package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/cli"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/money/moneytest"
	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// Every amount of the shared table gets one verdict wherever a person types it: pay --amount and
// the wallet's Pay screen (and its confirmation retype) read the same amount or refuse with the
// same sentence; history --min-amount and History's >= filter too (zero is a fine bound there).
func TestTypedAmountsOneVerdictEverywhere(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "100"}, acct{"grace@example.com", ""})
	for _, c := range moneytest.Cases {
		// pay --amount, on a terminal answering n: the question shows the amount read, and
		// nothing is paid.
		r := e.do(call{args: []string{"pay", "--to", "grace@example.com", "--amount=" + c.In}, terminal: true, stdin: "n\n"})
		if c.OK() {
			if want := "Pay " + c.Want.Grouped() + " USD to grace@example.com"; !strings.Contains(r.stderr, want) {
				t.Errorf("pay --amount %q: want the question %q, got exit %d %q", c.In, want, r.code, r.stderr)
			}
		} else if c.In != "" && !strings.Contains(r.stderr, "--amount: "+c.Says) || r.code != cli.ExitUsage {
			t.Errorf("pay --amount %q: want exit %d and %q, got exit %d %q", c.In, cli.ExitUsage, c.Says, r.code, r.stderr)
		}

		paid, says := payScreen(t, c.In, c.In)
		switch {
		case c.OK() && paid != c.Want:
			t.Errorf("Pay screen %q: paid %s, want %s (%s)", c.In, paid, c.Want, says)
		case !c.OK() && (paid != 0 || !strings.Contains(says, "✗ "+c.Says)):
			t.Errorf("Pay screen %q: paid %s; want the refusal %q in:\n%s", c.In, paid, c.Says, says)
		}

		// The bounds: zero is accepted, everything else as above.
		ok, want := c.OK(), c.Want
		if c.Err == money.ErrNotPositive {
			ok, want = true, 0
		}
		r = e.do(call{args: []string{"history", "--min-amount=" + c.In}})
		if c.In == "" {
			// An empty flag is no bound at all.
		} else if ok != (r.code == 0) || !ok && !strings.Contains(r.stderr, "--min-amount: "+c.Says) {
			t.Errorf("history --min-amount %q: exit %d %q; want ok=%v or %q", c.In, r.code, r.stderr, ok, c.Says)
		}
		if strings.ContainsFunc(c.In, func(r rune) bool { return r == ' ' || r == '\u00a0' }) {
			continue // a space ends a filter word: "1 000" is >=1 and the text 000
		}
		q, err := views.ParseFilter(">="+c.In, time.UTC)
		switch {
		case ok && (err != nil || q.MinAmount != max(want, 1)):
			t.Errorf("filter >=%q: %v, min %s; want %s", c.In, err, q.MinAmount, want)
		case !ok && (err == nil || !strings.HasSuffix(err.Error(), strings.ToLower(c.Says[:1])+c.Says[1:])):
			t.Errorf("filter >=%q: %v; want %q", c.In, err, c.Says)
		}
	}
}

// The confirmation retype above the threshold reads with the same parser: 1,250 confirms 1250,
// and 12,50 (which the old parser read as 1250) does not.
func TestPayConfirmationReadsTheSameWay(t *testing.T) {
	for _, c := range []struct {
		form, again string
		paid        money.Micros
	}{
		{"1250", "1,250", 1250 * money.Scale},
		{"1,250.00", "1250", 1250 * money.Scale},
		{"1250", "12,50", 0},
		{"1250", "1250,00", 0},
		{"1250", "1.250", 0},
	} {
		if paid, says := payScreen(t, c.form, c.again); paid != c.paid {
			t.Errorf("%q then %q: paid %s, want %s:\n%s", c.form, c.again, paid, c.paid, says)
		}
	}
}

// payScreen pays grace@example.com from the wallet's Pay screen: amount pasted into the form,
// then (every amount needs it here) again typed into the review's confirmation, then y. It returns
// what was paid and the screen as the person saw it last, borders and line breaks taken out.
func payScreen(t *testing.T, amount, again string) (money.Micros, string) {
	t.Helper()
	fc := viewstest.New(map[string]money.Micros{"me@example.com": money.MaxAmount, "grace@example.com": 0})
	fc.SignIn("me@example.com")
	km := views.DefaultKeyMap()
	p := views.NewPay(&views.Common{Ctx: context.Background(), Client: fc, Theme: theme.New(theme.Default, true),
		Keys: &km, Currency: "USD", PayThreshold: 1, Now: fc.Now, Email: "me@example.com"})
	p.SetSize(98, 26)
	var s views.Screen = p
	step := func(msg tea.Msg) {
		var cmd tea.Cmd
		s, cmd = s.Update(msg)
		for queue := []tea.Cmd{cmd}; len(queue) > 0; queue = queue[1:] {
			for _, m := range viewstest.Exec(queue[0], 2*time.Second) {
				var next tea.Cmd
				s, next = s.Update(m)
				queue = append(queue, next)
			}
		}
	}
	step(nil)
	for _, m := range viewstest.Exec(tea.Batch(p.Init(), p.Activate(views.SwitchMsg{To: views.PayScreen})), 2*time.Second) {
		step(m)
	}
	step(tea.PasteMsg{Content: "grace@example.com"})
	step(viewstest.Key("tab"))
	step(tea.PasteMsg{Content: amount})
	step(viewstest.Key("enter"))
	shown := func() string {
		return strings.Join(strings.Fields(strings.ReplaceAll(ansi.Strip(s.View()), "│", " ")), " ")
	}
	if !strings.Contains(shown(), "Review payment") {
		return 0, shown()
	}
	for _, r := range again {
		step(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	step(viewstest.Key("y"))
	page, err := fc.History(context.Background(), client.HistoryQuery{Limit: 1})
	if err != nil || len(page.Transactions) == 0 {
		return 0, shown()
	}
	return page.Transactions[0].Amount, shown()
}
