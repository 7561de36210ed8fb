package views

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/views/components"
)

// MFAAttempts is how many wrong codes a challenge allows (the service's rule).
const MFAAttempts = 5

// MFA asks for the second factor: a 6-digit code from the authenticator app, or a recovery code.
type MFA struct {
	c        *Common
	ch       *client.MFAChallenge
	form     *Form
	spin     components.Spinner
	asks     *Requests
	waiting  int
	left     int // attempts left
	banner   string
	now      time.Time
	width    int
	height   int
	finished bool // the challenge is dead: expired or out of attempts
}

// NewMFA returns the two-factor screen for a challenge.
func NewMFA(c *Common, ch *client.MFAChallenge) *MFA {
	code := NewField(c, "Code", "123456 or a recovery code")
	code.Input.CharLimit = 40
	return &MFA{c: c, asks: NewRequests(MFAScreen), ch: ch, form: NewForm(code), spin: components.NewSpinner(c.Theme), left: MFAAttempts, now: c.now()}
}

// mfaTickMsg moves the countdown.
type mfaTickMsg struct{ at time.Time }

func mfaTick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return mfaTickMsg{at: t} })
}

// Init starts the countdown.
func (m *MFA) Init() tea.Cmd { return mfaTick() }

// SetSize lays the screen out.
func (m *MFA) SetSize(w, h int) {
	m.width, m.height = w, h
	m.form.SetWidth(m.panelWidth() - 4 - 11 - 3)
}

func (m *MFA) panelWidth() int { return components.PanelWidth(m.width, 64) }

// InputFocused reports whether the code field has the focus.
func (m *MFA) InputFocused() bool { return m.form.Focused() }

func (m *MFA) verify(code string) tea.Cmd {
	cl, ch := m.c.Client, m.ch
	return tea.Batch(m.spin.Tick(), Ask(m.c, m.asks, &m.waiting, func(ctx context.Context) (client.Session, error) {
		return cl.VerifyMFA(ctx, ch, code)
	}))
}

func (m *MFA) remaining() time.Duration { return m.ch.ExpiresAt.Sub(m.now) }

// Update handles keys, the countdown and answers.
func (m *MFA) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := m.spin.Update(msg, m.waiting != 0); ok {
		return m, cmd
	}
	k := m.c.Keys
	switch msg := msg.(type) {
	case StyleMsg:
		m.form.Restyle(m.c)
		m.spin.Restyle(m.c.Theme)
	case mfaTickMsg:
		m.now = m.c.now()
		if m.remaining() <= 0 && !m.finished {
			m.finished = true
			m.form.Blur()
			m.banner = "The code request expired. Press esc to sign in again."
		}
		if m.finished {
			return m, nil
		}
		return m, mfaTick()
	case Answer[client.Session]:
		if !msg.For(m.asks, &m.waiting) {
			return m, nil
		}
		if msg.Err == nil {
			return m, func() tea.Msg { return SignedInMsg{Session: msg.Val} }
		}
		return m, m.failed(msg.Err)
	case tea.PasteMsg:
		return m, m.form.Update(msg)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Global.LeaveField):
			if m.form.Focused() {
				m.form.Blur()
				return m, nil
			}
			return m, func() tea.Msg { return SignedOutMsg{} }
		case m.finished || m.waiting != 0:
			return m, nil
		case key.Matches(msg, k.Form.Submit):
			return m, m.submit()
		}
		if !m.form.Focused() {
			if key.Matches(msg, k.Form.Next) {
				return m, m.form.FocusOn(0)
			}
			return m, nil
		}
		cmd := m.form.Update(msg)
		if v := strings.TrimSpace(m.form.Fields[0].Value()); len(v) == 6 && allDigits(v) {
			return m, tea.Batch(cmd, m.submit()) // six digits: no need to press enter
		}
		return m, cmd
	}
	return m, nil
}

func (m *MFA) submit() tea.Cmd {
	f := m.form.Fields[0]
	f.Err, m.banner = "", ""
	code := strings.ReplaceAll(strings.TrimSpace(f.Value()), " ", "")
	if code == "" {
		f.Err = "Enter the code from your authenticator app."
		return nil
	}
	return m.verify(code)
}

func (m *MFA) failed(err error) tea.Cmd {
	f := m.form.Fields[0]
	var val *client.ValidationError
	if errors.As(err, &val) && val.Field == "code" {
		m.left--
		f.Input.SetValue("")
		if m.left <= 0 {
			m.finished = true
			m.form.Blur()
			m.banner = "Too many wrong codes. Press esc to sign in again."
			return nil
		}
		what := "That code is not valid"
		var used *client.RecoveryCodeUsedError
		if errors.As(err, &used) {
			what = "Recovery code already used" // it still took an attempt
		}
		f.Err = fmt.Sprintf("%s; %d %s left.", what, m.left, plural(m.left, "attempt", "attempts"))
		return m.form.FocusOn(0)
	}
	var unauth *client.UnauthenticatedError
	if errors.As(err, &unauth) {
		m.finished = true
		m.form.Blur()
		m.banner = "This code request is no longer valid. Press esc to sign in again."
		return nil
	}
	m.banner = Message(err)
	return nil
}

// View renders the code form.
func (m *MFA) View() string {
	t := m.c.Theme
	pw := m.panelWidth()
	inner := pw - 4
	var b strings.Builder
	b.WriteString(t.Title.Render("Two-factor authentication") + "\n")
	b.WriteString(t.Muted.Render(WithAddress("for ", m.ch.Email, "", inner)) + "\n\n")
	b.WriteString(t.Text.Render(wrap("Enter the 6-digit code from your authenticator app, or one of your recovery codes.", inner)) + "\n\n")
	b.WriteString(m.form.View(m.c, 10) + "\n\n")
	left := m.remaining()
	timeStyle := t.Muted
	if left < time.Minute {
		timeStyle = t.Warning
	}
	status := t.Muted.Render(fmt.Sprintf("%d of %d attempts left", m.left, MFAAttempts)) + t.Faint.Render(" · ") +
		timeStyle.Render("expires in "+Countdown(left))
	b.WriteString(status)
	if m.waiting != 0 {
		b.WriteString("\n\n" + m.spin.Line(t.Muted, "Checking…"))
	}
	if m.banner != "" {
		b.WriteString("\n\n" + t.Error.Render(wrap("✗ "+m.banner, inner)))
	}
	panel := t.PanelFocused.Width(pw).Render(b.String())
	return components.Centre(m.width, m.height, panel)
}

// ShortHelp is the screen's keys.
func (m *MFA) ShortHelp() []key.Binding {
	k := m.c.Keys
	if m.form.Focused() {
		return []key.Binding{withDesc(k.Form.Submit, "verify")} // the root adds esc, leave field
	}
	return []key.Binding{withDesc(k.Form.Submit, "verify"), withDesc(k.Global.LeaveField, "back to sign in")}
}

// FullHelp is every key of the screen.
func (m *MFA) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
