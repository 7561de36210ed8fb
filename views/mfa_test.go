package views

import (
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func newMFAScreen(t *testing.T) (*MFA, *viewstest.Client) {
	fc := newFake()
	fc.SetMFA("me@example.com", true)
	c := newCommon(t, fc)
	m := NewMFA(c, &client.MFAChallenge{ID: "ch-1", Email: "me@example.com", ExpiresAt: viewstest.Epoch.Add(5 * time.Minute)})
	m.SetSize(98, 26)
	return m, fc
}

func TestMFASixDigitsSubmit(t *testing.T) {
	m, fc := newMFAScreen(t)
	var s Screen = m
	if !strings.Contains(plain(s), "5 of 5 attempts left") || !strings.Contains(plain(s), "expires in 5:00") {
		t.Fatalf("attempts or time missing:\n%s", plain(s))
	}
	s = typeText(s, "12345")
	if fc.CountCalls("VerifyMFA") != 0 {
		t.Fatal("sent before six digits")
	}
	var out []any
	s = typeText(s, "6")
	_ = out
	if fc.CountCalls("VerifyMFA") != 1 {
		t.Fatalf("six digits did not submit: %v", fc.Calls())
	}
}

func TestMFAWrongCodeCountsDown(t *testing.T) {
	m, fc := newMFAScreen(t)
	var s Screen = m
	for i := 1; i <= MFAAttempts; i++ {
		s = typeText(s, "000000")
		if fc.CountCalls("VerifyMFA") != i {
			t.Fatalf("attempt %d not sent", i)
		}
	}
	v := plain(s)
	if !strings.Contains(v, "Too many wrong codes") || !strings.Contains(v, "0 of 5 attempts left") {
		t.Fatalf("no lock-out after %d wrong codes:\n%s", MFAAttempts, v)
	}
	s = typeText(s, "123456")
	if fc.CountCalls("VerifyMFA") != MFAAttempts {
		t.Fatal("a dead challenge still sends codes")
	}
	_, out := press(s, "esc")
	if _, ok := hasMsg[SignedOutMsg](out); !ok {
		t.Fatal("esc on a dead challenge does not go back to sign in")
	}
}

// sendRecovery offers a recovery code with enter and checks that it was sent.
func sendRecovery(t *testing.T, s Screen, fc *viewstest.Client, code string) Screen {
	t.Helper()
	s = submit(s, code)
	if fc.CountCalls("VerifyMFA") != 1 {
		t.Fatal("enter did not send the recovery code")
	}
	return s
}

func TestMFARecoveryCodeWithEnter(t *testing.T) {
	m, fc := newMFAScreen(t)
	s := sendRecovery(t, m, fc, "abcdef-ghijkl")
	if !strings.Contains(plain(s), "4 attempts left") {
		t.Fatalf("wrong recovery code not counted:\n%s", plain(s))
	}
}

func TestMFAExpires(t *testing.T) {
	m, fc := newMFAScreen(t)
	now := viewstest.Epoch.Add(5*time.Minute + time.Second)
	m.c.Now = func() time.Time { return now }
	var s Screen = m
	s, _ = s.Update(mfaTickMsg{at: now})
	if !strings.Contains(plain(s), "expired") {
		t.Fatalf("no expiry:\n%s", plain(s))
	}
	s = typeText(s, "123456")
	if fc.CountCalls("VerifyMFA") != 0 {
		t.Fatal("an expired challenge sent a code")
	}
}

func TestMFASuccess(t *testing.T) {
	m, _ := newMFAScreen(t)
	var s Screen = m
	for _, r := range "12345" {
		s = typeText(s, string(r))
	}
	var cmd = func() {}
	_ = cmd
	s2, c := s.Update(keyMsg("6"))
	_, out := settle(s2, c)
	if in, ok := hasMsg[SignedInMsg](out); !ok || in.Session.Email != "me@example.com" {
		t.Fatalf("no sign-in after the right code: %#v", out)
	}
}

// A recovery code offered again says it was used already, and still takes an attempt.
func TestMFASpentRecoveryCodeSaysAlreadyUsed(t *testing.T) {
	m, fc := newMFAScreen(t)
	s := sendRecovery(t, m, fc, viewstest.SpentRecoveryCode)
	v := plain(s)
	if !strings.Contains(v, "Recovery code already used; 4 attempts left.") || !strings.Contains(v, "4 of 5 attempts left") {
		t.Fatalf("a spent recovery code:\n%s", v)
	}
}

// The placeholder of the focused, empty code field is drawn whole in the placeholder style: no
// digit of "123456" takes the cursor's colour, which reads as typed.
func TestMFAPlaceholderIsFaintWhole(t *testing.T) {
	m, _ := newMFAScreen(t)
	if !m.InputFocused() {
		t.Fatal("the code field is not focused on open")
	}
	want := m.c.Theme.FieldPlaceholder.Render("123456 or a recovery code")
	if v := m.View(); !strings.Contains(v, want) {
		t.Fatalf("the placeholder is not drawn whole in the placeholder style:\n%q", v)
	}
	if m.c.Theme.FieldPlaceholder.Render("x") != m.c.Theme.Faint.Render("x") {
		t.Fatal("the placeholder style is not the theme's faint style")
	}
}
