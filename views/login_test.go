package views

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func newLoginScreen(t *testing.T) (*Login, *viewstest.Client) {
	fc := newFake()
	c := newCommon(t, fc)
	c.Email = ""
	l := NewLogin(c, "", "")
	l.SetSize(98, 26)
	return l, fc
}

func TestLoginSignsIn(t *testing.T) {
	l, fc := newLoginScreen(t)
	var s Screen = l
	s, out := submitted(s, "me@example.com", "password123")
	in, ok := hasMsg[SignedInMsg](out)
	if !ok || in.Session.Email != "me@example.com" {
		t.Fatalf("no SignedInMsg for me@example.com: %#v", out)
	}
	if got := fc.CountCalls("Login"); got != 1 {
		t.Fatalf("Login called %d times", got)
	}
	if strings.Contains(plain(s), "password123") {
		t.Fatal("the password is on screen")
	}
}

func TestLoginWrongPasswordKeepsEmail(t *testing.T) {
	l, _ := newLoginScreen(t)
	var s Screen = l
	s, out := submitted(s, "me@example.com", "wrong-password")
	if _, ok := hasMsg[SignedInMsg](out); ok {
		t.Fatal("signed in with a wrong password")
	}
	v := plain(s)
	if !strings.Contains(v, "The email or password is wrong.") {
		t.Fatalf("no inline error:\n%s", v)
	}
	if !strings.Contains(v, "me@example.com") {
		t.Fatalf("the email was lost:\n%s", v)
	}
	if got := s.(*Login).signIn.Fields[1].Value(); got != "wrong-password" {
		t.Fatalf("password field = %q, want what was typed", got)
	}
}

func TestLoginValidatesLocally(t *testing.T) {
	l, fc := newLoginScreen(t)
	var s Screen = l
	s = submit(s, "not-an-email")
	if fc.CountCalls("Login") != 0 {
		t.Fatal("an invalid email was sent")
	}
	if !strings.Contains(plain(s), "not a valid email") {
		t.Fatalf("no email error:\n%s", plain(s))
	}
	s, _ = press(s, "backspace", "backspace", "backspace", "backspace", "backspace")
	s = submit(s, "x@example.com")
	if !strings.Contains(plain(s), "Enter your password.") {
		t.Fatalf("no password error:\n%s", plain(s))
	}
}

func TestLoginMFA(t *testing.T) {
	l, fc := newLoginScreen(t)
	fc.SetMFA("me@example.com", true)
	var s Screen = l
	s = typeText(s, "me@example.com")
	s, _ = press(s, "tab")
	s = typeText(s, "password123")
	_, out := press(s, "enter")
	m, ok := hasMsg[MFANeededMsg](out)
	if !ok || m.Challenge == nil || m.Challenge.Email != "me@example.com" {
		t.Fatalf("no MFANeededMsg: %#v", out)
	}
}

func TestCreateAccountShowsGeneratedPasswordOnce(t *testing.T) {
	l, fc := newLoginScreen(t)
	var s Screen = l
	s, _ = press(s, "ctrl+r")
	if !strings.Contains(plain(s), "Create account") {
		t.Fatalf("ctrl+r did not switch:\n%s", plain(s))
	}
	s = submit(s, "new@example.com")
	v := plain(s)
	if !strings.Contains(v, "gen-pass-0123456789") || !strings.Contains(v, "shown only this once") {
		t.Fatalf("generated password not shown:\n%s", v)
	}
	var cmd tea.Cmd
	s, cmd = s.Update(keyMsg("c"))
	msgs := exec(cmd)
	if _, ok := hasMsg[ToastMsg](msgs); !ok {
		t.Fatalf("copy did not confirm: %#v", msgs)
	}
	if len(msgs) < 2 {
		t.Fatalf("copy did not set the clipboard: %#v", msgs)
	}
	s, out := press(s, "enter")
	if _, ok := hasMsg[SignedInMsg](out); !ok {
		t.Fatalf("continue did not sign in: %#v", out)
	}
	if strings.Contains(plain(s), "gen-pass") {
		t.Fatal("the generated password is still on screen after signing in")
	}
	if fc.CountCalls("Register") != 1 {
		t.Fatal("register not called once")
	}
}

func TestCreateAccountExisting(t *testing.T) {
	l, _ := newLoginScreen(t)
	var s Screen = l
	s, _ = press(s, "ctrl+r")
	s = submit(s, "me@example.com")
	if !strings.Contains(plain(s), "exists") {
		t.Fatalf("no account-exists error:\n%s", plain(s))
	}
}

func TestCreateAccountShortPassword(t *testing.T) {
	l, fc := newLoginScreen(t)
	var s Screen = l
	s, _ = press(s, "ctrl+r")
	s = submit(s, "new@example.com", "short")
	if fc.CountCalls("Register") != 0 {
		t.Fatal("a short password was sent")
	}
	if !strings.Contains(plain(s), "8") {
		t.Fatalf("no password rule shown:\n%s", plain(s))
	}
}

func TestLoginOfflineBanner(t *testing.T) {
	l, fc := newLoginScreen(t)
	fc.Err["Login"] = &client.UnavailableError{Reason: client.ReasonOffline}
	var s Screen = l
	s = submit(s, "me@example.com", "password123")
	if !strings.Contains(plain(s), "Cannot reach the service") {
		t.Fatalf("no offline banner:\n%s", plain(s))
	}
}

func TestLoginEscLeavesField(t *testing.T) {
	l, _ := newLoginScreen(t)
	var s Screen = l
	if !s.(Focuser).InputFocused() {
		t.Fatal("the email field should start focused")
	}
	s, _ = press(s, "esc")
	if s.(Focuser).InputFocused() {
		t.Fatal("esc did not leave the field")
	}
	s, _ = press(s, "tab")
	if !s.(Focuser).InputFocused() {
		t.Fatal("tab did not come back to a field")
	}
}
