package ui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

func isQuit(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

func TestSignInThenNumbersSwitchScreens(t *testing.T) {
	fc := viewstest.Standard()
	m := newModel(t, fc)
	typeText(m, "me@example.com")
	press(m, "tab")
	typeText(m, "password123")
	press(m, "enter")
	if m.Active() != views.DashboardScreen {
		t.Fatalf("after signing in the active screen is %v", m.Active())
	}
	// Tokens and Pay take the focus into their field: esc leaves it, then keys switch again.
	for _, c := range []struct {
		key  string
		want views.ID
	}{{"3", views.HistoryScreen}, {"tab", views.TokensScreen}, {"esc", views.TokensScreen}, {"shift+tab", views.HistoryScreen},
		{"5", views.SecurityScreen}, {"tab", views.DashboardScreen}, {"1", views.DashboardScreen},
		{"2", views.PayScreen}, {"3", views.PayScreen}, {"esc", views.PayScreen}, {"3", views.HistoryScreen}} {
		press(m, c.key)
		if m.Active() != c.want {
			t.Fatalf("after %q the active screen is %v, want %v", c.key, m.Active(), c.want)
		}
	}
	if !strings.Contains(screen(m), "me@example.com") {
		t.Fatal("the status bar does not show the account")
	}
}

func TestKeysGoToTheFocusedField(t *testing.T) {
	m := newModel(t, viewstest.Standard())
	out := press(m, "q")
	if isQuit(out) {
		t.Fatal("q quit while typing an email")
	}
	typeText(m, "1?h")
	if !strings.Contains(screen(m), "q1?h") {
		t.Fatalf("the field did not get the keys:\n%s", screen(m))
	}
	if m.showHelp {
		t.Fatal("? opened help while typing")
	}
	press(m, "esc")
	press(m, "?")
	if !m.showHelp || !strings.Contains(screen(m), "Keys") {
		t.Fatalf("? with no field focused did not open help:\n%s", screen(m))
	}
	press(m, "?")
	if m.showHelp {
		t.Fatal("? did not close help")
	}
	if !isQuit(press(m, "q")) {
		t.Fatal("q with no field focused did not quit")
	}
}

func TestCtrlCAlwaysQuits(t *testing.T) {
	m := newModel(t, viewstest.Standard())
	if !isQuit(press(m, "ctrl+c")) {
		t.Fatal("ctrl+c did not quit from a focused field")
	}
}

func TestTooSmallAndResize(t *testing.T) {
	m, _ := signedInModel(t)
	for _, size := range [][2]int{{MinWidth - 1, 24}, {80, MinHeight - 1}, {40, 10}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		if !strings.Contains(screen(m), "too small") {
			t.Fatalf("%dx%d: no too-small message:\n%s", size[0], size[1], screen(m))
		}
	}
	// From 60 × 20 up the wallet draws, dropping columns below 80 × 24, never a line too wide.
	for _, size := range [][2]int{{MinWidth, MinHeight}, {70, 22}, {79, 23}, {80, 24}, {100, 30}, {132, 43}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		out := m.View().Content
		if strings.Contains(out, "too small") {
			t.Fatalf("%dx%d says too small", size[0], size[1])
		}
		lines := strings.Split(out, "\n")
		if len(lines) != size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Fatalf("%dx%d: line %d is %d wide: %q", size[0], size[1], i, w, ansi.Strip(l))
			}
		}
	}
}

func TestLongEmailNeverBreaksTheLayout(t *testing.T) {
	long := strings.Repeat("a", 60) + "@" + strings.Repeat("b", 50) + ".example.com"
	fc := viewstest.New(map[string]money.Micros{long: 5 * money.Scale, "ada@example.com": 1000 * money.Scale})
	fc.AddTx("ada@example.com", long, money.Scale, api.StatusCompleted, "漢字のメモ 🎉 wide memo", viewstest.Epoch)
	m := newModel(t, fc)
	fc.SignIn(long)
	settle(m, func() tea.Msg { return views.SignedInMsg{Session: fc.Session()} })
	for _, id := range views.SignedIn {
		m.switchTo(views.SwitchMsg{To: id})
		for i, l := range strings.Split(m.View().Content, "\n") {
			if w := ansi.StringWidth(l); w > 100 {
				t.Fatalf("%v: line %d is %d wide", id, i, w)
			}
		}
	}
}

