// Package termsafe makes text that came from other people safe to write to a terminal.
//
// Memos, app names, organizations and addresses are written by other users, and a service's
// messages by whoever runs it. Such text may hold what a terminal acts on instead of showing:
// ESC and the sequences it starts (OSC 52 sets the clipboard, OSC 0 the window title, CSI moves
// the cursor or clears the screen), BEL, CR, NUL, DEL, the C1 controls (U+0080–U+009F, among
// them CSI U+009B), bytes that are not UTF-8, and the bidi overrides, isolates and marks that
// make a line read in another order than it is stored. String and Text replace each of them by
// a visible escape written in printable ASCII (`\x1b`, `\u009b`, `\u202e`, `\n`), so a person
// sees that something was there and the terminal does nothing with it.
//
// The output is printable text, so applying String or Text again changes nothing. A backslash
// in the input is left as it is: the escape is for showing text, not a reversible encoding.
//
// It knows nothing else: no terminal, no styles, no wire types, no other package of this module.
package termsafe

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Unsafe reports whether r must not reach a terminal as itself: a C0 control (tab and line
// feed included), DEL, a C1 control, a bidi override, embedding, isolate or mark (U+202A–U+202E,
// U+2066–U+2069, U+200E, U+200F, U+061C), or the line and paragraph separators U+2028/U+2029.
// The service refuses the same runes in text it stores (api.CheckPrintable).
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// String makes s safe to show on one line: every unsafe rune (Unsafe) and every byte that is
// not UTF-8 becomes a visible escape. Line feeds and tabs are escaped too (`\n`, `\t`).
func String(s string) string { return clean(s, false) }

// Text is String for text of several lines: it keeps line feeds and escapes everything else
// that String escapes (CR included, so a line cannot be overwritten).
func Text(s string) string { return clean(s, true) }

// IsSafe reports whether String would return s unchanged.
func IsSafe(s string) bool { return firstUnsafe(s, false) < 0 }

// firstUnsafe is the index of the first byte that needs an escape, or -1.
func firstUnsafe(s string, keepNewline bool) int {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if (b < 0x20 || b == 0x7f) && !(keepNewline && b == '\n') {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || Unsafe(r) {
			return i
		}
		i += n
	}
	return -1
}

func clean(s string, keepNewline bool) string {
	i := firstUnsafe(s, keepNewline)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n' && keepNewline:
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c == 0x7f:
				writeHex(&b, `\x`, uint32(c), 2)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeHex(&b, `\x`, uint32(c), 2)
		case Unsafe(r):
			writeHex(&b, `\u`, uint32(r), 4)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func writeHex(b *strings.Builder, prefix string, v uint32, width int) {
	h := strconv.FormatUint(uint64(v), 16)
	b.WriteString(prefix)
	for range width - len(h) {
		b.WriteByte('0')
	}
	b.WriteString(h)
}

// Writer passes what is written to it through Text: whatever the program prints, nothing
// reaches the underlying writer as a control sequence, and line feeds stay line feeds. A rune
// split across two writes is held back until it is whole; Flush writes what is held.
type Writer struct {
	w    io.Writer
	held []byte
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write escapes p and writes it. It reports len(p) on success, as io.Writer requires, even
// when the bytes written below are more (escapes) or fewer (a held-back partial rune).
func (w *Writer) Write(p []byte) (int, error) {
	buf := p
	if len(w.held) > 0 {
		buf = append(w.held, p...)
		w.held = nil
	}
	cut := len(buf)
	// Hold back the start of a rune that the next write may finish.
	for i := len(buf) - 1; i >= 0 && i > len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	if cut < len(buf) {
		w.held = append([]byte(nil), buf[cut:]...)
	}
	if cut > 0 {
		if _, err := io.WriteString(w.w, Text(string(buf[:cut]))); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes the bytes of an unfinished rune, escaped (they will never be finished).
func (w *Writer) Flush() error {
	if len(w.held) == 0 {
		return nil
	}
	s := string(w.held)
	w.held = nil
	_, err := io.WriteString(w.w, Text(s))
	return err
}
