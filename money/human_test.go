package money_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/money/moneytest"
)

func TestParseHumanTable(t *testing.T) {
	for _, c := range moneytest.Cases {
		got, err := money.ParseHumanPositive(c.In)
		switch {
		case c.OK() && (err != nil || got != c.Want):
			t.Errorf("ParseHumanPositive(%q) = %s, %v; want %s", c.In, got, err, c.Want)
		case !c.OK() && (err == nil || !errors.Is(err, c.Err) || err.Error() != c.Says):
			t.Errorf("ParseHumanPositive(%q) = %s, %v; want the refusal %q (%v)", c.In, got, err, c.Says, c.Err)
		}
	}
}

// Zero is a fine filter bound; ParseHuman accepts it, and refuses everything else the same way.
func TestParseHumanAllowsZero(t *testing.T) {
	for _, s := range []string{"0", "0.00", "0,000", ".0"} {
		if m, err := money.ParseHuman(s); err != nil || m != 0 {
			t.Errorf("ParseHuman(%q) = %s, %v", s, m, err)
		}
	}
	for _, c := range moneytest.Cases {
		if errors.Is(c.Err, money.ErrNotPositive) {
			continue
		}
		got, err := money.ParseHuman(c.In)
		want, wantErr := money.ParseHumanPositive(c.In)
		if got != want || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("ParseHuman(%q) = %s, %v; ParseHumanPositive says %s, %v", c.In, got, err, want, wantErr)
		}
	}
}

// What the parser reads, money.Parse reads the same; and a refusal never shows a byte of the input
// that is not an ASCII digit, point, comma or a letter of the sentence around it.
func FuzzParseHuman(f *testing.F) {
	for _, c := range moneytest.Cases {
		f.Add(c.In)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := money.ParseHuman(s)
		if err == nil {
			if m < 0 || m > money.MaxAmount {
				t.Fatalf("%q read as %s", s, m)
			}
			back, err := money.Parse(strings.ReplaceAll(s, ",", ""))
			if err != nil || back != m {
				t.Fatalf("%q read as %s, but money.Parse says %s, %v", s, m, back, err)
			}
			return
		}
		var he *money.HumanError
		if !errors.As(err, &he) {
			t.Fatalf("%q: %T is not a HumanError", s, err)
		}
		for _, r := range he.Reason {
			if r > unicode.MaxASCII && r != '…' || unicode.IsControl(r) {
				t.Fatalf("%q: the refusal %q holds %U", s, he.Reason, r)
			}
		}
	})
}
