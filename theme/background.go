package theme

import (
	"strconv"
	"strings"
)

// DarkFromEnv guesses the terminal's background before (or instead of) its answer to the OSC 11
// question, from COLORFGBG ("15;0": foreground 15 on background 0), which rxvt, Konsole, iTerm2
// and others set and which terminals that never answer OSC 11 often still have. Background 0-6
// and 8 are dark, 7 and 9-15 light (the xterm palette). Without a readable COLORFGBG it says dark,
// the more common case. getenv may be nil.
func DarkFromEnv(getenv func(string) (string, bool)) bool {
	if getenv == nil {
		return true
	}
	v, ok := getenv("COLORFGBG")
	if !ok || v == "" {
		return true
	}
	parts := strings.Split(v, ";")
	bg, err := strconv.Atoi(strings.TrimSpace(parts[len(parts)-1]))
	if err != nil || bg < 0 || bg > 15 {
		return true
	}
	return bg <= 6 || bg == 8
}
