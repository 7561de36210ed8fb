package components

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/theme"
)

// Styled is whatever holds the theme in use now (the screens' shared state): a component asks
// it at draw time, so a theme change needs no copy.
type Styled interface {
	Styles() *theme.Theme
}

// InputStyles turns the theme into text input styles. The cursor does not blink: a blinking
// cursor redraws the screen twice a second for nothing. The placeholder is faint, so that an
// example ("123456") never reads as a typed value.
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

// InputView renders a text input with the cursor of an empty, focused input standing before
// its placeholder, not on the placeholder's first letter: the example ("123456") is drawn whole
// in the placeholder style, so no letter of it takes the cursor's colour and reads as typed. The
// width is the same either way.
func InputView(in textinput.Model) string {
	if in.Focused() && in.Value() == "" && in.Placeholder != "" {
		in.Placeholder = " " + in.Placeholder
	}
	return in.View()
}

// Field is one labelled text input with an inline error (or hint) under it.
type Field struct {
	Label string
	Input textinput.Model
	Err   string
	Hint  string
	// TextWidth is how wide the error or hint may be; 0 means as wide as the input.
	TextWidth int
}

// NewField returns a field styled by the theme.
func NewField(t *theme.Theme, label, placeholder string) *Field {
	in := textinput.New()
	in.Prompt = "› "
	in.Placeholder = placeholder
	in.SetStyles(InputStyles(t))
	return &Field{Label: label, Input: in}
}

// Secret makes the field show bullets instead of what is typed.
func (f *Field) Secret() *Field {
	f.Input.EchoMode = textinput.EchoPassword
	f.Input.EchoCharacter = '•'
	return f
}

// Value is the field's text.
func (f *Field) Value() string { return f.Input.Value() }

// View renders the label, the input and the error or hint under it, labelW cells for the label.
func (f *Field) View(s Styled, labelW int) string {
	t := s.Styles()
	lab := t.FieldLabel
	if f.Input.Focused() {
		lab = t.FieldLabelFocused
	}
	var b strings.Builder
	b.WriteString(lab.Render(Fit(f.Label, labelW)))
	b.WriteString(" ")
	b.WriteString(InputView(f.Input))
	pad := strings.Repeat(" ", labelW+1)
	width := f.Input.Width() + 2
	if f.TextWidth > 0 {
		width = f.TextWidth
	}
	switch {
	case f.Err != "":
		// An error is read whole (it says what to write instead): wrapped, never cut.
		for _, line := range strings.Split(ansi.Wrap("✗ "+f.Err, max(width, 10), ""), "\n") {
			b.WriteString("\n" + pad + t.Error.Render(line))
		}
	case f.Hint != "":
		b.WriteString("\n" + pad + t.Faint.Render(Trunc(f.Hint, width)))
	}
	return b.String()
}

// Form is an ordered set of fields with at most one focused, in the order given (tab and
// shift+tab follow it). Focus -1 means none: keys then go to the screen and the root (esc leaves
// a field).
type Form struct {
	Fields []*Field
	Focus  int
}

// NewForm returns a form with its first field focused: what is typed first goes there.
func NewForm(fields ...*Field) *Form {
	f := &Form{Fields: fields, Focus: -1}
	f.FocusOn(0)
	return f
}

// FocusOn focuses field i (or none when i is out of range).
func (f *Form) FocusOn(i int) tea.Cmd {
	var cmd tea.Cmd
	for j, fl := range f.Fields {
		if j == i {
			cmd = fl.Input.Focus()
		} else {
			fl.Input.Blur()
		}
	}
	if i < 0 || i >= len(f.Fields) {
		i = -1
	}
	f.Focus = i
	return cmd
}

// FocusField focuses the field fl (none when it is not one of the form's).
func (f *Form) FocusField(fl *Field) tea.Cmd {
	for i, x := range f.Fields {
		if x == fl {
			return f.FocusOn(i)
		}
	}
	return f.FocusOn(-1)
}

// FocusFirstEmpty focuses the first field with nothing in it, or the last one.
func (f *Form) FocusFirstEmpty() tea.Cmd {
	for i, fl := range f.Fields {
		if fl.Value() == "" {
			return f.FocusOn(i)
		}
	}
	return f.FocusOn(len(f.Fields) - 1)
}

// Next moves the focus down, wrapping.
func (f *Form) Next() tea.Cmd {
	if len(f.Fields) == 0 {
		return nil
	}
	return f.FocusOn((f.Focus + 1) % len(f.Fields))
}

// Prev moves the focus up, wrapping.
func (f *Form) Prev() tea.Cmd {
	if len(f.Fields) == 0 {
		return nil
	}
	i := f.Focus - 1
	if i < 0 {
		i = len(f.Fields) - 1
	}
	return f.FocusOn(i)
}

// Blur leaves the focused field.
func (f *Form) Blur() { f.FocusOn(-1) }

// Focused reports whether a field has the focus.
func (f *Form) Focused() bool { return f.Focus >= 0 }

// Current is the focused field, or nil.
func (f *Form) Current() *Field {
	if f.Focus < 0 {
		return nil
	}
	return f.Fields[f.Focus]
}

// Update passes msg to the focused field.
func (f *Form) Update(msg tea.Msg) tea.Cmd {
	fl := f.Current()
	if fl == nil {
		return nil
	}
	var cmd tea.Cmd
	fl.Input, cmd = fl.Input.Update(msg)
	return cmd
}

// SetWidth gives every input w cells for its text.
func (f *Form) SetWidth(w int) {
	for _, fl := range f.Fields {
		fl.Input.SetWidth(max(w, 4))
	}
}

// Restyle applies the current theme to every input.
func (f *Form) Restyle(s Styled) {
	for _, fl := range f.Fields {
		fl.Input.SetStyles(InputStyles(s.Styles()))
	}
}

// ClearErrors removes every inline error.
func (f *Form) ClearErrors() {
	for _, fl := range f.Fields {
		fl.Err = ""
	}
}

// SetError puts msg under the field with the label, or reports false when none has it.
func (f *Form) SetError(label, msg string) bool {
	for _, fl := range f.Fields {
		if strings.EqualFold(fl.Label, label) {
			fl.Err = msg
			return true
		}
	}
	return false
}

// View renders the fields one under the other.
func (f *Form) View(s Styled, labelW int) string {
	parts := make([]string, len(f.Fields))
	for i, fl := range f.Fields {
		parts[i] = fl.View(s, labelW)
	}
	return strings.Join(parts, "\n")
}
