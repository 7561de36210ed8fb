package views

import "github.com/syftbox/syftwallet/views/components"

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
