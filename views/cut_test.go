package views

import (
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// At the smallest window (80 columns, 78 for the screen) History's counterparty column is wide
// enough that an address at a short domain (grace@example.com) shows whole, and a longer one
// is cut keeping its domain (alexandra…@example.com), never to "a…@….com": who was paid is
// what the column is for, the memo is in the details.
func TestHistoryKeepsTheDomainAt80(t *testing.T) {
	fc := newFake()
	fc.AddAccount("alexandra.konstantinopoulou@example.com", 0)
	fc.AddTx("me@example.com", "grace@example.com", 40*money.Scale, api.StatusCompleted, "rent share", viewstest.Epoch)
	fc.AddTx("ada@example.com", "me@example.com", 5*money.Scale, api.StatusCompleted, "lunch", viewstest.Epoch)
	fc.AddTx("me@example.com", "alexandra.konstantinopoulou@example.com", 3*money.Scale, api.StatusCompleted, "", viewstest.Epoch)
	h, _ := newHistory(t, fc)
	h.SetSize(78, 21)
	out := plain(h)
	for _, want := range []string{"grace@example.com", "ada@example.com", "…@example.com"} {
		if !strings.Contains(out, want) {
			t.Errorf("History at 80 columns lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "@….com") {
		t.Errorf("History at 80 columns cut a domain:\n%s", out)
	}
}

// A filter's amount is read as the Pay screen reads it, and a filter means one thing: ">1 000"
// is the amount 1 000 (refused with the Pay screen's sentence), not "more than 1, with the text
// 000"; a number meant as text is quoted. An error names the word as typed, other scripts'
// digits included (the screen escapes control characters in it when it shows it).
func TestFilterAmountsReadAsPayReadsThem(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{">1 000", ">1 000: write 1000 (or 1,000): no spaces inside an amount."},
		{"lunch <12 500 in", "<12 500: write 12500 (or 12,500): no spaces inside an amount."},
		{">=1 000,50", ">=1 000,50: "},
		{">١٢", ">١٢: type the amount with the digits 0 to 9, like 12.50."},
		{"<１２", "<１２: type the amount with the digits 0 to 9, like 12.50."},
	} {
		_, err := ParseFilter(c.in, nil)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("ParseFilter(%q) = %v, want %q…", c.in, err, c.want)
		}
	}
	// A number quoted is text; a number after a word that is not an amount is text.
	q, err := ParseFilter(`>1 "000"`, nil)
	if err != nil || q.MinAmount != 1*money.Scale+1 || q.Q != "000" {
		t.Errorf(`>1 "000": %+v, %v`, q, err)
	}
	q, err = ParseFilter(`lunch 2026 >5`, nil)
	if err != nil || q.Q != "lunch 2026" || q.MinAmount != 5*money.Scale+1 {
		t.Errorf(`lunch 2026 >5: %+v, %v`, q, err)
	}
}
