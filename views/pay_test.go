package views

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func newPayScreen(t *testing.T) (Screen, *viewstest.Client) {
	fc := newFake()
	seedHistory(fc)
	fc.SignIn("me@example.com")
	return openPay(newCommon(t, fc), 98, 26), fc
}

// openPay opens Pay over c at w×h, as the root does when it switches to it.
func openPay(c *Common, w, h int) Screen {
	p := NewPay(c)
	p.SetSize(w, h)
	s, _ := settle(p, p.Init())
	s, _ = settle(s, p.Activate(SwitchMsg{To: PayScreen}))
	return s
}

// askRetype asks to pay amount (above the threshold) to ada, and checks that the review asks
// for the amount again.
func askRetype(t *testing.T, s Screen, amount string) Screen {
	t.Helper()
	s = fillPay(s, "ada@example.com", amount, "")
	s, _ = press(s, "enter")
	if !strings.Contains(plain(s), "type the amount again") {
		t.Fatalf("no second amount asked:\n%s", plain(s))
	}
	return s
}

func fillPay(s Screen, to, amount, memo string) Screen {
	s = typeText(s, to)
	s, _ = press(s, "tab")
	s = typeText(s, amount)
	s, _ = press(s, "tab")
	return typeText(s, memo)
}

func TestPayOnlyYSends(t *testing.T) {
	s, fc := newPayScreen(t)
	s = fillPay(s, "ada@example.com", "12.50", "lunch")
	s, _ = press(s, "enter")
	if s.(*Pay).state != payReview {
		t.Fatalf("enter did not open the review:\n%s", plain(s))
	}
	v := plain(s)
	for _, want := range []string{"ada@example.com", "12.50 USD", "lunch", "224.25", "211.75 after"} {
		if !strings.Contains(v, want) {
			t.Errorf("review lacks %q:\n%s", want, v)
		}
	}
	// Nothing but y sends: enter again, other letters, space.
	s, _ = press(s, "enter", "enter", "space", "Y", "x", "s", "1")
	if fc.CountCalls("Pay") != 0 {
		t.Fatalf("the review sent without y: %v", fc.Calls())
	}
	if !strings.Contains(plain(s), "enter does not send") {
		t.Errorf("no hint after enter on the review:\n%s", plain(s))
	}
	s, out := press(s, "y")
	if fc.CountCalls("Pay") != 1 {
		t.Fatalf("y did not send exactly once: %v", fc.Calls())
	}
	if s.(*Pay).state != payDone || !strings.Contains(plain(s), "tx0000") {
		t.Fatalf("no result with the transaction id:\n%s", plain(s))
	}
	if _, ok := hasMsg[ToastMsg](out); !ok {
		t.Error("no toast after paying")
	}
}

func TestPayBackKeepsTheForm(t *testing.T) {
	for _, back := range []string{"n", "esc"} {
		s, fc := newPayScreen(t)
		s = fillPay(s, "ada@example.com", "3", "tea")
		s, _ = press(s, "enter", back)
		p := s.(*Pay)
		if p.state != payForm {
			t.Fatalf("%s did not go back", back)
		}
		if p.recipient().Value() != "ada@example.com" || p.amount().Value() != "3" || p.memo().Value() != "tea" {
			t.Fatalf("%s lost the form: %q %q %q", back, p.recipient().Value(), p.amount().Value(), p.memo().Value())
		}
		if fc.CountCalls("Pay") != 0 {
			t.Fatalf("%s sent", back)
		}
	}
}

