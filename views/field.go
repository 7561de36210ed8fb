package views

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/views/components"
)

// Field and Form are the components' (views/components): a labelled input with its inline
// error, and an ordered set of them with one focus.
type (
	Field = components.Field
	Form  = components.Form
)

// NewField returns a field styled by the session's theme.
func NewField(c *Common, label, placeholder string) *Field {
	return components.NewField(c.Theme, label, placeholder)
}

// NewForm returns a form with its first field focused.
func NewForm(fields ...*Field) *Form { return components.NewForm(fields...) }

// formNav handles the keys every form of a screen shares: leave (the leave-field key, which
// calls leave) and the next and previous field. handled is false for any other key.
func formNav(c *Common, f *Form, msg tea.KeyPressMsg, leave func() tea.Cmd) (cmd tea.Cmd, handled bool) {
	k := c.Keys
	switch {
	case key.Matches(msg, k.Global.LeaveField):
		return leave(), true
	case key.Matches(msg, k.Form.Next):
		return f.Next(), true
	case key.Matches(msg, k.Form.Prev):
		return f.Prev(), true
	}
	return nil, false
}

// blur is formNav's leave for a form that stays on screen: the focus goes, nothing else.
func blur(f *Form) func() tea.Cmd { return func() tea.Cmd { f.Blur(); return nil } }

// typeIn types a key into the form's focused field and clears that field's inline error;
// nothing when no field has the focus.
func typeIn(f *Form, msg tea.Msg) tea.Cmd {
	if !f.Focused() {
		return nil
	}
	f.Current().Err = ""
	return f.Update(msg)
}
