package views

import "strings"

// glyphs is a three-row block font for the balance: digits, separators and the privacy mask.
var glyphs = map[rune][3]string{
	'0': {"█▀█", "█ █", "▀▀▀"},
	'1': {"▀█ ", " █ ", "▀▀▀"},
	'2': {"▀▀█", "█▀▀", "▀▀▀"},
	'3': {"▀▀█", " ▀█", "▀▀▀"},
	'4': {"█ █", "▀▀█", "  ▀"},
	'5': {"█▀▀", "▀▀█", "▀▀▀"},
	'6': {"█▀▀", "█▀█", "▀▀▀"},
	'7': {"▀▀█", "  █", "  ▀"},
	'8': {"█▀█", "█▀█", "▀▀▀"},
	'9': {"█▀█", "▀▀█", "▀▀▀"},
	'.': {" ", " ", "▀"},
	',': {" ", " ", "▜"},
	'-': {"   ", "▀▀▀", "   "},
	'•': {"   ", "▄▄▄", "   "},
	' ': {" ", " ", " "},
}

// BigText renders s in the block font, one space between glyphs; characters it has no glyph for
// are left out. It returns three lines.
func BigText(s string) string {
	var rows [3]strings.Builder
	first := true
	for _, r := range s {
		g, ok := glyphs[r]
		if !ok {
			continue
		}
		for i := range rows {
			if !first {
				rows[i].WriteByte(' ')
			}
			rows[i].WriteString(g[i])
		}
		first = false
	}
	return rows[0].String() + "\n" + rows[1].String() + "\n" + rows[2].String()
}

// sparkBars are the eight heights of one sparkline cell.
var sparkBars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as bars two rows high (sixteen heights), each value repeated per cells
// wide. Values whose known entry is false (days not loaded) are drawn as a dot on the bottom row.
// It returns the two rows, top first.
func Sparkline(values []int64, known []bool, per int) (top, bottom string) {
	if per < 1 {
		per = 1
	}
	lo, hi := int64(0), int64(0)
	seen := false
	for i, v := range values {
		if known != nil && !known[i] {
			continue
		}
		if !seen || v < lo {
			lo = v
		}
		if !seen || v > hi {
			hi = v
		}
		seen = true
	}
	var t, b strings.Builder
	for i, v := range values {
		tr, br := ' ', '·'
		if known == nil || known[i] {
			level := 8 // a flat line sits in the middle
			if hi > lo {
				level = int(float64(v-lo) / float64(hi-lo) * 15)
			}
			if level < 8 {
				br = sparkBars[level]
			} else {
				br, tr = '█', sparkBars[level-8]
			}
		}
		for range per {
			t.WriteRune(tr)
			b.WriteRune(br)
		}
	}
	return t.String(), b.String()
}
