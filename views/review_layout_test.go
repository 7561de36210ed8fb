package views

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// The tallest review there can be (the longest address, 280 wide characters of memo, an amount
// that must be typed again) in the smallest window: it scrolls the recipient and memo, never
// cuts them, and the amount, the balance after and the send key stay in view at every step.
func TestTallestReviewScrollsAndKeepsTheAmountInView(t *testing.T) {
	addr := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." +
		strings.Repeat("d", 53) + ".example"
	if len(addr) != api.MaxEmailLen {
		t.Fatalf("address of %d characters", len(addr))
	}
	if _, err := api.NormalizeEmail("recipient", addr); err != nil {
		t.Fatalf("not a valid address: %v", err)
	}
	var memo []rune // 280 different wide characters, so that no two lines of it look alike
	for i := range api.MaxMemoRunes {
		memo = append(memo, rune(0x4e00+i))
	}
	fc := newFake()
	seedHistory(fc)
	fc.AddTx("ada@example.com", "me@example.com", 2000*money.Scale, api.StatusCompleted, "", viewstest.Epoch.Add(-40*24*time.Hour))
	fc.SignIn("me@example.com")
	s := openPay(newCommon(t, fc), 78, 21) // the content area of an 80×24 terminal
	s = fillPay(s, addr, "1000", string(memo))
	s, _ = press(s, "enter")
	if !strings.Contains(plain(s), "Review payment") {
		t.Fatalf("no review:\n%s", plain(s))
	}
	// Scroll down line by line; the lines of the recipient and memo, in the order they were first
	// seen, must hold both whole.
	var values []string
	seen := map[string]bool{}
	for step := 0; step < 30; step++ {
		v := plain(s)
		if n := strings.Count(strings.TrimRight(v, "\n "), "\n") + 1; n > 21 {
			t.Fatalf("step %d: the review takes %d lines of 21", step, n)
		}
		for _, want := range []string{"Amount      1,000.00 USD", "after", "Again", "y send"} {
			if !strings.Contains(v, want) {
				t.Fatalf("step %d: %q is out of view:\n%s", step, want, v)
			}
		}
		lines := strings.Split(v, "\n")
		for _, line := range lines[2:] { // under the border and the title
			i, j := strings.Index(line, "┃ "), strings.LastIndex(line, " ┃")
			if i < 0 || j <= i {
				continue
			}
			inner := line[i+len("┃ ") : j]
			if strings.HasPrefix(inner, "Amount") {
				break
			}
			value := strings.TrimSpace(ansi.TruncateLeft(inner, 12, ""))
			if value == "" || strings.Contains(value, "more lines") || strings.Contains(value, "more above") || seen[value] {
				continue
			}
			seen[value] = true
			values = append(values, value)
		}
		s, _ = press(s, "j")
	}
	all := strings.Join(values, "")
	if !strings.Contains(all, addr) || !strings.Contains(all, string(memo)) {
		t.Fatalf("scrolling through the review does not show the whole recipient and memo:\n%s", strings.Join(values, "\n"))
	}
	if fc.CountCalls("Pay") != 0 {
		t.Fatal("scrolling sent the payment")
	}
	// Back up to the top.
	for range 30 {
		s, _ = press(s, "k")
	}
	if !strings.Contains(plain(s), "To          aaaa") {
		t.Fatalf("k does not scroll back to the top:\n%s", plain(s))
	}
}

// History details that do not fit the pane scroll by pages and say so; every line can be read.
func TestLongDetailsScroll(t *testing.T) {
	addr := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 60) + ".example"
	memo := strings.Repeat("a long memo ", api.MaxMemoRunes/12)
	fc := newFake()
	fc.AddTx("me@example.com", addr, 5*money.Scale, api.StatusCompleted, memo, viewstest.Epoch.Add(-time.Minute))
	fc.AddTx("me@example.com", "ada@example.com", 1*money.Scale, api.StatusCompleted, "", viewstest.Epoch.Add(-time.Hour))
	h, _ := newHistory(t, fc)
	h.SetSize(78, 21)
	s, _ := press(h, "enter")
	v := plain(s)
	if !strings.Contains(v, "more lines: pgdn/ctrl+d scrolls") || strings.Contains(v, "tx000001") {
		t.Fatalf("the details do not say they scroll:\n%s", v)
	}
	if !strings.Contains(squeeze(v), addr) {
		t.Fatalf("the address is not whole on the first page:\n%s", v)
	}
	s, _ = press(s, "pgdown", "pgdown")
	v = plain(s)
	if !strings.Contains(v, "tx000001") || !strings.Contains(v, "Metadata") || !strings.Contains(v, "more above") {
		t.Fatalf("pgdown does not show the end of the details:\n%s", v)
	}
	for _, line := range strings.Split(v, "\n")[4:5] {
		if strings.HasPrefix(strings.TrimPrefix(line, "│ "), "              ") {
			t.Fatalf("the first line shown continues a value without its label: %q", line)
		}
	}
	// Another transaction's details start at the top.
	s, _ = press(s, "j")
	if v := plain(s); !strings.Contains(v, "Amount") || !strings.Contains(v, "ada@example.com") {
		t.Fatalf("the next transaction's details do not start at the top:\n%s", v)
	}
	s, _ = press(s, "k")
	if v := plain(s); !strings.Contains(v, "Amount") {
		t.Fatalf("the scrolled details did not go back to the top for another row:\n%s", v)
	}
}

// squeeze is a frame's text without box borders, spaces and line breaks: a value wrapped over
// several lines of a panel reads as one string again.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || (r >= 0x2500 && r <= 0x257f) {
			return -1
		}
		return r
	}, s)
}