func TestPrivacyAndSignOut(t *testing.T) {
	m, _ := signedInModel(t)
	press(m, "h")
	if !m.Common().Privacy || !strings.Contains(screen(m), "amounts hidden") {
		t.Fatal("h did not hide amounts")
	}
	if strings.Contains(screen(m), "250.00") {
		t.Fatal("privacy mode shows the balance")
	}
	press(m, "5", "s", "y")
	if m.Active() != views.LoginScreen || m.session.SignedIn {
		t.Fatal("s then y on Security did not sign out")
	}
	if m.Common().Privacy {
		t.Fatal("privacy mode outlived the session")
	}
	if !strings.Contains(screen(m), "signed out") {
		t.Fatalf("no signed-out notice:\n%s", screen(m))
	}
}

func TestResumeOpensSignedInAndDropsStaleAnswers(t *testing.T) {
	fc := viewstest.Standard()
	fc.Stored = "me@example.com"
	m := newModel(t, fc, func(o *Options) { o.Resume = true })
	// A stale answer (another request id) is dropped.
	m.Update(resumedMsg{reqID: 999, sess: client.Session{SignedIn: true, Email: "ada@example.com"}})
	if m.session.SignedIn {
		t.Fatal("a stale resume answer signed in")
	}
	settle(m, m.Init())
	if !m.session.SignedIn || m.Active() != views.DashboardScreen {
		t.Fatal("the stored session was not resumed")
	}
}

func TestKeyOverrides(t *testing.T) {
	fc := viewstest.Standard()
	m := newModel(t, fc, func(o *Options) { o.Keys = map[string][]string{"quit": {"x"}, "history": {"H"}} })
	signIn(t, m, fc)
	press(m, "H")
	if m.Active() != views.HistoryScreen {
		t.Fatal("the rebound history key did not work")
	}
	if !strings.Contains(screen(m), "x quit") {
		t.Fatalf("the help line does not follow the binding:\n%s", screen(m))
	}
	if isQuit(press(m, "q")) {
		t.Fatal("q still quits after rebinding")
	}
	if !isQuit(press(m, "x")) {
		t.Fatal("x does not quit")
	}
	bad := newModel(t, fc, func(o *Options) { o.Keys = map[string][]string{"qiut": {"x"}} })
	if !strings.Contains(screen(bad), "unknown action qiut") {
		t.Fatalf("an unknown action is not reported:\n%s", screen(bad))
	}
}

func TestBreakerShown(t *testing.T) {
	fc := viewstest.Standard()
	m := newModel(t, fc)
	fc.Breaker = client.BreakerOpen
	if !strings.Contains(screen(m), "breaker open") {
		t.Fatal("an open breaker is not shown")
	}
	fc.Breaker = client.BreakerClosed
	if strings.Contains(screen(m), "breaker") {
		t.Fatal("a closed breaker is shown")
	}
}

// payingModel is a signed-in model whose payment of 5 to ada is in flight (the fake holds it until
// the test ends).
func payingModel(t *testing.T) *Model {
	t.Helper()
	m, fc := signedInModel(t)
	toReview(t, m, "p", "ada@example.com", "5")
	block := make(chan struct{})
	fc.Block["Pay"] = block
	t.Cleanup(func() { close(block) })
	_, sendCmd := m.Update(keyMsg("y"))
	_ = sendCmd // left running: the payment is in flight
	return m
}

func TestQuitAsksWhileAPaymentIsInFlight(t *testing.T) {
	m := payingModel(t)
	if isQuit(press(m, "q")) {
		t.Fatal("q quit at once while a payment was in flight")
	}
	if !strings.Contains(screen(m), "A payment is being sent") {
		t.Fatalf("no question:\n%s", screen(m))
	}
	press(m, "n")
	if m.confirmQuit {
		t.Fatal("n did not dismiss the question")
	}
	press(m, "q")
	if !isQuit(press(m, "y")) {
		t.Fatal("y did not quit")
	}
}

