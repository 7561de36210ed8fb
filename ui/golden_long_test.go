package ui

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// What a person checks is shown whole: a 220-character address and a 280-character memo on the
// review, the Paid screen and in History details, at the smallest window (80×24) and the usual
// one (100×30). Besides the golden frames, each frame must hold every character of both, in
// order, with nothing cut out.

const (
	longAddr = "alexandra.konstantinopoulou-papadimitriou.accounts-payable.team@payments.finance-and-accounting." +
		"international-research-collaboration.department-of-computational-sciences.university-of-somewhere-far-away." +
		"example-labs1.org"
	longMemo = "Quarterly settlement for the shared infrastructure costs ☕ of the research cluster: storage, " +
		"egress and the on-call rotation for October and November; see invoice INV-2026-1142 on the project page, " +
		"and please tell me if any line looks wrong before the end of the month. Thanks Ada"
)

func TestLongValuesAreValid(t *testing.T) {
	if n := len(longAddr); n != 220 {
		t.Fatalf("the address has %d characters, want 220", n)
	}
	if n := len([]rune(longMemo)); n != api.MaxMemoRunes {
		t.Fatalf("the memo has %d characters, want %d", n, api.MaxMemoRunes)
	}
	if got, err := api.NormalizeEmail("recipient", longAddr); err != nil || got != longAddr {
		t.Fatalf("NormalizeEmail(%q) = %q, %v", longAddr, got, err)
	}
	memo := longMemo
	if err := api.CheckMemo("memo", &memo); err != nil {
		t.Fatalf("CheckMemo: %v", err)
	}
}

// payLong fills the form with the long address and memo.
func payLong(t *testing.T, tm *teatest.TestModel, amount string) {
	fillPay(t, tm, longAddr, amount, longMemo, "enter")
}

func longScenes() []scene {
	addAccount := func(fc *viewstest.Client) { fc.AddAccount(longAddr, 10*money.Scale) }
	return []scene{
		{name: "pay-review-long", setup: addAccount, drive: paid(payLong, "12.50", "", "enter"), ready: "Review payment"},
		// The tallest review: the amount is above the threshold, so it is typed again.
		{name: "pay-review-long-large", setup: func(fc *viewstest.Client) {
			addAccount(fc)
			fc.AddTx("ada@example.com", "me@example.com", 2000*money.Scale, api.StatusCompleted, "invoice 42",
				viewstest.Epoch.Add(-40*24*time.Hour))
		}, drive: paid(payLong, "1,000", "", "enter"), ready: "type the amount again"},
		{name: "pay-done-long", setup: addAccount, drive: paid(payLong, "12.50", "", "enter", "Review payment", "y"), ready: "new payment"},
		{name: "history-detail-long", setup: func(fc *viewstest.Client) {
			addAccount(fc)
			fc.AddTx("me@example.com", longAddr, 12_500_000, api.StatusCompleted, longMemo, viewstest.Epoch.Add(-time.Minute))
		}, drive: onScreen("3", "row 1 of 7", "enter"), ready: "esc closes"},
	}
}

func TestGoldenLong(t *testing.T) {
	for _, sc := range longScenes() {
		for _, size := range [][2]int{{80, 24}, {100, 30}} {
			for _, dark := range []bool{true, false} {
				bg := "light"
				if dark {
					bg = "dark"
				}
				sc := sc
				sc.w, sc.h = size[0], size[1]
				sc.check = func(t *testing.T, out string) {
					whole := squeeze(out)
					if !strings.Contains(whole, squeeze(longAddr)) {
						t.Errorf("the address is not shown whole:\n%s", out)
					}
					if !strings.Contains(whole, squeeze(longMemo)) {
						t.Errorf("the memo is not shown whole:\n%s", out)
					}
					if strings.HasPrefix(sc.name, "pay-review") {
						for _, want := range []string{"Amount", "after", "y send"} {
							if !strings.Contains(out, want) {
								t.Errorf("the review lacks %q:\n%s", want, out)
							}
						}
					}
				}
				name := sc.name + "/" + itoa(size[0]) + "x" + itoa(size[1]) + "/" + bg
				t.Run(name, func(t *testing.T) { runScene(t, sc, dark) })
			}
		}
	}
}

// squeeze is the text of a frame without box borders, spaces and line breaks, so that a value
// wrapped over several lines of a panel reads as one string again.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || (r >= 0x2500 && r <= 0x257f) { // box drawing
			return -1
		}
		return r
	}, s)
}
