package views

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// What the two-factor flows of the Security screen share: recovery codes shown once, the
// refusal of a code, and the live event of the person's own change.

// shownOnce is when a secret that is shown only once (recovery codes, a new API key) appeared.
// For shownSettle after that, a key that dismisses it is not taken: the code that asks for
// recovery codes is sent at its sixth digit, and an API key's form at an Enter that a slow answer
// invites to repeat, so an Enter typed out of habit would otherwise close the secret unseen.
type shownOnce struct{ since time.Time }

// shownSettle is how long a secret shown once stays whatever is typed.
const shownSettle = time.Second

// settled reports whether a key may dismiss the secret now.
func (s shownOnce) settled(now time.Time) bool { return now.Sub(s.since) >= shownSettle }

// shownCodes is a set of recovery codes shown once (turning two-factor on, or new codes), with
// the keys to copy them and to say they are stored.
type shownCodes struct {
	codes  []string
	copied bool
	shown  shownOnce
}

// key handles a key press; done is true once the person says the codes are stored (they are
// gone from memory then).
func (s *shownCodes) key(b *secBase, msg tea.KeyPressMsg) (cmd tea.Cmd, done bool) {
	k := b.c.Keys
	switch {
	case key.Matches(msg, k.Security.Copy):
		s.copied = true
		return CopyCmd("Codes", strings.Join(s.codes, "\n")), false
	case key.Matches(msg, k.Security.Open), key.Matches(msg, k.Security.Back):
		if !s.shown.settled(b.c.now()) {
			return nil, false
		}
		s.codes = nil // shown once: gone from memory too
		return nil, true
	}
	return nil, false
}

func (s *shownCodes) help(b *secBase) []key.Binding {
	k := b.c.Keys
	return []key.Binding{k.Security.Copy, withDesc(k.Security.Open, "done")}
}

// view is the warning panel with the codes, each whole: in two columns when both fit, else in
// one; where the window is too short for the explanations, a compact panel of the codes, what
// they are and the keys.
func (s *shownCodes) view(b *secBase, heading string) string {
	panel := s.panel(b, heading, false)
	if lipgloss.Height(panel) > b.height {
		panel = s.panel(b, heading, true)
	}
	return b.place(panel)
}

func (s *shownCodes) panel(b *secBase, heading string, compact bool) string {
	t := b.c.Theme
	k := b.c.Keys
	inner := b.inner()
	n := len(s.codes)
	half := (n + 1) / 2
	colW := (inner - 4) / 2
	twoCols := true
	for i, c := range s.codes {
		twoCols = twoCols && Width(fmt.Sprintf("%2d. %s", i+1, c)) <= colW
	}
	rows := n
	if twoCols {
		rows = half
	}
	gap := "\n\n"
	if compact {
		gap = "\n"
	}
	var body strings.Builder
	body.WriteString(t.Title.Render("Recovery codes") + gap)
	body.WriteString(t.Positive.Render(wrap(heading, inner)) + gap)
	if compact {
		body.WriteString(t.Warning.Render(wrap("Store them now: they are shown only this once.", inner)) + "\n")
	} else {
		body.WriteString(t.Warning.Render(wrap("Store these recovery codes now: they are shown only this once.", inner)) + "\n")
		body.WriteString(t.Muted.Render(wrap("Each one works once in place of a code from your app, if you lose it.", inner)) + "\n\n")
	}
	for i := 0; i < rows; i++ {
		line := fmt.Sprintf("%2d. %s", i+1, s.codes[i])
		if twoCols {
			line = Fit(line, colW)
			if j := i + half; j < n {
				line += "  " + fmt.Sprintf("%2d. %s", j+1, s.codes[j])
			}
		}
		body.WriteString("  " + t.Code.Render(line) + "\n")
	}
	if !compact {
		body.WriteString("\n")
	}
	if s.copied {
		body.WriteString(t.Positive.Render("✓ Sent to the clipboard.") + "  ")
	}
	body.WriteString(b.keyHint(k.Security.Copy, " copy all   ") + b.keyHint(k.Security.Open, " I have stored them"))
	return t.PanelDanger.Width(b.panelWidth()).Render(body.String())
}

// codeFlowUpdate is the update of a two-factor flow: its code form (codeKey) until codes are
// shown, then the keys of the shown codes; stored runs once the person says they are stored.
func codeFlowUpdate(b *secBase, msg tea.Msg, form *Form, shown *shownCodes, showing bool,
	codeKey func(tea.KeyPressMsg) tea.Cmd, stored func()) tea.Cmd {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if !showing {
			return form.Update(msg)
		}
	case tea.KeyPressMsg:
		if showing {
			cmd, done := shown.key(b, msg)
			if done {
				stored()
			}
			return cmd
		}
		return codeKey(msg)
	}
	return nil
}

// codeFormKey is a key press in the code form of a two-factor flow: esc (or back, off the field)
// closes it, enter submits, six digits submit by themselves when auto, anything else is typed.
func codeFormKey(b *secBase, form *Form, msg tea.KeyPressMsg, auto bool, submit func() tea.Cmd, close func()) tea.Cmd {
	k := b.c.Keys
	f := form.Fields[0]
	switch {
	case key.Matches(msg, k.Global.LeaveField), key.Matches(msg, k.Security.Back) && !form.Focused():
		close()
		return nil
	case key.Matches(msg, k.Form.Submit):
		return submit()
	}
	if !form.Focused() {
		return form.FocusOn(0)
	}
	f.Err = ""
	cmd := form.Update(msg)
	if v := strings.TrimSpace(f.Value()); auto && len(v) == 6 && allDigits(v) {
		return tea.Batch(cmd, submit()) // six digits: no need to press enter
	}
	return cmd
}
