package views

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/boombuler/barcode"

	"github.com/syftbox/syftwallet/theme"
)

// Drawing the two-factor enrolment's QR code in a terminal, and its secret for typing.

// qrQuiet is the light margin around the code, in modules (the standard asks for 4; 2 reads well
// on phones and keeps the code inside 100×30).
const qrQuiet = 2

// QRLines draws a QR code with half-block characters, two modules a cell high, light margin
// included. dark says the terminal's background is dark: then light modules are drawn as blocks.
// It returns the lines and their width.
func QRLines(code barcode.Barcode, quiet int, dark bool) ([]string, int) {
	b := code.Bounds()
	n := b.Dx()
	size := n + 2*quiet
	isDark := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		if x < 0 || y < 0 || x >= n || y >= n {
			return false
		}
		return luminance(code.At(b.Min.X+x, b.Min.Y+y)) < 0x8000
	}
	ink := func(x, y int) bool {
		if y >= size {
			return dark // below the code: background
		}
		return isDark(x, y) != dark
	}
	var lines []string
	for y := 0; y < size; y += 2 {
		var sb strings.Builder
		for x := 0; x < size; x++ {
			top, bot := ink(x, y), ink(x, y+1)
			switch {
			case top && bot:
				sb.WriteRune('█')
			case top:
				sb.WriteRune('▀')
			case bot:
				sb.WriteRune('▄')
			default:
				sb.WriteRune(' ')
			}
		}
		lines = append(lines, sb.String())
	}
	return lines, size
}

func luminance(c color.Color) uint32 {
	r, g, bl, _ := c.RGBA()
	return (r + g + bl) / 3
}

// qrView draws the code to fit w×h, or says why it cannot (false: nothing to draw, or too big).
func qrView(t *theme.Theme, code barcode.Barcode, w, h int) (string, bool) {
	if code == nil {
		return "", false
	}
	for _, quiet := range []int{qrQuiet, 1} {
		if _, mono := t.Fg.(lipgloss.NoColor); mono || t.Name == theme.Mono {
			lines, size := QRLines(code, quiet, t.Dark)
			if size <= w && len(lines) <= h {
				return strings.Join(lines, "\n"), true
			}
			continue
		}
		// In colour: black modules on white, whatever the terminal's background.
		lines, size := QRLines(code, quiet, false)
		if size <= w && len(lines) <= h {
			st := lipgloss.NewStyle().Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#FFFFFF"))
			for i, l := range lines {
				lines[i] = st.Render(l)
			}
			return strings.Join(lines, "\n"), true
		}
	}
	return "", false
}

// GroupSecret writes a base32 secret in groups of four, for typing.
func GroupSecret(secret string) string {
	var parts []string
	for len(secret) > 4 {
		parts = append(parts, secret[:4])
		secret = secret[4:]
	}
	return strings.Join(append(parts, secret), " ")
}