func TestPayValidation(t *testing.T) {
	cases := []struct {
		to, amount, memo, want string
	}{
		{"not-an-email", "1", "", "not a valid email"},
		{"me@example.com", "1", "", "cannot pay yourself"},
		{"ada@example.com", "", "", "Enter an amount"},
		{"ada@example.com", "abc", "", "like 12.50"},
		{"ada@example.com", "0", "", "more than zero"},
		{"ada@example.com", "-5", "", "Write 5 without a sign."},
		{"ada@example.com", "0,99", "", "Write 0.99: use a point for cents."},
		{"ada@example.com", "1.000,50", "", "Write 1000.50 (or 1,000.50): use a point for cents."},
		{"ada@example.com", "99999999999999999999", "", "too large: at most 1,000,000,000,000.00"},
		{"ada@example.com", "1.0000001", "", "6 decimal places"},
		{"ada@example.com", "1e3", "", "without an exponent"},
		{"ada@example.com", "500", "", "Only 224.25 is available"},
		{"ada@example.com", "1", strings.Repeat("m", 281), "280"},
	}
	for _, c := range cases {
		s, fc := newPayScreen(t)
		p := s.(*Pay)
		p.recipient().Input.SetValue(c.to)
		p.amount().Input.SetValue(c.amount)
		p.memo().Input.CharLimit = 0
		p.memo().Input.SetValue(c.memo)
		s, _ = press(s, "enter")
		if s.(*Pay).state != payForm || !strings.Contains(plain(s), c.want) {
			t.Errorf("%q/%q: want an inline %q:\n%s", c.to, c.amount, c.want, plain(s))
		}
		if fc.CountCalls("Pay") != 0 {
			t.Errorf("%q/%q was sent", c.to, c.amount)
		}
	}
}

func TestPayThresholdNeedsTheAmountTwice(t *testing.T) {
	fc := newFake()
	fc.SignIn("me@example.com")
	c := newCommon(t, fc)
	c.PayThreshold = 100 * money.Scale
	s := askRetype(t, openPay(c, 98, 26), "150")
	if !s.(Focuser).InputFocused() {
		t.Fatal("the review's amount field should take digits (not screen switches)")
	}
	s = typeText(s, "105")
	s, _ = press(s, "y")
	if fc.CountCalls("Pay") != 0 || !strings.Contains(plain(s), "same amount again") {
		t.Fatalf("a different amount sent or no error:\n%s", plain(s))
	}
	s, _ = press(s, "backspace", "backspace")
	s = typeText(s, "50.00")
	s, _ = press(s, "y")
	if fc.CountCalls("Pay") != 1 {
		t.Fatalf("the matching amount did not send:\n%s", plain(s))
	}
}

