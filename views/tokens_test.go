package views

import (
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// shownWhole reports whether tok appears in the view whole, its lines joined (it is hard-wrapped:
// a JWT has no spaces), with no "…" standing in for any of it.
func shownWhole(view, tok string) bool {
	var joined strings.Builder
	for _, l := range strings.Split(view, "\n") {
		l = strings.Trim(l, " │")
		if strings.HasPrefix(l, "eyJ") || joined.Len() > 0 && !strings.ContainsAny(l, " ") && l != "" {
			joined.WriteString(l)
		} else if joined.Len() > 0 {
			break
		}
	}
	return joined.String() == tok
}

// flat is a view's words in one line, without the panel's border: for sentences that wrap.
func flat(view string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(view, "│", " ")), " ")
}

func tokensScreen(t *testing.T, fc *viewstest.Client, w, h int) (*Tokens, Screen) {
	t.Helper()
	tk := NewTokens(newCommon(t, fc))
	tk.SetSize(w, h)
	var s Screen = tk
	s, _ = settle(s, tk.Activate(SwitchMsg{}))
	return tk, s
}

// A token made in the wallet is single use unless widened: Uses starts at 1.
func TestTokensCreateSingleUseByDefaultAndCopy(t *testing.T) {
	fc := newFake()
	fc.SignIn("me@example.com")
	_, s := tokensScreen(t, fc, 98, 30)
	s = submit(s, "me@example.com")
	if fc.CountCalls("CreateToken") != 0 || !strings.Contains(plain(s), "pick someone else") {
		t.Fatalf("a token for yourself was asked for:\n%s", plain(s))
	}
	s, _ = press(s, "ctrl+u")
	s = submit(s, "ada@example.com")
	v := plain(s)
	tok := viewstest.FakeToken("ada@example.com")
	if !shownWhole(v, tok) || strings.Contains(v, "…") {
		t.Fatalf("the token is not shown whole:\n%s", v)
	}
	if !strings.Contains(flat(v), "create one pending payment from you, of any amount you can cover") {
		t.Fatalf("what it allows is missing:\n%s", v)
	}
	list, _ := fc.Tokens(t.Context())
	if len(list) != 1 || list[0].MaxUses == nil || *list[0].MaxUses != 1 || list[0].MaxAmount != nil {
		t.Fatalf("the wallet's default token: %+v", list)
	}
	_, cmd := s.Update(keyMsg("c"))
	out := exec(cmd)
	toast, ok := hasMsg[ToastMsg](out)
	if got, okc := clipboardText(out); !ok || !okc || got != tok || !strings.Contains(toast.Text, "sent to the terminal's clipboard") {
		t.Fatalf("c did not copy: %#v", out)
	}
	s, _ = press(s, "n")
	if !s.(Focuser).InputFocused() || strings.Contains(plain(s), tok[:60]) {
		t.Fatal("n did not start a new token")
	}
	if !strings.Contains(plain(s), "ada@example.com") || !strings.Contains(plain(s), "0 of 1 use") {
		t.Fatalf("the active list lacks the new token:\n%s", plain(s))
	}
}

// Widened: any number of uses, a total limit, a shorter life; the request carries them.
func TestTokensCreateWithLimits(t *testing.T) {
	fc := newFake()
	fc.SignIn("me@example.com")
	_, s := tokensScreen(t, fc, 98, 30)
	s = typeText(s, "ada@example.com")
	s, _ = press(s, "tab", "backspace", "tab")
	s = submit(s, "5.00", "2h")
	list, _ := fc.Tokens(t.Context())
	if len(list) != 1 || list[0].MaxUses != nil || list[0].MaxAmount == nil || *list[0].MaxAmount != 5*money.Scale ||
		list[0].ExpiresAt.Sub(viewstest.Epoch) != 2*time.Hour {
		t.Fatalf("%+v", list)
	}
	if v := plain(s); !strings.Contains(flat(v), "any number of pending payments from you, of at most 5.00 USD in all, until") {
		t.Fatalf("%s", v)
	}
	// Refused before any call: each field says what to write.
	for _, c := range []struct{ field, text, want string }{
		{"uses", "0", "from 1 to 1,000,000"}, {"limit", "1,5", "Write"}, {"expires", "soon", "30m, 2h or 1d"},
	} {
		fc := newFake()
		fc.SignIn("me@example.com")
		_, s := tokensScreen(t, fc, 98, 30)
		s = typeText(s, "ada@example.com")
		tabs := map[string]int{"uses": 1, "limit": 2, "expires": 3}[c.field]
		for range tabs {
			s, _ = press(s, "tab")
		}
		if c.field == "uses" {
			s, _ = press(s, "backspace")
		}
		s = typeText(s, c.text)
		s, _ = press(s, "enter")
		if fc.CountCalls("CreateToken") != 0 || !strings.Contains(flat(plain(s)), c.want) {
			t.Errorf("%s %q: calls %d\n%s", c.field, c.text, fc.CountCalls("CreateToken"), plain(s))
		}
	}
}

