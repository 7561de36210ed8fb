package money

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseExact(t *testing.T) {
	cases := []struct {
		in   string
		want Micros
		err  error
	}{
		{"10", 10 * Scale, nil},
		{"10.5", 10_500_000, nil},
		{"10.50", 10_500_000, nil},
		{"0.000001", 1, nil},
		{"-0.000001", -1, nil},
		{"1e3", 1000 * Scale, nil},
		{"0.1", 100_000, nil},
		{"1.5000000", 1_500_000, nil},
		{"0.0000001", 0, ErrPrecision},
		{"1000000000000", MaxAmount, nil},
		{"99999999999999999999999", 0, ErrRange},
		{"abc", 0, ErrSyntax},
		{"", 0, ErrSyntax},
		{"1.2.3", 0, ErrSyntax},
		{"NaN", 0, ErrSyntax},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestFormatting(t *testing.T) {
	cases := []struct {
		m              Micros
		str, fixed, gr string
	}{
		{10_500_000, "10.5", "10.50", "10.50"},
		{1, "0.000001", "0.000001", "0.000001"},
		{-1_234_567_890_000, "-1234567.89", "-1234567.89", "-1,234,567.89"},
		{0, "0", "0.00", "0.00"},
		{100 * Scale, "100", "100.00", "100.00"},
	}
	for _, c := range cases {
		if s := c.m.String(); s != c.str {
			t.Errorf("String(%d) = %q want %q", c.m, s, c.str)
		}
		if s := c.m.Fixed(2); s != c.fixed {
			t.Errorf("Fixed(%d) = %q want %q", c.m, s, c.fixed)
		}
		if s := c.m.Grouped(); s != c.gr {
			t.Errorf("Grouped(%d) = %q want %q", c.m, s, c.gr)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var v struct{ A, B Micros }
	if err := json.Unmarshal([]byte(`{"A": 0.1, "B": "10.50"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 100_000 || v.B != 10_500_000 {
		t.Fatalf("got %+v", v)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"A":0.1,"B":10.5}` {
		t.Fatalf("marshal = %s", out)
	}
	if err := json.Unmarshal([]byte(`{"A": true}`), &v); err == nil {
		t.Fatal("bool accepted as amount")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "0.000001", "-5.25", "1e-6", "123456789.123456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(m.String())
		if err != nil || back != m {
			t.Fatalf("round trip %q -> %d -> %q -> %d, %v", s, m, m.String(), back, err)
		}
	})
}
