package termsafe

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"coffee ☕ and 🍜, thanks", "coffee ☕ and 🍜, thanks"},
		{"Grüße aus Köln", "Grüße aus Köln"},
		{"مرحبا שלום", "مرحبا שלום"},
		{"\x1b]52;c;aGVsbG8=\x07", `\x1b]52;c;aGVsbG8=\x07`},
		{"\x1b]0;pwned\x1b\\", `\x1b]0;pwned\x1b\`},
		{"\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`},
		{"a\u009b31mb", `a\u009b31mb`},
		{"\u0085\u0080\u009f", `\u0085\u0080\u009f`},
		{"line\nnext\r\ttab", `line\nnext\r\ttab`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"\u202a\u202b\u202c\u202d\u202e", `\u202a\u202b\u202c\u202d\u202e`},
		{"\u2066x\u2067y\u2068z\u2069", `\u2066x\u2067y\u2068z\u2069`},
		{"\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"\u2028\u2029", `\u2028\u2029`},
		{"bad\xffbyte\xc3", `bad\xffbyte\xc3`},
		{"\xe2\x80", `\xe2\x80`},
		{"\xc2\x9b", `\u009b`}, // C1 CSI as UTF-8
		{`already \x1b escaped`, `already \x1b escaped`},
	} {
		if got := String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextKeepsLineFeeds(t *testing.T) {
	if got, want := Text("one\ntwo\r\n\x1b[Athree\t"), "one\ntwo\\r\n\\x1b[Athree\\t"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestSafeTextIsNotCopied(t *testing.T) {
	s := strings.Repeat("plain text ☕ ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = String(s) }); n != 0 {
		t.Errorf("String of safe text allocates %v times", n)
	}
}

func TestWriterHoldsASplitRune(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	for _, p := range []string{"caf", "\xc3", "\xa9 \xe2\x80", "\xae\x1b[2J", "\n", "\xf0\x9f"} {
		if n, err := w.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "café \\u202e\\x1b[2J\n\\xf0\\x9f"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// forbidden reports the first byte or rune of s that must not reach a terminal.
func forbidden(s string, newline bool) (string, bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return s[i : i+1], true
			}
		}
		if newline && r == '\n' {
			continue
		}
		if Unsafe(r) {
			return string(r), true
		}
	}
	return "", false
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]52;c;x\x07", "\u009b2J", "\u202e\u2066", "\xff\xfe", "a\nb\tc\r",
		"\xe2\x80", "\xc2", `\x1b`, "\U0001F600\u200d\U0001F600"} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, split uint8) {
		out := String(s)
		if bad, ok := forbidden(out, false); ok {
			t.Fatalf("String(%q) = %q holds %q", s, out, bad)
		}
		if String(out) != out {
			t.Fatalf("String is not idempotent on %q", s)
		}
		if IsSafe(s) != (out == s) {
			t.Fatalf("IsSafe(%q) = %v but String changed it: %v", s, IsSafe(s), out != s)
		}
		text := Text(s)
		if bad, ok := forbidden(text, true); ok {
			t.Fatalf("Text(%q) = %q holds %q", s, text, bad)
		}
		if strings.ReplaceAll(text, "\n", `\n`) != out {
			t.Fatalf("Text and String differ on more than line feeds: %q %q", text, out)
		}
		// The writer gives what Text gives, however the bytes are split into writes.
		var buf bytes.Buffer
		w := NewWriter(&buf)
		step := int(split%7) + 1
		for i := 0; i < len(s); i += step {
			_, _ = w.Write([]byte(s[i:min(i+step, len(s))]))
		}
		_ = w.Flush()
		if buf.String() != text {
			t.Fatalf("Writer split by %d gives %q, Text gives %q", step, buf.String(), text)
		}
	})
}