// The help line names each key once: on the two-factor screen with the code field focused, esc
// is the root's "leave field", not also the screen's.
func TestMFAHelpLineNamesEscOnce(t *testing.T) {
	m := newModel(t, viewstest.Standard())
	settle(m, func() tea.Msg {
		return views.MFANeededMsg{Challenge: &client.MFAChallenge{ID: "ch-1", Email: "me@example.com",
			ExpiresAt: viewstest.Epoch.Add(5 * time.Minute)}}
	})
	if m.Active() != views.MFAScreen {
		t.Fatalf("active screen %v", m.Active())
	}
	lines := strings.Split(screen(m), "\n")
	help := lines[len(lines)-1]
	if n := strings.Count(help, "esc"); n != 1 {
		t.Fatalf("the help line names esc %d times: %q", n, help)
	}
}

// resize gives the model a new window size.
func resize(m *Model, w, h int) { m.Update(tea.WindowSizeMsg{Width: w, Height: h}) }

// body is the frame between the header and the status bar.
func body(m *Model) []string {
	lines := strings.Split(screen(m), "\n")
	return lines[1 : len(lines)-2]
}

// The full help shows every key of every screen at the smallest size: groups that do not fit
// side by side go on rows of their own, never cut to "…".
func TestFullHelpShowsEveryKeyAt80(t *testing.T) {
	m, _ := signedInModel(t)
	resize(m, 80, 24)
	for _, id := range views.SignedIn {
		m.switchTo(views.SwitchMsg{To: id})
		press(m, "esc") // out of the field a form screen focuses
		press(m, "?")
		if !m.showHelp {
			t.Fatalf("%v: ? did not open the help", id)
		}
		b := strings.Join(body(m), "\n")
		if strings.Contains(b, "…") || !strings.Contains(b, "ctrl+c") || !strings.Contains(b, "╰") {
			t.Fatalf("%v: the help is cut:\n%s", id, b)
		}
		g := m.keys.Global
		groups := append(m.screens[id].FullHelp(), []key.Binding{g.Dashboard, g.Security, g.PrevScreen,
			g.Redraw, g.LeaveField, g.ForceQuit})
		for _, grp := range groups {
			for _, k := range grp {
				if k.Enabled() && !strings.Contains(b, k.Help().Desc) {
					t.Errorf("%v: the help lacks %q (%s):\n%s", id, k.Help().Desc, k.Help().Key, b)
				}
			}
		}
		press(m, "?")
	}
}

// At 80 columns the header keeps the "amounts hidden" marker (the tabs get shorter), and the help
// line offers to show the amounts while they are hidden.
func TestPrivacyMarkerAndHelpAt80(t *testing.T) {
	m, _ := signedInModel(t)
	for _, w := range []int{80, 100} {
		resize(m, w, 24)
		press(m, "h")
		lines := strings.Split(screen(m), "\n")
		head, help := lines[0], lines[len(lines)-1]
		if !strings.Contains(head, "amounts hidden") || !strings.Contains(head, "Dashboard") {
			t.Fatalf("%d: the header lacks the marker or the active tab: %q", w, head)
		}
		if !strings.Contains(help, "h show amounts") {
			t.Fatalf("%d: the help line says %q while amounts are hidden", w, help)
		}
		press(m, "h")
		lines = strings.Split(screen(m), "\n")
		head, help = lines[0], lines[len(lines)-1]
		if strings.Contains(head, "amounts hidden") || !strings.Contains(head, "5 Security") ||
			!strings.Contains(help, "h hide amounts") {
			t.Fatalf("%d: after showing the amounts again: %q, %q", w, head, help)
		}
	}
	press(m, "h", "5", "s", "y")
	if m.session.SignedIn {
		t.Fatal("not signed out")
	}
	if d := m.keys.Global.Privacy.Help().Desc; d != "hide amounts" {
		t.Fatalf("after signing out the privacy key says %q", d)
	}
}

