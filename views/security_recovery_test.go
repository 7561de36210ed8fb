package views

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// newSecurityMFA is the Security screen of an account with two-factor on and left recovery codes.
func newSecurityMFA(t *testing.T, left int) (*Security, *viewstest.Client) {
	fc := newFake()
	fc.SetMFA("me@example.com", true)
	fc.RecoveryLeft = left
	return newSecurity(t, fc), fc
}

// The menu says how many recovery codes are left; r makes new ones for the app's code, shown
// whole, once; the count is then ten again.
func TestSecurityNewRecoveryCodes(t *testing.T) {
	s, fc := newSecurityMFA(t, 3)
	var sc Screen = s
	if v := plain(sc); !strings.Contains(v, "✓ on · 3 recovery codes left") || !strings.Contains(v, "r: new recovery codes") {
		t.Fatalf("the menu does not count the recovery codes:\n%s", v)
	}
	sc, _ = press(sc, "r")
	if s.State() != "recovery" || !s.InputFocused() {
		t.Fatalf("r opens %s (focused %v)", s.State(), s.InputFocused())
	}
	sc = typeText(sc, "654321") // wrong, sent at the sixth digit
	if fc.CountCalls("RegenerateRecoveryCodes") != 1 || s.State() != "recovery" ||
		!strings.Contains(s.rec.code.Fields[0].Err, "not valid") {
		t.Fatalf("wrong code: %s, %v, %q", s.State(), fc.Calls(), s.rec.code.Fields[0].Err)
	}
	if s.Expects(api.EventSecurityMFAChanged) {
		t.Fatal("a refused code expects its event")
	}
	sc = typeText(sc, "123456")
	if s.State() != "recoverycodes" || !s.Expects(api.EventSecurityMFAChanged) {
		t.Fatalf("state %s after the right code (expects %v)", s.State(), s.Expects(api.EventSecurityMFAChanged))
	}
	v := plain(sc)
	for i := range 10 {
		if c := fmt.Sprintf("zyxwvu-tsrqp%d-onmlkj-ihgfe%d", i, i); !strings.Contains(v, c) {
			t.Fatalf("code %d (%s) not shown whole:\n%s", i+1, c, v)
		}
	}
	sc = shownStaysForAMoment(t, s, sc)
	sc, _ = press(sc, "enter")
	v = plain(sc)
	if s.State() != "menu" || s.rec.shown.codes != nil || !strings.Contains(v, "old ones no longer work") ||
		!strings.Contains(v, "10 recovery codes left") {
		t.Fatalf("after the codes: %s\n%s", s.State(), v)
	}
	wantOldChangeForgotten(t, s)
}

// wantOldChangeForgotten checks that a change to two-factor a minute old no longer expects the
// event it caused.
func wantOldChangeForgotten(t *testing.T, s *Security) {
	t.Helper()
	s.c.Now = func() time.Time { return viewstest.Epoch.Add(time.Minute) }
	if s.Expects(api.EventSecurityMFAChanged) {
		t.Fatal("a change a minute old still expects its event")
	}
}

// With two-factor off there is nothing to count or replace: r says so on the menu.
func TestSecurityRecoveryCodesNeedTwoFactor(t *testing.T) {
	fc := newFake()
	s := newSecurity(t, fc)
	var sc Screen = s
	if strings.Contains(plain(sc), "codes left") {
		t.Fatalf("a count with two-factor off:\n%s", plain(sc))
	}
	sc, _ = press(sc, "r")
	if s.State() != "menu" || !strings.Contains(plain(sc), "turn it on first") || fc.CountCalls("RegenerateRecoveryCodes") != 0 {
		t.Fatalf("r with two-factor off: %s\n%s", s.State(), plain(sc))
	}
}

// Recovery codes are shown whole at every size the wallet draws in (new ones, and those of
// turning two-factor on): in one column where two do not fit, and within the window.
func TestRecoveryCodesShownWholeWhenNarrow(t *testing.T) {
	for _, size := range [][2]int{{58, 17}, {78, 21}, {98, 27}} {
		for _, flow := range []struct{ open, code string }{{"r", "zyxwvu-tsrqp%d-onmlkj-ihgfe%d"}, {"m", "abcdef-ghijk%d-mnopqr-stuvw%d"}} {
			fc := newFake()
			if flow.open == "r" {
				fc.SetMFA("me@example.com", true)
			}
			s := newSecurity(t, fc)
			s.SetSize(size[0], size[1])
			var sc Screen = s
			sc, _ = press(sc, flow.open)
			sc = typeText(sc, "123456")
			v := plain(sc)
			if n := strings.Count(v, "\n") + 1; n > size[1] {
				t.Errorf("%s at %dx%d: %d lines", flow.open, size[0], size[1], n)
			}
			for i := range 10 {
				if c := fmt.Sprintf(flow.code, i, i); !strings.Contains(v, c) {
					t.Errorf("%s at %dx%d: code %d not whole:\n%s", flow.open, size[0], size[1], i+1, v)
				}
			}
		}
	}
}
