package views

import (
	"testing"

	"github.com/syftbox/syftwallet/views/components"
)

// Every screen's spinner turns while the screen waits for an answer, and only then: a tick asks
// for the next one while busy and for nothing when idle (each screen hands the tick to its
// components.Spinner before anything else sees it).
func TestEveryScreenSpinsOnlyWhileBusy(t *testing.T) {
	login, _ := newLoginScreen(t)
	mfa, _ := newMFAScreen(t)
	dash, _ := newDashboardScreen(t)
	s, _ := newPayScreen(t)
	pay := s.(*Pay)
	hist, _ := newHistory(t, newFake())
	tokens, _ := tokensScreen(t, newFake(), 98, 26)
	sec := newSecurity(t, newFake())
	pending := func(p *int) func(bool) {
		return func(on bool) {
			*p = 0
			if on {
				*p = 1
			}
		}
	}
	for _, sc := range []struct {
		name    string
		s       Screen
		spin    *components.Spinner
		setBusy func(bool)
	}{
		{"login", login, &login.spin, pending(&login.waiting)},
		{"mfa", mfa, &mfa.spin, pending(&mfa.waiting)},
		{"dashboard", dash, &dash.spin, pending(&dash.recentReq)},
		{"pay", pay, &pay.spin, func(on bool) {
			pay.state = payForm
			if on {
				pay.state = paySending
			}
		}},
		{"history", hist, &hist.spin, pending(&hist.loadReq)},
		{"tokens", tokens, &tokens.spin, pending(&tokens.waiting)},
		{"security", sec, &sec.spin, pending(&sec.pass.req)},
	} {
		for _, busy := range []bool{true, false} {
			sc.setBusy(busy)
			_, next := sc.s.Update(sc.spin.Tick()())
			if (next != nil) != busy {
				t.Errorf("%s, busy %v: the spinner's tick asked for another: %v", sc.name, busy, next != nil)
			}
		}
	}
}
