package views

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/theme"
)

// InputStyles turns the theme into text input styles. The cursor does not blink: a blinking
// cursor redraws the screen twice a second for nothing.
func InputStyles(t *theme.Theme) textinput.Styles {
	var s textinput.Styles
	s.Focused = textinput.StyleState{
		Text: t.FieldText, Placeholder: t.FieldPlaceholder, Suggestion: t.Faint, Prompt: t.FieldPromptFocus,
	}
	s.Blurred = textinput.StyleState{
		Text: t.Muted, Placeholder: t.FieldPlaceholder, Suggestion: t.Faint, Prompt: t.FieldPrompt,
	}
	s.Cursor = textinput.CursorStyle{Color: t.AccentFg, Shape: tea.CursorBlock, Blink: false}
	if _, none := t.AccentFg.(lipgloss.NoColor); none {
		s.Cursor.Color = nil
	}
	return s
}

// HelpStyles turns the theme into help styles.
func HelpStyles(t *theme.Theme) help.Styles {
	return help.Styles{
		Ellipsis: t.HelpSep, ShortKey: t.HelpKey, ShortDesc: t.HelpDesc, ShortSeparator: t.HelpSep,
		FullKey: t.HelpKey, FullDesc: t.HelpDesc, FullSeparator: t.HelpSep,
	}
}

// NewSpinner returns the spinner every screen uses while it waits.
func NewSpinner(t *theme.Theme) spinner.Model {
	return spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(t.Accent))
}
