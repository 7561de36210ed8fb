package views

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestCutAddress(t *testing.T) {
	for _, c := range []struct {
		name, in string
		w        int
		want     string
	}{
		{"fits", "ada@example.com", 20, "ada@example.com"},
		{"fits exactly", "ada@example.com", 15, "ada@example.com"},
		{"local part cut", "alexandra.konstantinopoulou@example.com", 20, "alexand…@example.com"},
		{"local part cut to one", "alexandra@example.com", 14, "a…@example.com"},
		{"domain too long: whole labels from the right",
			"ada@mail.internal.very-long-subdomain.example.com", 20, "a…@….example.com"},
		{"domain too long: the top-level domain", "ada@averyveryverylongdomainlabel.com", 10, "a…@….com"},
		{"no whole label fits: its end", "ada@bbbbbbbbbbbbbbbbbb.museum", 7, "a…@…eum"},
		{"one-letter local part", "a@mail.internal.very-long-subdomain.example.com", 16, "a@….example.com"},
		{"wide local part", "日本語ユーザー@example.com", 16, "日…@example.com"},
		{"wide local part, domain cut", "日本語ユーザー@mail.example.com", 12, "日…@….com"},
		{"wide domain end", "ada@ドメインドメインドメイン.jp", 9, "a…@….jp"},
		{"width 4", "ada@example.com", 4, "ada…"},
		{"width 1", "ada@example.com", 1, "…"},
		{"width 0", "ada@example.com", 0, ""},
		{"not an address", "SYSTEM-ACCOUNT", 8, "SYSTEM-…"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := CutAddress(c.in, c.w)
			if got != c.want {
				t.Errorf("CutAddress(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
			}
			if n := ansi.StringWidth(got); n > max(c.w, 0) {
				t.Errorf("CutAddress(%q, %d) is %d cells wide", c.in, c.w, n)
			}
		})
	}
}

// Every width from 0 to whole: never wider than asked, and from 5 cells on, a cut address keeps
// the end of its domain (from 8 cells, its whole top-level domain).
func TestCutAddressEveryWidth(t *testing.T) {
	for _, s := range []string{
		"ada@example.com", "alexandra.konstantinopoulou@payments.example.co.uk", "日本語ユーザー@example.com",
		"x@y.io", "a.very.long.local.part.indeed@finance.department.university-of-somewhere.example.org",
	} {
		for w := 0; w <= ansi.StringWidth(s)+1; w++ {
			got := CutAddress(s, w)
			if n := ansi.StringWidth(got); n > w {
				t.Fatalf("CutAddress(%q, %d) = %q: %d cells", s, w, got, n)
			}
			if got != s && w > 0 && !strings.Contains(got, "…") {
				t.Fatalf("CutAddress(%q, %d) = %q: cut without saying so", s, w, got)
			}
			tld := s[strings.LastIndexByte(s, '.'):]
			if w >= 5 && !strings.HasSuffix(got, s[len(s)-1:]) || w >= 8 && !strings.HasSuffix(got, tld) {
				t.Fatalf("CutAddress(%q, %d) = %q lost the end of the domain", s, w, got)
			}
		}
	}
}

func TestWithAddressCutsTheAddressFirst(t *testing.T) {
	got := WithAddress("Paid 12.50 to ", "alexandra.konstantinopoulou@example.com", ".", 40)
	if want := "Paid 12.50 to alexandra.konst…@example.com."; ansi.StringWidth(got) > 40 || !strings.HasSuffix(got, "@example.com.") {
		t.Fatalf("WithAddress = %q (%d cells), want the domain kept, like %q", got, ansi.StringWidth(got), want)
	}
	if got := WithAddress("", "grace@example.com", " drew 7.00 on your token: pending in History", 40); !strings.HasPrefix(got, "grace@example.com drew") {
		t.Fatalf("the text after the address must go before the address: %q", got)
	}
}

func TestWrapKeepsEveryCharacter(t *testing.T) {
	addr := strings.Repeat("abcdefghij", 22) + "@example.org"
	lines := WrapAddress(addr, 37)
	for _, l := range lines {
		if ansi.StringWidth(l) > 37 {
			t.Fatalf("line %q is wider than 37", l)
		}
	}
	if strings.Join(lines, "") != addr {
		t.Fatalf("WrapAddress lost characters: %q", lines)
	}
	memo := "a memo with a verylongwordthatdoesnotfitonanylineatall and ☕ wide 日本語のメモ characters"
	got := WrapText(memo, 12)
	for _, l := range got {
		if ansi.StringWidth(l) > 12 {
			t.Fatalf("line %q is wider than 12", l)
		}
	}
	if strings.ReplaceAll(strings.Join(got, ""), " ", "") != strings.ReplaceAll(memo, " ", "") {
		t.Fatalf("WrapText lost characters: %q", got)
	}
}
