package views

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// A cancelled outgoing transaction moved no money: History (its table and its details), the
// dashboard's recent list and its live feed all show it muted and without a sign ("7.25", never
// a red "-7.25"). The toast is checked in package ui.
func TestCancelledOutgoingIsMutedEverywhere(t *testing.T) {
	fc := newFake()
	seedHistory(fc)
	tx := fc.AddTx("me@example.com", "ada@example.com", 7_250_000, api.StatusCancelled, "changed my mind",
		viewstest.Epoch.Add(-60*time.Hour)) // the fourth row: not the selected one at first
	th := newCommon(t, fc).Theme
	faint := func(s string) string { return th.Faint.Render(s) }
	sgr := func(st interface{ Render(...string) string }) string {
		r := st.Render("x")
		return r[:strings.Index(r, "x")]
	}
	noMinus := func(where, v string) {
		t.Helper()
		if p := ansi.Strip(v); strings.Contains(p, "-7.25") || !strings.Contains(p, "7.25") {
			t.Errorf("%s shows the cancelled 7.25 with a minus, or not at all:\n%s", where, p)
		}
	}

	h, _ := newHistory(t, fc)
	v := h.View()
	noMinus("History", v)
	if !strings.Contains(v, faint(FitRight("7.25", histAmountW))) {
		t.Errorf("History's row does not show the amount muted:\n%q", v)
	}
	s, _ := press(h, "j", "j", "j", "enter")
	v = s.View()
	noMinus("History details", v)
	if !strings.Contains(v, faint("7.25 USD  → out")) {
		t.Errorf("History details do not show the amount muted:\n%q", v)
	}

	d := NewDashboard(newCommon(t, fc))
	d.SetSize(98, 26)
	ds, _ := settle(d, d.Init())
	cancelled := tx
	cancelled.Direction = api.DirectionOut
	rb := api.PartyRecipient
	cancelled.ResolvedBy = &rb
	ds, _ = ds.Update(LiveMsg{Type: api.EventTransactionCancelled, Tx: &cancelled, At: api.At(viewstest.Epoch)})
	v = ds.View()
	noMinus("the dashboard", v)
	if !strings.Contains(v, faint(FitRight("7.25", 12))) {
		t.Errorf("the recent list does not show the amount muted:\n%q", v)
	}
	if !strings.Contains(v, sgr(th.Faint)+"cancelled 7.25 to") {
		t.Errorf("the live line does not show the cancellation muted:\n%q", v)
	}
}
