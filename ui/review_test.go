package ui

import (
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views"
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
	fc := newFake()
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
}

// A terminal, and tmux within its escape-time (500 ms by default), sends esc followed at once by
// a key as that key with alt. esc then a number is how a person leaves a field for another
// screen, so alt+number does what esc, number does: it never vanishes, nor types into the field.
func TestAltNumberIsEscThenNumber(t *testing.T) {
	fc := newFake()
	m := newModel(t, fc)
	signIn(t, m, fc)
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