// At 80 columns the help line leaves out the screen's last keys rather than the global ones:
// "? help" (which shows everything) and the way out are always on it, and nothing is cut.
func TestHelpLineKeepsTheGlobalKeysAt80(t *testing.T) {
	fc := viewstest.Standard()
	m := newModel(t, fc)
	resize(m, 80, 24)
	lines := strings.Split(screen(m), "\n")
	if help := lines[len(lines)-1]; strings.Contains(help, "…") || !strings.Contains(help, "ctrl+c quit") ||
		!strings.Contains(help, "enter sign in") {
		t.Fatalf("sign-in help line at 80: %q", help)
	}
	signIn(t, m, fc)
	for _, k := range []string{"3", "5"} {
		press(m, k)
		lines := strings.Split(screen(m), "\n")
		help := lines[len(lines)-1]
		if strings.Contains(help, "…") || !strings.Contains(help, "? help") || !strings.Contains(help, "q quit") {
			t.Fatalf("screen %s help line at 80: %q", k, help)
		}
	}
}

// formFocused reports whether the active screen has a field with the focus.
func formFocused(m *Model) bool { return m.inputFocused() }

// A screen whose job is a form takes the focus into its field from every way in, so what is typed
// next is text: a q or a 5 in an address neither quits nor opens Security.
func TestFormScreensFocusFromEveryWayIn(t *testing.T) {
	ways := []struct {
		name string
		to   views.ID
		from string // keys pressed on the dashboard first (each ends with no field focused)
		keys []string
		link *views.SwitchMsg
	}{
		{name: "2", to: views.PayScreen, keys: []string{"2"}},
		{name: "tab", to: views.PayScreen, keys: []string{"tab"}},
		{name: "shift+tab", to: views.PayScreen, from: "3", keys: []string{"shift+tab"}},
		{name: "p", to: views.PayScreen, keys: []string{"p"}},
		{name: "link", to: views.PayScreen, link: &views.SwitchMsg{To: views.PayScreen, Recipient: "ada@example.com"}},
		{name: "4", to: views.TokensScreen, keys: []string{"4"}},
		{name: "tab", to: views.TokensScreen, from: "3", keys: []string{"tab"}},
		{name: "shift+tab", to: views.TokensScreen, from: "5", keys: []string{"shift+tab"}},
		{name: "link", to: views.TokensScreen, link: &views.SwitchMsg{To: views.TokensScreen}},
	}
	for _, w := range ways {
		fc := viewstest.Standard()
		m := newModel(t, fc)
		signIn(t, m, fc)
		if w.from != "" {
			press(m, w.from)
		}
		if w.link != nil {
			sw := *w.link
			settle(m, func() tea.Msg { return sw })
		}
		press(m, w.keys...)
		if m.Active() != w.to || !formFocused(m) {
			t.Errorf("%v by %s: active %v, field focused %v", w.to, w.name, m.Active(), formFocused(m))
			continue
		}
		lines := strings.Split(screen(m), "\n")
		if help := lines[len(lines)-1]; !strings.Contains(help, "esc leave field") {
			t.Errorf("%v by %s: the help line does not say how to leave the field: %q", w.to, w.name, help)
		}
		out := press(m, "q")
		typeText(m, "5?h1quentin")
		if isQuit(out) || m.Active() != w.to || m.showHelp || m.Common().Privacy {
			t.Errorf("%v by %s: a key typed into the field acted (quit %v, active %v)", w.to, w.name, isQuit(out), m.Active())
		}
		if !strings.Contains(screen(m), "q5?h1quentin") {
			t.Errorf("%v by %s: the field did not get the text:\n%s", w.to, w.name, screen(m))
		}
		// esc leaves the field, and the number keys move again.
		press(m, "esc", "3")
		if m.Active() != views.HistoryScreen {
			t.Errorf("%v by %s: esc then 3 went to %v", w.to, w.name, m.Active())
		}
	}
}

