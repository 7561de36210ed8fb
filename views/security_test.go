package views

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/boombuler/barcode/qr"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func newSecurity(t testing.TB, fc *viewstest.Client) *Security {
	t.Helper()
	fc.SignIn("me@example.com")
	s := NewSecurity(newCommon(t, fc))
	s.SetSize(98, 27)
	sc, _ := settle(s, s.Init())
	return sc.(*Security)
}

// realURL is as long as the service's otpauth URL for a long address (32-character secret).
const realURL = "otpauth://totp/syftwallet:someone.with.a.long.name@example.com?algorithm=SHA1&digits=6&issuer=syftwallet&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func clipboardText(msgs []tea.Msg) (string, bool) {
	for _, m := range msgs {
		if strings.Contains(fmt.Sprintf("%T", m), "Clipboard") {
			return fmt.Sprint(m), true
		}
	}
	return "", false
}

func TestSecurityEnableMFA(t *testing.T) {
	fc := newFake()
	fc.Enrollment.OtpauthURL = realURL
	fc.Enrollment.Secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	s := newSecurity(t, fc)
	if !strings.Contains(plain(s), "✗ off") {
		t.Fatalf("MFA status not shown:\n%s", plain(s))
	}
	var sc Screen = s
	sc, _ = press(sc, "m")
	if s.State() != "enroll" || fc.CountCalls("EnrollMFA") != 1 {
		t.Fatalf("state %s", s.State())
	}
	out := plain(sc)
	if !strings.Contains(out, "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP") || !strings.Contains(out, "▀") {
		t.Fatalf("want the QR code and the secret:\n%s", out)
	}
	for i, l := range strings.Split(sc.View(), "\n") {
		if w := Width(l); w > 98 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
	if n := strings.Count(sc.View(), "\n") + 1; n > 27 {
		t.Errorf("enrol view is %d lines, more than 27", n)
	}
	if !s.InputFocused() {
		t.Fatal("the code field should have the focus")
	}
	sc = submit(sc, "12a")
	if s.mfa.code.Fields[0].Err != "The code is 6 digits." {
		t.Fatalf("err %q", s.mfa.code.Fields[0].Err)
	}
	for range 3 {
		sc, _ = press(sc, "backspace")
	}
	sc = typeText(sc, "654321") // wrong, sent at the sixth digit
	if fc.CountCalls("EnableMFA") != 1 || !strings.Contains(s.mfa.code.Fields[0].Err, "not valid") {
		t.Fatalf("wrong code: calls %v, err %q", fc.Calls(), s.mfa.code.Fields[0].Err)
	}
	sc = typeText(sc, "123456")
	if s.State() != "codes" || len(s.mfa.shown.codes) != 10 {
		t.Fatalf("state %s, %d codes", s.State(), len(s.mfa.shown.codes))
	}
	out = plain(sc)
	if !strings.Contains(out, "Store these recovery codes now") || !strings.Contains(out, "abcdef-ghijk9-mnopqr-stuvw9") {
		t.Fatalf("codes view:\n%s", out)
	}
	var msgs []tea.Msg
	cmd := func() tea.Cmd { var c tea.Cmd; sc, c = sc.Update(keyMsg("c")); return c }()
	msgs = exec(cmd)
	txt, ok := clipboardText(msgs)
	if !ok || !strings.Contains(txt, "abcdef-ghijk0-mnopqr-stuvw0") {
		t.Fatalf("c should copy the codes: %v", msgs)
	}
	sc = shownStaysForAMoment(t, s, sc)
	sc, _ = press(sc, "enter")
	if s.State() != "menu" || !s.mfaOn || s.mfa.shown.codes != nil || !strings.Contains(plain(sc), "✓ on") {
		t.Fatalf("after the codes: state %s on=%v\n%s", s.State(), s.mfaOn, plain(sc))
	}
	// The menu counts the codes just made, without reading the account again.
	if out := plain(sc); !strings.Contains(out, "10 recovery codes left") {
		t.Fatalf("the menu should count the new codes:\n%s", out)
	}
}

func TestSecurityQRFitsOrSaysSo(t *testing.T) {
	fc := newFake()
	fc.Enrollment.OtpauthURL = realURL
	s := newSecurity(t, fc)
	sc, _ := press(s, "m")
	if !strings.Contains(plain(sc), "█") {
		t.Fatal("no QR at 98×27")
	}
	s.SetSize(78, 21) // 80×24 less the chrome
	if out := plain(s); !strings.Contains(out, "enlarge the window") || strings.Contains(out, "▀") {
		t.Fatalf("a QR that cannot fit should not be drawn:\n%s", out)
	}
	// The drawn code decodes to the same modules: every module is one cell wide, two a row.
	code, err := qr.Encode(realURL, qr.L, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	lines, size := QRLines(code, 2, false)
	if size != code.Bounds().Dx()+4 || len(lines) != (size+1)/2 {
		t.Fatalf("size %d, %d lines for a %d-module code", size, len(lines), code.Bounds().Dx())
	}
	for y := 0; y < code.Bounds().Dy(); y++ {
		for x := 0; x < code.Bounds().Dx(); x++ {
			r := []rune(lines[(y+2)/2])[x+2]
			top := (y+2)%2 == 0
			ink := r == '█' || (top && r == '▀') || (!top && r == '▄')
			if dark := luminance(code.At(x, y)) < 0x8000; dark != ink {
				t.Fatalf("module %d,%d: dark=%v drawn=%q", x, y, dark, r)
			}
		}
	}
}

func TestSecurityDisableMFA(t *testing.T) {
	fc := newFake()
	fc.SetMFA("me@example.com", true)
	s := newSecurity(t, fc)
	var sc Screen = s
	sc, _ = press(sc, "m")
	if s.State() != "disable" {
		t.Fatalf("state %s", s.State())
	}
	sc, _ = press(sc, "enter")
	if s.mfa.code.Fields[0].Err == "" {
		t.Fatal("an empty code should be refused")
	}
	sc = submit(sc, "000000")
	if !strings.Contains(s.mfa.code.Fields[0].Err, "not valid") || s.State() != "disable" {
		t.Fatalf("wrong code: %q", s.mfa.code.Fields[0].Err)
	}
	sc = submit(sc, "123456")
	if s.State() != "menu" || s.mfaOn || !strings.Contains(plain(sc), "✗ off") {
		t.Fatalf("after disable: %s %v\n%s", s.State(), s.mfaOn, plain(sc))
	}
}

func TestSecurityChangePassword(t *testing.T) {
	fc := newFake()
	s := newSecurity(t, fc)
	var sc Screen = s
	sc, _ = press(sc, "p")
	if s.State() != "password" || !s.InputFocused() {
		t.Fatal("p should open the password form")
	}
	cur, nw, again := s.pass.form.Fields[0], s.pass.form.Fields[1], s.pass.form.Fields[2]
	sc, _ = press(sc, "enter")
	if cur.Err == "" {
		t.Fatal("empty current password accepted")
	}
	sc = submit(sc, "password123", "short")
	if nw.Err == "" {
		t.Fatal("a short new password accepted")
	}
	for range 5 {
		sc, _ = press(sc, "backspace")
	}
	sc = submit(sc, "brand-new-pass", "brand-new-typo")
	if again.Err == "" || fc.CountCalls("ChangePassword") != 0 {
		t.Fatal("a different repeat accepted")
	}
	sc = typeText(sc, "brand-new-pass")
	// The service says the current one is wrong.
	cur.Input.SetValue("not-my-password")
	sc, _ = press(sc, "enter")
	if cur.Err != "The current password is wrong." || s.State() != "password" {
		t.Fatalf("wrong current password: %q", cur.Err)
	}
	if !strings.Contains(plain(sc), "✗ The current password is wrong.") {
		t.Errorf("inline error not shown:\n%s", plain(sc))
	}
	sc = submit(sc, "password123")
	if s.State() != "menu" || !strings.Contains(plain(sc), "other sessions were signed out") {
		t.Fatalf("after change: %s\n%s", s.State(), plain(sc))
	}
	if _, err := fc.Login(t.Context(), "me@example.com", "brand-new-pass"); err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
}

func TestSecurityLogoutAll(t *testing.T) {
	fc := newFake()
	s := newSecurity(t, fc)
	var sc Screen = s
	sc, _ = press(sc, "o")
	if s.State() != "logout" || !strings.Contains(plain(sc), "Sign out everywhere?") {
		t.Fatalf("o should ask first:\n%s", plain(sc))
	}
	sc, _ = press(sc, "enter", "n")
	if s.State() != "menu" || fc.CountCalls("LogoutAll") != 0 {
		t.Fatal("only y signs out everywhere")
	}
	fc.Err["LogoutAll"] = &client.UnavailableError{}
	sc, out := press(sc, "o", "y")
	if _, ok := hasMsg[SignedOutMsg](out); ok || s.out.banner == "" {
		t.Fatal("a failed sign-out should stay and say so")
	}
	delete(fc.Err, "LogoutAll")
	_, out = press(sc, "y")
	so, ok := hasMsg[SignedOutMsg](out)
	if !ok || !strings.Contains(so.Reason, "everywhere") || fc.CountCalls("LogoutAll") != 2 {
		t.Fatalf("want SignedOutMsg after LogoutAll: %v", out)
	}
}

func TestSecurityColourToggle(t *testing.T) {
	fc := newFake()
	s := newSecurity(t, fc)
	_, out := press(s, "t")
	tm, ok := hasMsg[ThemeToggleMsg](out)
	if !ok || !tm.Mono {
		t.Fatalf("t should ask for no colours: %v", out)
	}
	// The menu is walkable too.
	s = newSecurity(t, fc)
	sc, out := press(s, "j", "j", "j", "j", "enter")
	if _, ok := hasMsg[ThemeToggleMsg](out); !ok {
		t.Fatalf("enter on Colours should toggle: %v", out)
	}
	_ = sc
}

// The event that turning two-factor on causes is the screen's to report while the request is out
// and shortly after it succeeded; a refused code expects nothing.
func TestSecurityExpectsItsOwnMFAEvent(t *testing.T) {
	fc := newFake()
	s := newSecurity(t, fc)
	var sc Screen = s
	sc, _ = press(sc, "m")
	if s.Expects(api.EventSecurityMFAChanged) {
		t.Fatal("expects an event before asking for anything")
	}
	sc = typeText(sc, "654321") // refused
	if s.Expects(api.EventSecurityMFAChanged) {
		t.Fatal("a refused code still expects the event")
	}
	sc = typeText(sc, "12345")
	_, cmd := sc.Update(keyMsg("6"))
	if !s.Expects(api.EventSecurityMFAChanged) || s.Expects(api.EventPaymentReceived) {
		t.Fatal("the change in flight does not expect its event (or expects others)")
	}
	settle(sc, cmd)
	if s.State() != "codes" || !s.Expects(api.EventSecurityMFAChanged) {
		t.Fatalf("state %s: the event after the answer is not expected", s.State())
	}
	wantOldChangeForgotten(t, s)
}

// s signs out of this session, after a question that names the account; only y acts.
func TestSecuritySignOutAsksFirst(t *testing.T) {
	fc := newFake()
	s := newSecurity(t, fc)
	var sc Screen = s
	if !strings.Contains(plain(sc), "Sign out") || !strings.Contains(plain(sc), "other devices stay signed in") {
		t.Fatalf("the menu has no sign-out item:\n%s", plain(sc))
	}
	sc, _ = press(sc, "s")
	if s.State() != "signout" || !strings.Contains(plain(sc), "Sign out of me@example.com?") {
		t.Fatalf("s should ask first, naming the account:\n%s", plain(sc))
	}
	sc, out := press(sc, "enter", "space", "s", "o", "Y", "ctrl+l")
	if _, ok := hasMsg[SignedOutMsg](out); ok || s.State() != "signout" || fc.CountCalls("Logout")+fc.CountCalls("LogoutAll") != 0 {
		t.Fatalf("a key other than y or n acted: %s, %v", s.State(), fc.Calls())
	}
	sc, _ = press(sc, "esc")
	if s.State() != "menu" || fc.CountCalls("Logout") != 0 {
		t.Fatal("esc did not go back without signing out")
	}
	// Walking the menu to the item asks the same question.
	s = newSecurity(t, fc)
	sc, _ = press(s, "j", "j", "enter")
	if s.State() != "signout" {
		t.Fatalf("enter on the third item: %s", s.State())
	}
	_, out = press(sc, "y")
	so, ok := hasMsg[SignedOutMsg](out)
	if !ok || so.Reason != "You are signed out." || fc.CountCalls("Logout") != 1 || fc.CountCalls("LogoutAll") != 0 {
		t.Fatalf("y did not sign out this session once: %v %v", out, fc.Calls())
	}
}

// The sign-out key follows the config file, on the menu and in the help.
func TestSecuritySignOutRebinds(t *testing.T) {
	fc := newFake()
	fc.SignIn("me@example.com")
	c := newCommon(t, fc)
	if err := c.Keys.Apply(map[string][]string{"sign_out": {"ctrl+o"}}); err != nil {
		t.Fatal(err)
	}
	s := NewSecurity(c)
	s.SetSize(98, 27)
	var sc Screen = s
	sc, _ = settle(sc, s.Init())
	found := false
	for _, b := range s.ShortHelp() {
		found = found || b.Help().Key == "ctrl+o" && b.Help().Desc == "sign out"
	}
	if !found {
		t.Fatal("the help does not show the rebound key")
	}
	sc, _ = press(sc, "s")
	if s.State() != "menu" {
		t.Fatal("s still signs out after rebinding")
	}
	press(sc, "ctrl+o")
	if s.State() != "signout" {
		t.Fatal("the rebound key does not ask")
	}
}

// With the sign-out item the menu still fits 80×24 whole with news and a spinner under it: the
// blank lines between items go first.
func TestSecurityMenuFitsAt80x24(t *testing.T) {
	fc := newFake()
	s := newSecurity(t, fc)
	s.SetSize(78, 21) // the content area of 80×24
	s.note, s.noteBad = "✗ Could not start two-factor set-up: the service did not answer in time; check your connection and try again.", true
	s.mfa.startReq = 1
	lines := strings.Split(plain(s), "\n")
	if len(lines) > 21 || !strings.Contains(plain(s), "╰") || !strings.Contains(plain(s), "try again") {
		t.Fatalf("%d lines, cut:\n%s", len(lines), plain(s))
	}
	s.note, s.mfa.startReq = "", 0
	blank := 0
	for _, l := range strings.Split(plain(s), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "│") && strings.TrimSpace(strings.Trim(l, "│")) == "" {
			blank++
		}
	}
	if blank != 6 { // after the title, and between each two of the six items
		t.Fatalf("without news the items should be spaced (6 blank lines, got %d):\n%s", blank, plain(s))
	}
}

// shownStaysForAMoment checks that an Enter or Esc straight after a secret shown once appears
// (recovery codes after the code sent at its sixth digit, an API key after its form's Enter)
// leaves it shown, then moves the screen's clock past the moment.
func shownStaysForAMoment(t *testing.T, s *Security, sc Screen) Screen {
	t.Helper()
	before := s.State()
	for _, k := range []string{"enter", "esc"} {
		sc, _ = press(sc, k)
		if s.State() != before {
			t.Fatalf("%s at once closed the secret shown once: %s", k, s.State())
		}
	}
	now := s.c.now()
	s.c.Now = func() time.Time { return now.Add(shownSettle) }
	return sc
}
