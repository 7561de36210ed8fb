package theme

import (
	"testing"

	"charm.land/lipgloss/v2"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestResolveHonoursNoColor(t *testing.T) {
	cases := []struct {
		name   string
		getenv func(string) (string, bool)
		want   string
	}{
		{"default", env(), Default},
		{"high-contrast", env(), HighContrast},
		{"nonsense", env(), Default},
		{"default", env("NO_COLOR", "1"), Mono},
		{"high-contrast", env("NO_COLOR", "anything"), Mono},
		{"default", env("NO_COLOR", ""), Default}, // set but empty: not honoured (no-color.org)
		{"mono", nil, Mono},
	}
	for _, c := range cases {
		if got := Resolve(c.name, c.getenv); got != c.want {
			t.Errorf("Resolve(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestThemesDifferByBackground(t *testing.T) {
	for _, name := range []string{Default, HighContrast} {
		dark, light := New(name, true), New(name, false)
		if dark.Fg == light.Fg {
			t.Errorf("%s: the text colour does not follow the background", name)
		}
	}
}

func TestMonoHasNoColour(t *testing.T) {
	th := New(Mono, true)
	for _, c := range []any{th.Fg, th.AccentFg, th.PositiveFg, th.NegativeFg} {
		if _, ok := c.(lipgloss.NoColor); !ok {
			t.Errorf("mono has a colour: %v", c)
		}
	}
	out := th.Positive.Render("+1.00") + th.Negative.Render("-1.00") + th.Panel.Render("x")
	for i := 0; i+1 < len(out); i++ {
		if out[i] == '\x1b' && (containsAt(out, i, "[38;") || containsAt(out, i, "[48;")) {
			t.Fatalf("mono output carries a colour: %q", out)
		}
	}
}

func containsAt(s string, i int, sub string) bool {
	return len(s) >= i+1+len(sub) && s[i+1:i+1+len(sub)] == sub
}

func TestDarkFromEnv(t *testing.T) {
	for v, dark := range map[string]bool{
		"": true, "15;0": true, "0;15": false, "0;7": false, "15;8": true, "12;default;4": true,
		"0;default;15": false, "junk": true, "0;99": true,
	} {
		env := func(k string) (string, bool) { return v, k == "COLORFGBG" && v != "" }
		if got := DarkFromEnv(env); got != dark {
			t.Errorf("COLORFGBG=%q: dark %v, want %v", v, got, dark)
		}
	}
	if !DarkFromEnv(nil) {
		t.Error("no environment: want dark")
	}
}
