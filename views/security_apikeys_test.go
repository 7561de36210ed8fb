package views

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// twoKeys are the keys the list tests start with: one with a limit, used; one never used.
func twoKeys() []api.APIKey {
	limit := money.Micros(50 * money.Scale)
	used := api.At(viewstest.Epoch.Add(-3 * time.Hour))
	return []api.APIKey{
		{ID: "key-ci", Name: "ci", Scopes: []string{"read", "pay"},
			SpendLimit: &api.SpendLimit{Amount: &limit, Period: api.PeriodDay}, SpentInPeriod: 12_500_000,
			ExpiresAt: api.At(viewstest.Epoch.Add(90 * 24 * time.Hour)), CreatedAt: api.At(viewstest.Epoch.Add(-24 * time.Hour)),
			LastUsedAt: &used},
		{ID: "key-reports", Name: "reports", Scopes: []string{"read"},
			ExpiresAt: api.At(viewstest.Epoch.Add(300 * 24 * time.Hour)), CreatedAt: api.At(viewstest.Epoch.Add(-48 * time.Hour))},
	}
}

// a opens the list: name, scopes, limit, spent, last used of each key.
func TestSecurityAPIKeysList(t *testing.T) {
	fc := newFake()
	fc.APIKeys = twoKeys()
	s := newSecurity(t, fc)
	sc, _ := press(s, "a")
	if s.State() != "keys" || fc.CountCalls("ListAPIKeys") != 1 {
		t.Fatalf("a: state %s, calls %v", s.State(), fc.Calls())
	}
	out := plain(sc)
	for _, want := range []string{"API keys", "NAME", "SCOPES", "LIMIT", "SPENT", "LAST USED",
		"ci", "read,pay", "50.00 a day", "12.50", "3h ago", "reports", "never", "none", "n new key", "x revoke"} {
		if !strings.Contains(out, want) {
			t.Errorf("the list lacks %q:\n%s", want, out)
		}
	}
	for i, l := range strings.Split(sc.View(), "\n") {
		if w := Width(l); w > 98 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
	sc, _ = press(sc, "esc")
	if s.State() != "menu" {
		t.Fatalf("esc: %s", s.State())
	}
}

// n creates a key from the form; the key is shown whole, once, c sends it to the clipboard, and
// leaving forgets it.
func TestSecurityAPIKeyCreate(t *testing.T) {
	fc := newFake()
	s := newSecurity(t, fc)
	sc, _ := press(s, "a")
	if !strings.Contains(plain(sc), "No API keys yet") {
		t.Fatalf("an empty list says so:\n%s", plain(sc))
	}
	for _, b := range s.ShortHelp() {
		if b.Help().Key == "x" || b.Help().Desc == "down" {
			t.Fatalf("the help offers %q with no keys to act on", b.Help().Desc)
		}
	}
	sc, _ = press(sc, "n")
	if s.State() != "keyform" || !s.InputFocused() {
		t.Fatalf("n: state %s", s.State())
	}
	sc = typeText(sc, "ci")
	sc, _ = press(sc, "tab")
	sc = typeText(sc, ",pay")
	sc, _ = press(sc, "tab")
	sc = typeText(sc, "0,50/day") // a decimal comma is refused, as everywhere
	sc, _ = press(sc, "enter")
	if fc.CountCalls("CreateAPIKey") != 0 || !strings.Contains(s.keys.form.Fields[2].Err, "0.50") {
		t.Fatalf("a limit with a decimal comma: calls %v, err %q", fc.Calls(), s.keys.form.Fields[2].Err)
	}
	s.keys.form.Fields[2].Input.SetValue("50.00/day")
	sc, _ = press(sc, "tab")
	sc = submit(sc, "90d")
	if s.State() != "keyshown" || fc.CountCalls("CreateAPIKey") != 1 {
		t.Fatalf("enter: state %s, calls %v, errs %q", s.State(), fc.Calls(), s.keys.form.Fields[3].Err)
	}
	sc = shownStaysForAMoment(t, s, sc)
	k := fc.APIKeys[0]
	if k.Name != "ci" || !slices.Equal(k.Scopes, []string{"read", "pay"}) || k.SpendLimit == nil ||
		*k.SpendLimit.Amount != 50*money.Scale || k.SpendLimit.Period != "day" ||
		!k.ExpiresAt.Equal(viewstest.Epoch.Add(90*24*time.Hour)) {
		t.Fatalf("created %+v", k)
	}
	whole := "swk_" + strings.Repeat(k.ID, 8)
	out := squeezed(plain(sc))
	if !strings.Contains(out, whole) || !strings.Contains(plain(sc), "shown only this once") {
		t.Fatalf("the key is not shown whole:\n%s", plain(sc))
	}
	var cmd tea.Cmd
	sc, cmd = sc.Update(keyMsg("c"))
	msgs := exec(cmd)
	txt, ok := clipboardText(msgs)
	if !ok || !strings.Contains(txt, whole) {
		t.Fatalf("c should send the key to the clipboard: %v", msgs)
	}
	if toast, ok := hasMsg[ToastMsg](msgs); !ok || !strings.Contains(toast.Text, "sent to the terminal's clipboard") {
		t.Fatalf("the toast: %v", msgs)
	}
	if !strings.Contains(plain(sc), "Sent to the terminal's clipboard") {
		t.Fatalf("the screen does not say where the key went:\n%s", plain(sc))
	}
	sc, _ = press(sc, "enter")
	if s.State() != "keys" || s.keys.created.Key != "" || strings.Contains(squeezed(plain(sc)), whole) {
		t.Fatalf("after the key: state %s, key kept %q", s.State(), s.keys.created.Key)
	}
	if !strings.Contains(plain(sc), `Created the API key "ci"`) || !strings.Contains(plain(sc), "read,pay") {
		t.Fatalf("the list after creating:\n%s", plain(sc))
	}
}

// With two-factor on the form asks for a code, and a wrong one is said on the code field.
func TestSecurityAPIKeyCreateNeedsCode(t *testing.T) {
	fc := newFake()
	fc.SetMFA("me@example.com", true)
	s := newSecurity(t, fc)
	sc, _ := press(s, "a", "n")
	if !strings.Contains(plain(sc), "Code") {
		t.Fatalf("two-factor on: no code field:\n%s", plain(sc))
	}
	sc = submit(sc, "ci")
	if fc.CountCalls("CreateAPIKey") != 0 || s.keys.form.Focus != 4 || !strings.Contains(s.keys.form.Fields[4].Err, "6-digit") {
		t.Fatalf("no code: calls %v, focus %d", fc.Calls(), s.keys.form.Focus)
	}
	sc = submit(sc, "654321")
	if s.State() != "keyform" || !strings.Contains(s.keys.form.Fields[4].Err, "not valid") {
		t.Fatalf("a wrong code: state %s, err %q", s.State(), s.keys.form.Fields[4].Err)
	}
	sc = typeText(sc, "123456")
	press(sc, "enter")
	if s.State() != "keyshown" {
		t.Fatalf("the right code: state %s", s.State())
	}
}

// x revokes the selected key after a question that names it; only y acts.
func TestSecurityAPIKeyRevokeAsksFirst(t *testing.T) {
	fc := newFake()
	fc.APIKeys = twoKeys()
	s := newSecurity(t, fc)
	sc, _ := press(s, "a", "j", "x")
	if s.State() != "keyrevoke" || !strings.Contains(plain(sc), `Revoke the API key "reports"?`) {
		t.Fatalf("x should ask, naming the key:\n%s", plain(sc))
	}
	sc, _ = press(sc, "enter", "space", "x", "Y")
	if fc.CountCalls("RevokeAPIKey") != 0 || s.State() != "keyrevoke" {
		t.Fatalf("a key other than y or n acted: %s %v", s.State(), fc.Calls())
	}
	sc, _ = press(sc, "n")
	if s.State() != "keys" || fc.CountCalls("RevokeAPIKey") != 0 {
		t.Fatalf("n: %s %v", s.State(), fc.Calls())
	}
	sc, _ = press(sc, "x", "y")
	if fc.CountCalls("RevokeAPIKey") != 1 || len(fc.APIKeys) != 1 || fc.APIKeys[0].ID != "key-ci" {
		t.Fatalf("y: %v, keys %v", fc.Calls(), fc.APIKeys)
	}
	if out := plain(sc); !strings.Contains(out, `Revoked the API key "reports"`) || strings.Contains(out, "never") {
		t.Fatalf("the list after revoking:\n%s", out)
	}
}

// A key's name is the service's text: control sequences in it are shown escaped, never sent.
func TestSecurityAPIKeyNameEscaped(t *testing.T) {
	fc := newFake()
	fc.APIKeys = twoKeys()
	fc.APIKeys[0].Name = "ci\x1b]52;c;aGk=\x07"
	s := newSecurity(t, fc)
	sc, _ := press(s, "a")
	if v := sc.View(); strings.Contains(v, "\x1b]52") || strings.Contains(v, "\x07") {
		t.Fatalf("the name reached the terminal raw: %q", v)
	}
	sc, _ = press(sc, "x")
	if v := sc.View(); strings.Contains(v, "\x1b]52") {
		t.Fatalf("the question shows the name raw: %q", v)
	}
}

// squeezed is text without box borders, spaces and line breaks (a key cut over lines reads whole).
func squeezed(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '│' {
			return -1
		}
		return r
	}, s)
}

// A payment made with an API key names the key in its details; one made with a session does not
// show the line at all.
func TestHistoryDetailNamesTheAPIKey(t *testing.T) {
	fc := newFake()
	tx := fc.AddTx("me@example.com", "grace@example.com", 3*money.Scale, api.StatusCompleted, "from ci", viewstest.Epoch.Add(-time.Minute))
	fc.AddTx("me@example.com", "grace@example.com", 1*money.Scale, api.StatusCompleted, "by hand", viewstest.Epoch.Add(-time.Hour))
	fc.SetTxAPIKey(tx.ID, "key-ci")
	h, _ := newHistory(t, fc)
	var s Screen = h
	s, _ = press(s, "enter")
	if out := plain(s); !strings.Contains(out, "API key") || !strings.Contains(out, "key-ci") || !strings.Contains(out, "from ci") {
		t.Fatalf("the details of a payment made with a key:\n%s", out)
	}
	s, _ = press(s, "esc", "j", "enter")
	if out := plain(s); strings.Contains(out, "API key") || !strings.Contains(out, "by hand") {
		t.Fatalf("the details of a payment made by hand:\n%s", out)
	}
}
