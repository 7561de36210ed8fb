// Package uitest starts the whole wallet's model in a teatest program, as the ui golden frames and
// the app's end-to-end tests see it. It is apart from views/viewstest because teatest (through
// x/exp/golden) registers a global -update flag: a helper package that many test packages import
// must not, or each of them that has its own -update flag panics at start. Tests only; it knows
// nothing of the screens.
package uitest

import (
	"image/color"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// Program starts m in a teatest program at w×h in the 256-colour profile and tells it the
// terminal's background (black when dark, else white), as a terminal answering OSC 11 would:
// how the golden frames and the end-to-end tests see the wallet.
func Program(tb testing.TB, m tea.Model, w, h int, dark bool) *teatest.TestModel {
	tm := teatest.NewTestModel(tb, m, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ANSI256)))
	bg := color.Color(color.White)
	if dark {
		bg = color.Black
	}
	tm.Send(tea.BackgroundColorMsg{Color: bg})
	return tm
}
