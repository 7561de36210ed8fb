package components

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Confirm is a y/n question about one action, asked before it is done: it shows the question,
// what will happen, and the two keys with what each does. While the action runs it shows a
// spinner line instead of the keys.
type Confirm struct {
	// Question says what is asked, naming the amount and the other party.
	Question string
	// Effect says what happens on yes.
	Effect string
	// YesDesc and NoDesc say what the two answers do ("confirm", "keep it as it is").
	YesDesc, NoDesc string

	yes, no key.Binding
	open    bool
	working bool
}

// ConfirmAnswer is what a key did to an open prompt.
type ConfirmAnswer int

// The answers.
const (
	ConfirmNone ConfirmAnswer = iota // the key is not an answer
	ConfirmYes
	ConfirmNo
)

// NewConfirm returns a closed prompt answered with the two bindings.
func NewConfirm(yes, no key.Binding) Confirm { return Confirm{yes: yes, no: no} }

// Ask opens the prompt.
func (c *Confirm) Ask(question, effect, yesDesc, noDesc string) {
	c.Question, c.Effect, c.YesDesc, c.NoDesc = question, effect, yesDesc, noDesc
	c.open, c.working = true, false
}

// Open reports whether the prompt is shown (asking, or its action running).
func (c *Confirm) Open() bool { return c.open }

// Asking reports whether the prompt waits for y or n.
func (c *Confirm) Asking() bool { return c.open && !c.working }

// Working reports whether the action said yes to is running.
func (c *Confirm) Working() bool { return c.open && c.working }

// Start marks the action as running; Close ends the prompt.
func (c *Confirm) Start() { c.working = true }

// Close ends the prompt.
func (c *Confirm) Close() { c.open, c.working = false, false }

// Key reads a key while asking: yes, no (which closes the prompt), or neither.
func (c *Confirm) Key(msg tea.KeyPressMsg) ConfirmAnswer {
	if !c.Asking() {
		return ConfirmNone
	}
	switch {
	case key.Matches(msg, c.yes):
		return ConfirmYes
	case key.Matches(msg, c.no):
		c.Close()
		return ConfirmNo
	}
	return ConfirmNone
}

// Bindings are the two keys with what they do now, for the help line.
func (c *Confirm) Bindings() []key.Binding {
	y, n := c.yes, c.no
	y.SetHelp(y.Help().Key, c.YesDesc)
	n.SetHelp(n.Help().Key, c.NoDesc)
	return []key.Binding{y, n}
}

// YesKey and NoKey are the keys as the help names them.
func (c *Confirm) YesKey() string { return c.yes.Help().Key }

// NoKey is the no key as the help names it.
func (c *Confirm) NoKey() string { return c.no.Help().Key }