// The amount typed again on the review above the threshold is read by the same parser as the
// form, with the same verdict and the same sentence: what the form refuses (0,99, 1 250, +1250,
// Unicode digits) the retype refuses with the form's words, never takes as another string (its
// keys are not filtered into something else) and never answers with a vaguer sentence. Only an
// amount that is read but differs is "not the same amount".
func TestRetypeReadsAmountsAsTheFormDoes(t *testing.T) {
	fc := newFake()
	fc.AddAccount("me@example.com", 5000*money.Scale)
	fc.SignIn("me@example.com")
	s := askRetype(t, openPay(newCommon(t, fc), 98, 26), "1250")
	p := s.(*Pay)
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

func TestPayErrorsGoToTheirField(t *testing.T) {
	s, fc := newPayScreen(t)
	fc.Err["Pay"] = &client.UnknownRecipientError{Email: "nobody@example.com", Field: "recipientEmail"}
	s = fillPay(s, "nobody@example.com", "1", "")
	s, _ = press(s, "enter", "y")
	p := s.(*Pay)
	if p.state != payForm || p.recipient().Err == "" || !strings.Contains(plain(s), "nobody@example.com") {
		t.Fatalf("unknown recipient not next to the recipient:\n%s", plain(s))
	}
	fc.Err["Pay"] = &client.InsufficientFundsError{Available: money.Scale, Needed: 2 * money.Scale}
	s, _ = press(s, "enter", "y")
	p = s.(*Pay)
	if p.state != payForm || p.amount().Err == "" || !strings.Contains(plain(s), "Insufficient funds") {
		t.Fatalf("insufficient funds not next to the amount:\n%s", plain(s))
	}
}

func TestPayRetryReusesTheKey(t *testing.T) {
	s, fc := newPayScreen(t)
	fc.Err["Pay"] = &client.UnavailableError{Reason: client.ReasonTimeout}
	s = fillPay(s, "ada@example.com", "2", "")
	s, _ = press(s, "enter", "y")
	p := s.(*Pay)
	if p.state != payReview || !strings.Contains(plain(s), "never paid twice") {
		t.Fatalf("a timeout did not keep the review:\n%s", plain(s))
	}
	key1 := p.req.IdempotencyKey
	// Going back and reviewing the same payment keeps the key too.
	s, _ = press(s, "n", "enter")
	if s.(*Pay).req.IdempotencyKey != key1 {
		t.Fatal("the same review got a new key")
	}
	delete(fc.Err, "Pay")
	s, _ = press(s, "y")
	if s.(*Pay).state != payDone {
		t.Fatalf("the retry did not pay:\n%s", plain(s))
	}
	// A second, identical payment is a new one: new key.
	s, _ = press(s, "enter")
	s = fillPay(s, "ada@example.com", "2", "")
	s, _ = press(s, "enter")
	if s.(*Pay).req.IdempotencyKey == key1 {
		t.Fatal("a new payment reused the old key")
	}
	// A changed payment gets a new key.
	k2 := s.(*Pay).req.IdempotencyKey
	s, _ = press(s, "n")
	s = submit(s, "5")
	if s.(*Pay).req.IdempotencyKey == k2 {
		t.Fatal("a changed payment kept the key")
	}
}

func TestPayBusyWhileSending(t *testing.T) {
	s, fc := newPayScreen(t)
	block := make(chan struct{})
	fc.Block["Pay"] = block
	s = fillPay(s, "ada@example.com", "2", "")
	s, _ = press(s, "enter")
	var cmd tea.Cmd
	s, cmd = s.Update(keyMsg("y"))
	if !s.(Busy).Busy() || !strings.Contains(plain(s), "Sending") {
		t.Fatalf("not busy while sending:\n%s", plain(s))
	}
	// A second y while sending does nothing.
	s, _ = s.Update(keyMsg("y"))
	close(block)
	s, _ = settle(s, cmd)
	if s.(Busy).Busy() || fc.CountCalls("Pay") != 1 {
		t.Fatalf("sent %d times", fc.CountCalls("Pay"))
	}
}

func TestPayRecipientCompletes(t *testing.T) {
	s, _ := newPayScreen(t)
	if !strings.Contains(plain(s), "Recent") || !strings.Contains(plain(s), "grace@example.com") {
		t.Fatalf("no recent counterparties:\n%s", plain(s))
	}
	s = typeText(s, "gr")
	s, _ = press(s, "right")
	if got := s.(*Pay).recipient().Value(); got != "grace@example.com" {
		t.Fatalf("completion gave %q", got)
	}
	tx := api.Transaction{ID: "n1", SenderEmail: "zed@example.com", RecipientEmail: "me@example.com", Direction: api.DirectionIn}
	s, _ = s.Update(LiveMsg{Type: api.EventPaymentReceived, Tx: &tx})
	if s.(*Pay).recents[0] != "zed@example.com" {
		t.Fatal("a live payment did not become a recent counterparty")
	}
}

// Keys are rebindable, but not into "enter sends": the review's rule (and the quit and
// confirm/cancel questions') holds whatever the config file says. The rest of the file applies.
func TestKeysCannotBindEnterToSend(t *testing.T) {
	km := DefaultKeyMap()
	err := km.Apply(map[string][]string{"pay.send": {"enter", "s"}, "confirm.yes": {"enter"}, "pay": {"2", "P"}})
	if err == nil || !strings.Contains(err.Error(), "pay.send") || !strings.Contains(err.Error(), "confirm.yes") {
		t.Fatalf("binding enter to send was not reported: %v", err)
	}
	enter := keyMsg("enter")
	for name, b := range map[string]key.Binding{"pay.send": km.Pay.Send, "confirm.yes": km.Confirm.Yes} {
		if key.Matches(enter, b) {
			t.Errorf("%s matches enter: %v", name, b.Keys())
		}
	}
	if !key.Matches(keyMsg("s"), km.Pay.Send) || !key.Matches(keyMsg("P"), km.Global.Pay) {
		t.Errorf("the other overrides were not applied: send %v, pay %v", km.Pay.Send.Keys(), km.Global.Pay.Keys())
	}
	if !key.Matches(keyMsg("y"), km.Confirm.Yes) {
		t.Errorf("confirm.yes lost y when its only override was refused: %v", km.Confirm.Yes.Keys())
	}
}