// While the window is too small to draw, only quit and resize act: a y meant for nothing (the
// review is not on screen) sends nothing, and no key or paste reaches a screen.
func TestTooSmallDropsEveryKeyButQuit(t *testing.T) {
	m, fc := signedInModel(t)
	toReview(t, m, "2", "ada@example.com", "5")
	resize(m, MinWidth-4, MinHeight-2) // below the smallest size drawn
	out := press(m, "y", "enter", "esc", "3", "tab", "h", "?", "ctrl+l")
	settle(m, func() tea.Msg { return tea.PasteMsg{Content: "y"} })
	if n := fc.CountCalls("Pay"); n != 0 {
		t.Fatalf("%d payments sent while the window was too small", n)
	}
	if len(out) != 0 || m.Active() != views.PayScreen || m.showHelp || m.Common().Privacy {
		t.Fatalf("keys acted while too small: %v, active %v", out, m.Active())
	}
	resize(m, 100, 30)
	if !strings.Contains(screen(m), "Review payment") {
		t.Fatalf("the review did not come back:\n%s", screen(m))
	}
	press(m, "y")
	if n := fc.CountCalls("Pay"); n != 1 {
		t.Fatalf("y on the review shown sent %d payments", n)
	}
	resize(m, MinWidth-4, MinHeight-2) // below the smallest size drawn
	if !isQuit(press(m, "q")) {
		t.Fatal("q did not quit while too small")
	}
}

// q while a payment is in flight and the window too small: the question is drawn on the
// too-small notice, and only its answers act.
func TestTooSmallQuitAsksWhileAPaymentIsInFlight(t *testing.T) {
	m := payingModel(t)
	resize(m, 60, 16)
	if !strings.Contains(screen(m), "A payment is being sent.") {
		t.Fatalf("the too-small notice does not say a payment is on its way:\n%s", screen(m))
	}
	if isQuit(press(m, "q")) {
		t.Fatal("q quit at once while a payment was in flight")
	}
	if s := screen(m); !strings.Contains(s, "quit anyway?") || !strings.Contains(s, "y quit anyway") {
		t.Fatalf("no question on the too-small notice:\n%s", s)
	}
	press(m, "n")
	if m.confirmQuit {
		t.Fatal("n did not dismiss the question")
	}
	if isQuit(press(m, "y")) {
		t.Fatal("y quit without a question")
	}
	press(m, "q")
	if !isQuit(press(m, "y")) {
		t.Fatal("y did not quit")
	}
}

// ctrl+l redraws, as in shells, vim, less and htop: the session, the screen and a field's text
// stay; signing out is on the Security screen (s, then y).
func TestCtrlLRedrawsAndKeepsTheSession(t *testing.T) {
	m, fc := signedInModel(t)
	for _, where := range []string{"dashboard", "pay field"} {
		if where == "pay field" {
			press(m, "2")
			typeText(m, "ada")
		}
		active := m.Active()
		_, cmd := m.Update(keyMsg("ctrl+l"))
		if cmd == nil || !reflect.DeepEqual(cmd(), tea.ClearScreen()) {
			t.Fatalf("%s: ctrl+l did not clear the screen", where)
		}
		if !m.session.SignedIn || m.Active() != active || fc.CountCalls("Logout") != 0 {
			t.Fatalf("%s: ctrl+l ended the session or moved (active %v)", where, m.Active())
		}
		if where == "pay field" && !strings.Contains(screen(m), "› ada") {
			t.Fatalf("ctrl+l lost the field's text:\n%s", screen(m))
		}
	}
	press(m, "esc", "5", "s")
	if !strings.Contains(screen(m), "Sign out of me@example.com?") {
		t.Fatalf("s on Security does not ask:\n%s", screen(m))
	}
	press(m, "enter", "x", "s", "ctrl+l")
	if !m.session.SignedIn || fc.CountCalls("Logout") != 0 {
		t.Fatal("a key other than y signed out")
	}
	press(m, "n")
	if !m.session.SignedIn || !strings.Contains(screen(m), "Sign out everywhere") {
		t.Fatalf("n did not go back to the menu:\n%s", screen(m))
	}
	press(m, "s", "y")
	if m.session.SignedIn || m.Active() != views.LoginScreen || fc.CountCalls("Logout") != 1 {
		t.Fatalf("y did not sign out once (Logout calls %d)", fc.CountCalls("Logout"))
	}
	if !strings.Contains(screen(m), "You are signed out.") {
		t.Fatalf("no signed-out notice:\n%s", screen(m))
	}
}
