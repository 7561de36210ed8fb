package views

import (
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/money"
)

// The amount typed again on the review above the threshold is read by the same parser as the
// form, with the same verdict and the same sentence: what the form refuses (0,99, 1 250, +1250,
// Unicode digits) the retype refuses with the form's words, never takes as another string (its
// keys are not filtered into something else) and never answers with a vaguer sentence. Only an
// amount that is read but differs is "not the same amount".
func TestRetypeReadsAmountsAsTheFormDoes(t *testing.T) {
	fc := newFake()
	fc.AddAccount("me@example.com", 5000*money.Scale)
	fc.SignIn("me@example.com")
	c := newCommon(t, fc)
	p := NewPay(c)
	p.SetSize(98, 26)
	var s Screen = p
	s, _ = settle(s, p.Init())
	s, _ = settle(s, p.Activate(SwitchMsg{}))
	s = fillPay(s, "ada@example.com", "1250", "")
	s, _ = press(s, "enter")
	if !strings.Contains(plain(s), "type the amount again") {
		t.Fatalf("no second amount asked:\n%s", plain(s))
	}
	for _, typed := range []string{"0,99", "1250,00", "1.250", "1 250", "+1250", "１２５０", "١٢٥٠",
		"99999999999999999999", "1,,250", "1250.0000001"} {
		_, want := money.ParseHumanPositive(typed)
		if want == nil {
			t.Fatalf("%q: the parser takes it; pick a string it refuses", typed)
		}
		s, _ = press(s, "ctrl+u")
		s = typeText(s, typed)
		if got := p.confirm.Value(); got != typed {
			t.Errorf("typed %q, the field holds %q", typed, got)
		}
		s, _ = press(s, "y")
		if n := fc.CountCalls("Pay"); n != 0 {
			t.Fatalf("%q sent %d payments", typed, n)
		}
		if p.confirm.Err != want.Error() {
			t.Errorf("%q: the retype says %q, the form says %q", typed, p.confirm.Err, want.Error())
		}
	}
	s, _ = press(s, "ctrl+u")
	s = typeText(s, "1,249.99")
	s, _ = press(s, "y")
	if fc.CountCalls("Pay") != 0 || p.confirm.Err != "Type the same amount again to send it." {
		t.Fatalf("another amount: %q", p.confirm.Err)
	}
	// Letters are keys here (y sends, n goes back), never text; the same amount, written the
	// other accepted way, sends.
	s, _ = press(s, "ctrl+u")
	s = typeText(s, "1,250.00")
	if press(s, "y"); fc.CountCalls("Pay") != 1 {
		t.Fatalf("1,250.00 did not send 1250: %q", p.confirm.Err)
	}
}
