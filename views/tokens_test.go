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

// A created token and what it allows fit the content area with the whole panel on screen, at
// 80×24 and 100×30: a long token is shown on a few lines with its middle cut, and c still copies
// all of it.
func TestTokenResultFitsTheWindow(t *testing.T) {
	long := "eyJhbGciOiJFZERTQSIsImtpZCI6ImZqbFBTZ0RpY0c4IiwidHlwIjoidHhuK2p3dCJ9." +
		strings.Repeat("eyJpZCI6ImR3N3pLa0t6XzhZX2pCZ2lja09HdXciLCJzZW5kZXJFbWFpbCI6", 5) + ".CdXvH3GFoNzvIpNoe4HbsT2Afd"
	for _, size := range [][2]int{{78, 21}, {98, 27}} {
		fc := newFake()
		fc.SignIn("me@example.com")
		tk := NewTokens(newCommon(t, fc))
		tk.SetSize(size[0], size[1])
		var s Screen = tk
		for range 5 { // a full "Made this session" list
			s, _ = press(s, "n")
			s = typeText(s, "ada@example.com")
			s, _ = press(s, "enter")
		}
		s, _ = press(s, "n")
		s = typeText(s, "grace@example.com")
		s, _ = s.Update(keyMsg("enter"))
		s, _ = s.Update(tokenMadeMsg{reqID: tk.waiting, recipient: "grace@example.com", token: long})
		v := plain(s)
		lines := strings.Split(v, "\n")
		if len(lines) != size[1] || !strings.Contains(v, "╭") || !strings.Contains(v, "╰") {
			t.Fatalf("%v: the panel is not whole in %d lines (%d):\n%s", size, size[1], len(lines), v)
		}
		code := 0
		for _, l := range lines {
			if strings.Contains(l, "eyJ") || strings.Contains(l, "Afd") || strings.Contains(l, "…") {
				code++
			}
		}
		if code > 3 || !strings.Contains(v, long[:40]) || !strings.Contains(v, long[len(long)-20:]) ||
			!strings.Contains(v, "create one pending payment") {
			t.Fatalf("%v: want the token's ends on at most 3 lines and what it allows:\n%s", size, v)
		}
		_, cmd := s.Update(keyMsg("c"))
		if got, ok := clipboardText(exec(cmd)); !ok || got != long {
			t.Fatalf("%v: c copied %q", size, got)
		}
	}
}
