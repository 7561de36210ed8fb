package views

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// The Security screen's two-factor flow: with two-factor off, enrolment (the QR code, the
// secret and the first code, which turns it on) and then the recovery codes, shown once; with
// it on, a code (or a recovery code) that turns it off.

type mfaPhase int

const (
	mfaEnroll  mfaPhase = iota // the QR code, the secret and the first code
	mfaCodes                   // the recovery codes, shown once
	mfaDisable                 // a code to turn two-factor off
)

type secMFA struct {
	*secBase
	phase mfaPhase

	startReq int // starting enrolment (the menu shows the spinner meanwhile)
	req      int // turning two-factor on or off
	// done is when the last change succeeded: the live event that change causes is this
	// screen's to report (Security.Expects), while req is out and shortly after.
	done time.Time

	enroll api.MFAEnrollment
	qr     barcode.Barcode // nil when the URL could not be encoded
	code   *Form           // the code field (enrol, disable)
	shown  shownCodes      // recovery codes, kept only while shown
	banner string
}

func newSecMFA(b *secBase) *secMFA {
	code := NewField(b.c, "Code", "123456")
	code.Input.CharLimit = 6
	m := &secMFA{secBase: b, code: NewForm(code)}
	m.code.Blur()
	return m
}

func (m *secMFA) expects() bool { return ownChange(m.c, m.req, m.done) }

func (m *secMFA) busy() bool    { return m.startReq != 0 || m.req != 0 }
func (m *secMFA) focused() bool { return m.code.Focused() }
func (m *secMFA) restyle()      { m.code.Restyle(m.c) }
func (m *secMFA) resize()       { m.code.SetWidth(20) }

func (m *secMFA) state() string {
	return [...]string{"enroll", "codes", "disable"}[m.phase]
}

// secEnrolment is the answer to starting enrolment: the secret and its QR code.
type secEnrolment struct {
	en api.MFAEnrollment
	qr barcode.Barcode
}

// start opens the flow from the menu: enrolment when two-factor is off, else the code that
// turns it off. Nothing before the account said which.
func (m *secMFA) start() tea.Cmd {
	switch {
	case !m.haveUser:
		return nil
	case m.mfaOn:
		return m.openCode(mfaDisable)
	}
	c := m.c
	return secAsk(m.secBase, &m.startReq, func(ctx context.Context) (secEnrolment, error) {
		en, err := c.Client.EnrollMFA(ctx)
		if err != nil {
			return secEnrolment{}, err
		}
		code, _ := qr.Encode(en.OtpauthURL, qr.L, qr.Auto) // nil on failure: the secret still works
		return secEnrolment{en: en, qr: code}, nil
	})
}

func (m *secMFA) openCode(p mfaPhase) tea.Cmd {
	m.phase, m.banner = p, ""
	m.show(m)
	f := m.code.Fields[0]
	f.Input.SetValue("")
	f.Err = ""
	f.Input.CharLimit = 6
	f.Label, f.Hint = "Code", ""
	if p == mfaDisable {
		f.Input.CharLimit = 40
		f.Hint = "a 6-digit code, or a recovery code"
	}
	return m.code.FocusOn(0)
}

// close goes back to the menu, forgetting what was typed.
func (m *secMFA) close(note string) {
	m.code.Blur()
	f := m.code.Fields[0]
	f.Input.SetValue("")
	f.Err = ""
	m.toMenu(note, false)
}

func (m *secMFA) take(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case Answer[secEnrolment]:
		if !msg.For(m.asks, &m.startReq) {
			return nil, false
		}
		if msg.Err != nil {
			m.toMenu("✗ Could not start two-factor set-up: "+Message(msg.Err), true)
			return nil, true
		}
		m.enroll, m.qr = msg.Val.en, msg.Val.qr
		return m.openCode(mfaEnroll), true
	case Answer[[]string]: // the first code was accepted: the recovery codes
		if !msg.For(m.asks, &m.req) {
			return nil, false
		}
		if msg.Err != nil {
			return m.codeFailed(msg.Err), true
		}
		m.done = m.c.now()
		m.mfaOn, m.shown = true, shownCodes{codes: msg.Val, shown: shownOnce{m.c.now()}}
		m.left, m.haveLeft = len(msg.Val), true // the menu counts the new codes at once
		m.enroll, m.qr = api.MFAEnrollment{}, nil
		m.phase = mfaCodes
		m.code.Blur()
		return nil, true
	case Answer[struct{}]: // turned off
		if !msg.For(m.asks, &m.req) {
			return nil, false
		}
		if msg.Err != nil {
			return m.codeFailed(msg.Err), true
		}
		m.done = m.c.now()
		m.mfaOn, m.haveLeft = false, false
		m.close("✓ Two-factor authentication is off. Signing in now needs only your password.")
		return nil, true
	}
	return nil, false
}

func (m *secMFA) update(msg tea.Msg) tea.Cmd {
	return codeFlowUpdate(m.secBase, msg, m.code, &m.shown, m.phase == mfaCodes, m.codeKey,
		func() { m.close("✓ Two-factor authentication is on. Signing in now asks for a code.") })
}

func (m *secMFA) codeKey(msg tea.KeyPressMsg) tea.Cmd {
	return codeFormKey(m.secBase, m.code, msg, m.phase == mfaEnroll, m.submitCode, func() { m.close("") })
}

