package views

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"

	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/views/components"
)

// InputStyles turns the theme into text input styles (components.InputStyles).
func InputStyles(t *theme.Theme) textinput.Styles { return components.InputStyles(t) }

// HelpStyles turns the theme into help styles.
func HelpStyles(t *theme.Theme) help.Styles {
	return help.Styles{
		Ellipsis: t.HelpSep, ShortKey: t.HelpKey, ShortDesc: t.HelpDesc, ShortSeparator: t.HelpSep,
		FullKey: t.HelpKey, FullDesc: t.HelpDesc, FullSeparator: t.HelpSep,
	}
}
