package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// helpKeys are the keys the help line names, one entry per key ("n/esc edit" names n and esc).
func helpKeys(m *Model) []string {
	lines := strings.Split(screen(m), "\n")
	var keys []string
	for _, item := range strings.Split(lines[len(lines)-1], "•") {
		f := strings.Fields(item)
		if len(f) == 0 {
			continue
		}
		keys = append(keys, strings.Split(f[0], "/")...)
	}
	return keys
}

// helpLine is the last line of the frame.
func helpLine(m *Model) string {
	lines := strings.Split(screen(m), "\n")
	return lines[len(lines)-1]
}

// The help line gives each key one meaning: the one it has. On the review of a payment above the
// threshold the amount field is focused and esc goes back to the form, so the line must not
// also say "esc leave field"; the same holds on every screen and state walked here.
func TestHelpLineNamesEachKeyOnce(t *testing.T) {
	fc := viewstest.Standard()
	fc.AddAccount("me@example.com", 5000*money.Scale)
	m := newModel(t, fc)
	signIn(t, m, fc)
	check := func(where string) {
		t.Helper()
		seen := map[string]bool{}
		for _, k := range helpKeys(m) {
			if seen[k] {
				t.Errorf("%s: the help line names %s twice: %q", where, k, helpLine(m))
			}
			seen[k] = true
		}
	}
	press(m, "2")
	check("pay form")
	typeText(m, "ada@example.com")
	press(m, "tab")
	typeText(m, "1250")
	press(m, "enter")
	if !strings.Contains(screen(m), "type the amount again") {
		t.Fatalf("no confirmation field on the review:\n%s", screen(m))
	}
	check("review above the threshold")
	if strings.Contains(helpLine(m), "leave field") {
		t.Errorf("the review's help says esc leaves the field; esc goes back to the form: %q", helpLine(m))
	}
	press(m, "esc")
	if !strings.Contains(screen(m), "Pay someone") {
		t.Fatalf("esc on the review did not go back to the form:\n%s", screen(m))
	}
	press(m, "esc", "4")
	check("tokens")
	press(m, "esc", "3", "/")
	check("history filter")
	press(m, "esc", "esc", "5")
	check("security menu")
	press(m, "p")
	check("security password form")
	// esc there goes back to the menu (what was typed is dropped): the line says so.
	if help := helpLine(m); strings.Contains(help, "leave field") || !strings.Contains(help, "esc back") {
		t.Errorf("the password form's help does not say what esc does: %q", help)
	}
	press(m, "esc")
	if !strings.Contains(screen(m), "Sign out everywhere") {
		t.Fatalf("esc on the password form did not go back to the menu:\n%s", screen(m))
	}
}

// A terminal, and tmux within its escape-time (500 ms by default), sends esc followed at once by
// a key as that key with alt. esc then a number is how a person leaves a field for another
// screen, so alt+number does what esc, number does: it never vanishes, nor types into the field.
func TestAltNumberIsEscThenNumber(t *testing.T) {
	m, _ := signedInModel(t)
	press(m, "2")
	typeText(m, "ada")
	press(m, "alt+3")
	if m.Active() != views.HistoryScreen {
		t.Fatalf("alt+3 in the recipient field went to %v, want History", m.Active())
	}
	press(m, "alt+2")
	if m.Active() != views.PayScreen || !strings.Contains(screen(m), "› ada") || strings.Contains(screen(m), "ada2") {
		t.Fatalf("alt+2 from History: active %v\n%s", m.Active(), screen(m))
	}
	// Nothing focused (History): alt+1 is esc then 1.
	press(m, "esc", "3", "alt+1")
	if m.Active() != views.DashboardScreen {
		t.Fatalf("alt+1 on History went to %v", m.Active())
	}
	// alt with another key is not split: alt+q is not esc then q.
	out := press(m, "alt+q")
	if isQuit(out) {
		t.Fatal("alt+q quit")
	}
}

// Where a person checks what they pay or were paid (the review, the Paid screen, History
// details), no toast is drawn over it: a toast that arrives meanwhile waits, with its whole
// life still ahead, and shows once the person has left.
func TestToastsWaitWhileThePersonChecks(t *testing.T) {
	m, _, _ := liveModel(t)
	resize(m, 80, 24)
	feed(m, events.Item{Kind: events.KindState, State: events.State{Phase: events.Live}})
	press(m, "2")
	typeText(m, longAddr)
	press(m, "tab")
	typeText(m, "12.50")
	press(m, "tab")
	typeText(m, longMemo)
	press(m, "enter")
	review := screen(m)
	if !strings.Contains(review, "Review payment") {
		t.Fatalf("no review:\n%s", review)
	}
	for i := range 3 {
		receive(m, int64(i+1), "tx-live-"+itoa(i), 1_250_000)
	}
	if s := screen(m); s != review || strings.Contains(s, "from ada@example.com") {
		t.Fatalf("toasts drawn over the review:\n%s", s)
	}
	// Longer than a toast lives: it waits, it does not expire unseen.
	later := viewstest.Epoch.Add(toastLife + time.Second)
	m.opts.Now = func() time.Time { return later }
	m.Update(tickMsg{})
	press(m, "n")
	m.Update(tickMsg{})
	if s := screen(m); !strings.Contains(s, "↓ +1.25 from ada@example.com") {
		t.Fatalf("the toasts that waited are not shown after the review:\n%s", s)
	}
	// History details hold them too.
	press(m, "esc", "3", "enter")
	if !strings.Contains(screen(m), "esc closes") {
		t.Fatalf("no details:\n%s", screen(m))
	}
	receive(m, 9, "tx-live-9", 1_250_000)
	if strings.Contains(screen(m), "↓ +1.25") {
		t.Fatalf("a toast drawn over History details:\n%s", screen(m))
	}
	press(m, "esc")
	m.Update(tickMsg{})
	if !strings.Contains(screen(m), "↓ +1.25") {
		t.Fatalf("no toast after the details closed:\n%s", screen(m))
	}
}