// The active tokens, with their use so far; x asks, n keeps, y revokes and the list reloads.
func TestTokensListAndRevoke(t *testing.T) {
	fc := newFake()
	fc.SignIn("me@example.com")
	one, five, cap := int64(1), int64(5), money.Micros(10*money.Scale)
	exp := api.At(viewstest.Epoch.Add(3 * time.Hour))
	fc.AddToken(api.TokenInfo{ID: "tok_a", RecipientEmail: "router@example.com", MaxUses: &five, MaxAmount: &cap,
		UsedCount: 2, UsedAmount: 1_250_000, State: api.TokenActive, ExpiresAt: exp})
	fc.AddToken(api.TokenInfo{ID: "tok_b", RecipientEmail: "app@example.com", MaxUses: &one, UsedCount: 1,
		State: api.TokenUsedUp, ExpiresAt: exp})
	fc.AddToken(api.TokenInfo{ID: "tok_c", RecipientEmail: "old@example.com", State: api.TokenExpired, ExpiresAt: exp})
	_, s := tokensScreen(t, fc, 98, 30)
	v := plain(s)
	if !strings.Contains(v, "2 of 5 uses · 1.25 of 10.00 · until 13:54") || !strings.Contains(v, "1 of 1 use · 0.00 · used up") ||
		strings.Contains(v, "old@example.com") {
		t.Fatalf("%s", v)
	}
	s, _ = press(s, "esc", "j", "x")
	if v := plain(s); !strings.Contains(flat(v), "Revoke the token for app@example.com?") {
		t.Fatalf("no question:\n%s", v)
	}
	s, _ = press(s, "n")
	if fc.CountCalls("RevokeToken") != 0 || strings.Contains(plain(s), "Revoke the token for") {
		t.Fatal("n revoked or kept asking")
	}
	s, _ = press(s, "x")
	s, out := press(s, "y")
	if fc.CountCalls("RevokeToken") != 1 {
		t.Fatal("y did not revoke")
	}
	if toast, ok := hasMsg[ToastMsg](out); !ok || toast.Who != "app@example.com" {
		t.Fatalf("%#v", out)
	}
	if v := plain(s); strings.Contains(v, "app@example.com") || !strings.Contains(v, "router@example.com") {
		t.Fatalf("the list was not reloaded:\n%s", v)
	}
	// A live token event reloads it too.
	before := fc.CountCalls("Tokens")
	s, _ = deliver(s, LiveMsg{Type: api.EventTokenUsed})
	if fc.CountCalls("Tokens") != before+1 {
		t.Fatal("token.used did not reload the list")
	}
}

func TestTokensOffline(t *testing.T) {
	fc := newFake()
	fc.SignIn("me@example.com")
	fc.Err["CreateToken"] = &client.UnavailableError{Reason: client.ReasonOffline}
	_, s := tokensScreen(t, fc, 98, 26)
	s = submit(s, "ada@example.com")
	if !strings.Contains(plain(s), "Cannot reach the service") {
		t.Fatalf("no offline error:\n%s", plain(s))
	}
}

// A created token and what it allows fit the content area with the whole panel on screen, at
// 80×24 and 100×30, with a full list of active tokens, and at the smallest window drawn (60×20):
// the token, what it allows and the warning are never cut (c copies it too).
func TestTokenResultFitsTheWindow(t *testing.T) {
	for _, size := range [][2]int{{58, 17}, {78, 21}, {98, 27}} {
		fc := newFake()
		fc.SignIn("me@example.com")
		for i := range 8 {
			fc.AddToken(api.TokenInfo{ID: "tok_" + string(rune('a'+i)), RecipientEmail: "app@example.com",
				State: api.TokenActive, ExpiresAt: api.At(viewstest.Epoch.Add(time.Hour))})
		}
		_, s := tokensScreen(t, fc, size[0], size[1])
		s = typeText(s, "grace@example.com")
		s, _ = press(s, "enter")
		v := plain(s)
		lines := strings.Split(v, "\n")
		if len(lines) != size[1] || !strings.Contains(v, "╭") || !strings.Contains(v, "╰") {
			t.Fatalf("%v: the panel is not whole in %d lines (%d):\n%s", size, size[1], len(lines), v)
		}
		tok := viewstest.FakeToken("grace@example.com")
		if !shownWhole(v, tok) || !strings.Contains(flat(v), "create one pending payment") ||
			!strings.Contains(flat(v), "Shown this once") {
			t.Fatalf("%v: want the whole token and what it allows:\n%s", size, v)
		}
		_, cmd := s.Update(keyMsg("c"))
		if got, ok := clipboardText(exec(cmd)); !ok || got != tok {
			t.Fatalf("%v: c copied %q", size, got)
		}
	}
}
