package views

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/client"
)

func TestTokensCreateAndCopy(t *testing.T) {
	fc := newFake()
	fc.SignIn("me@example.com")
	tk := NewTokens(newCommon(t, fc))
	tk.SetSize(98, 26)
	var s Screen = tk
	s, _ = settle(s, tk.Activate(SwitchMsg{}))
	s = typeText(s, "me@example.com")
	s, _ = press(s, "enter")
	if fc.CountCalls("CreateTransactionToken") != 0 || !strings.Contains(plain(s), "pick someone else") {
		t.Fatalf("a token for yourself was asked for:\n%s", plain(s))
	}
	s, _ = press(s, "ctrl+u")
	s = typeText(s, "ada@example.com")
	s, _ = press(s, "enter")
	v := plain(s)
	if !strings.Contains(v, "token-for-ada@example.com") || !strings.Contains(v, "create one pending payment") {
		t.Fatalf("token or what it allows missing:\n%s", v)
	}
	_, cmd := s.Update(keyMsg("c"))
	out := exec(cmd)
	if _, ok := hasMsg[ToastMsg](out); !ok || len(out) < 2 {
		t.Fatalf("c did not copy: %#v", out)
	}
	s, _ = press(s, "n")
	if !s.(Focuser).InputFocused() || strings.Contains(plain(s), "token-for-ada") {
		t.Fatal("n did not start a new token")
	}
}

func TestTokensOffline(t *testing.T) {
	fc := newFake()
	fc.SignIn("me@example.com")
	fc.Err["CreateTransactionToken"] = &client.UnavailableError{Reason: client.ReasonOffline}
	tk := NewTokens(newCommon(t, fc))
	tk.SetSize(98, 26)
	var s Screen = tk
	s, _ = settle(s, tk.Activate(SwitchMsg{}))
	s = typeText(s, "ada@example.com")
	s, _ = press(s, "enter")
	if !strings.Contains(plain(s), "Cannot reach the service") {
		t.Fatalf("no offline error:\n%s", plain(s))
	}
}

func TestTokenExpiry(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"id":"x","exp":1796036064}`))
	got := tokenExpiry("h." + payload + ".s")
	if !got.Equal(time.Unix(1796036064, 0)) {
		t.Fatalf("expiry = %v", got)
	}
	if !tokenExpiry("garbage").IsZero() {
		t.Fatal("garbage has an expiry")
	}
}