func (m *secMFA) submitCode() tea.Cmd {
	f := m.code.Fields[0]
	code := strings.ReplaceAll(strings.TrimSpace(f.Value()), " ", "")
	switch {
	case code == "":
		f.Err = "Enter the 6-digit code from your authenticator app."
		return nil
	case m.phase == mfaEnroll && (len(code) != 6 || !allDigits(code)):
		f.Err = "The code is 6 digits."
		return nil
	}
	f.Err, m.banner = "", ""
	c := m.c
	if m.phase == mfaEnroll {
		return secAsk(m.secBase, &m.req, func(ctx context.Context) ([]string, error) { return c.Client.EnableMFA(ctx, code) })
	}
	return secDo(m.secBase, &m.req, func(ctx context.Context) error { return c.Client.DisableMFA(ctx, code) })
}

func (m *secMFA) codeFailed(err error) tea.Cmd {
	f := m.code.Fields[0]
	if wrongCode(err) {
		f.Err = "That code is not valid; check the app's clock and try the next one."
		var used *client.RecoveryCodeUsedError
		if errors.As(err, &used) {
			f.Err = "That recovery code was already used; enter another one, or a code from your app."
		}
		f.Input.SetValue("")
		return m.code.FocusOn(0)
	}
	m.banner = Message(err)
	return nil
}

func (m *secMFA) help() []key.Binding {
	k := m.c.Keys
	switch m.phase {
	case mfaEnroll:
		return []key.Binding{withDesc(k.Form.Submit, "turn on"), m.leave("stop")}
	case mfaDisable:
		return []key.Binding{withDesc(k.Form.Submit, "turn off"), m.leave("back")}
	}
	return m.shown.help(m.secBase)
}

// --- view ------------------------------------------------------------------------------------

func (m *secMFA) view() string {
	switch m.phase {
	case mfaEnroll:
		return m.enrollView()
	case mfaCodes:
		return m.codesView()
	}
	return m.boxed("Turn off two-factor authentication", secFormBody(m.secBase, m.c.Theme.Text,
		"Enter a code from your authenticator app (or a recovery code) to turn two-factor authentication off.",
		m.code, 5, m.req != 0, "Turning it off…", m.banner))
}

func (m *secMFA) enrollView() string {
	t := m.c.Theme
	k := m.c.Keys
	maxQR := m.width - 40 // leave room for the instructions beside it
	code, ok := qrView(t, m.qr, maxQR, m.height)
	colW := m.width
	if ok {
		colW = m.width - lipgloss.Width(code) - 3
	}
	colW = min(colW, 60)
	var b strings.Builder
	b.WriteString(t.Title.Render("Turn on two-factor authentication") + "\n\n")
	if ok {
		b.WriteString(t.Text.Render(wrap("1. Scan the code with an authenticator app, or type this secret into it:", colW)) + "\n\n")
	} else {
		if m.qr != nil {
			b.WriteString(t.Warning.Render(wrap("The QR code does not fit in this window: enlarge the window or use the secret.", colW)) + "\n\n")
		}
		b.WriteString(t.Text.Render(wrap("1. Type this secret into your authenticator app:", colW)) + "\n\n")
	}
	b.WriteString("   " + t.Code.Render(GroupSecret(m.enroll.Secret)) + "\n")
	b.WriteString("   " + t.Faint.Render("time-based · 6 digits · 30 s") + "\n\n")
	b.WriteString(t.Text.Render(wrap("2. Enter the 6-digit code the app shows:", colW)) + "\n\n")
	b.WriteString(m.code.View(m.c, 5) + "\n")
	if m.req != 0 {
		b.WriteString("\n" + m.working("Checking…") + "\n")
	}
	if m.banner != "" {
		b.WriteString("\n" + t.Error.Render(wrap("✗ "+m.banner, colW)) + "\n")
	}
	b.WriteString("\n" + t.Faint.Render(wrap("Two-factor stays off until a code is accepted. "+
		k.Global.LeaveField.Help().Key+" to stop.", colW)))
	right := lipgloss.NewStyle().Width(colW).Render(strings.TrimRight(b.String(), "\n"))
	if !ok {
		return m.place(right)
	}
	return m.place(lipgloss.JoinHorizontal(lipgloss.Top, code, "   ", right))
}

func (m *secMFA) codesView() string {
	return m.shown.view(m.secBase, "✓ Two-factor authentication is on.")
}

// secFormBody is a short form of the Security screen: a sentence, the fields, then the spinner
// while the request runs and the refusal when it came back.
func secFormBody(b *secBase, introStyle lipgloss.Style, intro string, form *Form, labelW int, waiting bool, working, banner string) string {
	var sb strings.Builder
	sb.WriteString(introStyle.Render(wrap(intro, b.inner())) + "\n\n")
	sb.WriteString(form.View(b.c, labelW))
	if waiting {
		sb.WriteString("\n\n" + b.working(working))
	}
	sb.WriteString(b.refused(banner))
	return sb.String()
}

// wrongCode reports whether the service refused the code itself (wrong, replayed, or a recovery
// code where only the app's code is taken), as opposed to anything else going wrong.
func wrongCode(err error) bool {
	var val *client.ValidationError
	var unauth *client.UnauthenticatedError
	return (errors.As(err, &val) && (val.Field == "code" || val.Field == "")) || errors.As(err, &unauth)
}

// ownEventWindow is how long after its own change to two-factor succeeded the screen still
// expects the event it causes (the live feed may bring it after the answer).
const ownEventWindow = 15 * time.Second

// ownChange reports whether a security.mfa_changed event is the outcome of a change this screen
// asked for: its request (req) is out, or it succeeded (done) a moment ago.
func ownChange(c *Common, req int, done time.Time) bool {
	return req != 0 || (!done.IsZero() && c.now().Sub(done) < ownEventWindow)
}
