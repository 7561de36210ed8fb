package views

import (
	"context"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/views/components"
)

type loginMode int

const (
	modeSignIn loginMode = iota
	modeRegister
	modeGenerated // a generated password is on screen, once
)

// Login is the sign-in screen; ctrl+r turns it into the create-account form.
type Login struct {
	c        *Common
	mode     loginMode
	signIn   *Form
	register *Form
	spin     components.Spinner
	asks     *Requests
	waiting  int // the request whose answer is awaited; 0: none
	busyText string
	banner   string // an error about the whole form
	notice   string // information: why you were signed out, a session being restored
	// generated is the password the service generated, shown once; genEmail its account.
	generated, genEmail string
	// Hint under the create-account form, e.g. the embedded service's welcome credit.
	RegisterHint string
	width        int
	height       int
}

// NewLogin returns the sign-in screen. notice, if any, is shown above the form.
func NewLogin(c *Common, email, notice string) *Login {
	em := NewField(c, "Email", "you@example.com")
	em.Input.CharLimit = api.MaxEmailLen
	em.Input.SetValue(email)
	pw := NewField(c, "Password", "").Secret()
	pw.Input.CharLimit = 256
	rem := NewField(c, "Email", "you@example.com")
	rem.Input.CharLimit = api.MaxEmailLen
	rpw := NewField(c, "Password", "leave empty to get a generated one").Secret()
	rpw.Input.CharLimit = 256
	rpw.Hint = "At least 8 characters, or leave it empty."
	l := &Login{
		c: c, asks: NewRequests(LoginScreen), signIn: NewForm(em, pw), register: NewForm(rem, rpw),
		spin:   components.NewSpinner(c.Theme),
		notice: notice,
	}
	if email != "" {
		l.signIn.FocusOn(1)
	}
	return l
}

// Init starts nothing: the form is ready.
func (l *Login) Init() tea.Cmd { return nil }

// SetSize lays the form out for the content area.
func (l *Login) SetSize(w, h int) {
	l.width, l.height = w, h
	inner := l.panelWidth() - 4 - 11
	l.signIn.SetWidth(inner - 3)
	l.register.SetWidth(inner - 3)
}

func (l *Login) panelWidth() int { return components.PanelWidth(l.width, 68) }

// SetBusy shows a spinner with text (the root uses it while it restores a session); "" stops it.
func (l *Login) SetBusy(text string) tea.Cmd {
	l.busyText = text
	if text == "" {
		return nil
	}
	return l.spin.Tick()
}

// InputFocused reports whether a field has the focus.
func (l *Login) InputFocused() bool {
	switch l.mode {
	case modeSignIn:
		return l.signIn.Focused()
	case modeRegister:
		return l.register.Focused()
	}
	return false
}

func (l *Login) form() *Form {
	if l.mode == modeRegister {
		return l.register
	}
	return l.signIn
}

func (l *Login) login(email, password string) tea.Cmd {
	l.busyText = "Signing in…"
	cl := l.c.Client
	return tea.Batch(l.spin.Tick(), Ask(l.c, l.asks, &l.waiting, func(ctx context.Context) (client.Session, error) {
		return cl.Login(ctx, email, password)
	}))
}

// registered is the answer to creating an account, with what was asked.
type registered struct {
	email    string
	password string // the one the person chose ("" when generated)
	reg      client.Registration
}

func (l *Login) createAccount(email, password string) tea.Cmd {
	l.busyText = "Creating your account…"
	cl := l.c.Client
	return tea.Batch(l.spin.Tick(), Ask(l.c, l.asks, &l.waiting, func(ctx context.Context) (registered, error) {
		reg, err := cl.Register(ctx, email, password, nil)
		return registered{email: email, password: password, reg: reg}, err
	}))
}

// Update handles keys and answers.
func (l *Login) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := l.spin.Update(msg, l.waiting != 0 || l.busyText != ""); ok {
		return l, cmd
	}
	k := l.c.Keys
	switch msg := msg.(type) {
	case StyleMsg:
		l.signIn.Restyle(l.c)
		l.register.Restyle(l.c)
		l.spin.Restyle(l.c.Theme)
		return l, nil
	case Answer[client.Session]:
		return l, msg.Then(l.asks, &l.waiting, l.loginDone)
	case Answer[registered]:
		return l, msg.Then(l.asks, &l.waiting, l.registerDone)
	case tea.PasteMsg:
		return l, l.form().Update(msg)
	case tea.KeyPressMsg:
		return l, l.key(msg, k)
	}
	return l, nil
}

func (l *Login) key(msg tea.KeyPressMsg, k *KeyMap) tea.Cmd {
	if l.mode == modeGenerated {
		switch {
		case key.Matches(msg, k.Form.Copy):
			return CopyCmd("Password", l.generated)
		case key.Matches(msg, k.Form.Submit):
			if l.waiting != 0 {
				return nil
			}
			return l.login(l.genEmail, l.generated)
		}
		return nil
	}
	if l.waiting != 0 {
		// Busy: only leaving a field is allowed, so nothing typed is lost or sent twice.
		if key.Matches(msg, k.Global.LeaveField) {
			l.form().Blur()
		}
		return nil
	}
	f := l.form()
	switch {
	case key.Matches(msg, k.Form.SwitchMode):
		l.banner = ""
		email := f.Fields[0].Value()
		if l.mode == modeSignIn {
			l.mode = modeRegister
		} else {
			l.mode = modeSignIn
		}
		nf := l.form()
		nf.ClearErrors()
		if nf.Fields[0].Value() == "" {
			nf.Fields[0].Input.SetValue(email)
		}
		return nf.FocusOn(0)
	case key.Matches(msg, k.Form.Submit):
		return l.submit()
	}
	if cmd, ok := formNav(l.c, f, msg, blur(f)); ok {
		return cmd
	}
	if !f.Focused() {
		return nil
	}
	return f.Update(msg)
}

func (l *Login) submit() tea.Cmd {
	f := l.form()
	f.ClearErrors()
	l.banner, l.notice = "", ""
	em, pw := f.Fields[0], f.Fields[1]
	email, e := api.NormalizeEmail("email", em.Value())
	if e != nil {
		em.Err = e.Message
		return f.FocusOn(0)
	}
	if l.mode == modeSignIn {
		if pw.Value() == "" {
			pw.Err = "Enter your password."
			return f.FocusOn(1)
		}
		return l.login(email, pw.Value())
	}
	if pw.Value() != "" {
		if e := api.CheckPassword("password", pw.Value()); e != nil {
			pw.Err = e.Message
			return f.FocusOn(1)
		}
	}
	return l.createAccount(email, pw.Value())
}

func (l *Login) loginDone(msg Answer[client.Session]) tea.Cmd {
	l.busyText = ""
	if msg.Err == nil {
		l.generated = ""
		l.signIn.Fields[1].Input.SetValue("")
		l.register.Fields[1].Input.SetValue("")
		return func() tea.Msg { return SignedInMsg{Session: msg.Val} }
	}
	var mfa *client.MFARequiredError
	if errors.As(msg.Err, &mfa) && mfa.Challenge != nil {
		l.signIn.Fields[1].Input.SetValue("")
		return func() tea.Msg { return MFANeededMsg{Challenge: mfa.Challenge} }
	}
	if l.mode == modeGenerated {
		l.banner = Message(msg.Err)
		return nil
	}
	l.showError(l.signIn, msg.Err)
	return nil
}

func (l *Login) registerDone(msg Answer[registered]) tea.Cmd {
	l.busyText = ""
	r := msg.Val
	if msg.Err != nil {
		var conflict *client.ConflictError
		if errors.As(msg.Err, &conflict) && conflict.Code == api.CodeAccountExists {
			l.register.Fields[0].Err = "An account with this email exists; ctrl+r to sign in."
			return l.register.FocusOn(0)
		}
		l.showError(l.register, msg.Err)
		return nil
	}
	if r.reg.Password != "" {
		l.mode = modeGenerated
		l.generated, l.genEmail = r.reg.Password, r.email
		l.register.Blur()
		return nil
	}
	l.signIn.Fields[0].Input.SetValue(r.email)
	return l.login(r.email, r.password)
}

// showError puts an error next to the field it concerns, or above the form.
func (l *Login) showError(f *Form, err error) {
	var unauth *client.UnauthenticatedError
	if errors.As(err, &unauth) {
		f.Fields[1].Err = err.Error()
		f.FocusOn(1)
		return
	}
	field, text := ErrorField(err)
	switch field {
	case "email":
		f.Fields[0].Err = text
		f.FocusOn(0)
	case "password", "newPassword":
		f.Fields[1].Err = text
		f.FocusOn(1)
	default:
		l.banner = text
	}
}

// View renders the form in a panel in the middle of the screen.
func (l *Login) View() string {
	t := l.c.Theme
	pw := l.panelWidth()
	inner := pw - 4
	var b strings.Builder
	switch l.mode {
	case modeSignIn:
		b.WriteString(t.Title.Render("Sign in") + "\n")
		b.WriteString(t.Muted.Render(Trunc("Your wallet for the SyftBox accounting service.", inner)) + "\n\n")
		b.WriteString(l.signIn.View(l.c, 10))
		b.WriteString("\n\n" + t.Faint.Render(wrap("New here? "+l.c.Keys.Form.SwitchMode.Help().Key+
			" creates an account. "+l.RegisterHint, inner)))
	case modeRegister:
		b.WriteString(t.Title.Render("Create account") + "\n")
		sub := "An email and, if you like, a password of your own."
		b.WriteString(t.Muted.Render(Trunc(sub, inner)) + "\n\n")
		b.WriteString(l.register.View(l.c, 10))
		if l.RegisterHint != "" {
			b.WriteString("\n\n" + t.Positive.Render(wrap(l.RegisterHint, inner)))
		}
	case modeGenerated:
		b.WriteString(t.Title.Render("Account created") + "\n")
		b.WriteString(t.Muted.Render(strings.Join(WrapAddress(l.genEmail, inner), "\n")) + "\n\n")
		b.WriteString(t.Text.Render("Your generated password, shown only this once:") + "\n\n")
		b.WriteString("  " + t.Code.Render(Trunc(l.generated, inner-2)) + "\n\n")
		b.WriteString(t.Warning.Render(Trunc("Keep it in a password manager now; nobody can show it again.", inner)) + "\n")
		b.WriteString(t.Faint.Width(inner).Render("Anyone who can see your screen can read it now."))
	}
	if l.banner != "" {
		b.WriteString("\n\n" + t.Error.Render(wrap("✗ "+l.banner, inner)))
	}
	if l.busyText != "" {
		b.WriteString("\n\n" + l.spin.Line(t.Muted, l.busyText))
	}
	b.WriteString("\n\n" + l.hint())
	panel := t.PanelFocused.Width(pw).Render(b.String())
	top := ""
	if l.notice != "" {
		top = t.Warning.Render(wrap(l.notice, pw)) + "\n\n"
	}
	return components.Centre(l.width, l.height, top+panel)
}

func (l *Login) hint() string {
	t := l.c.Theme
	k := l.c.Keys
	item := func(b key.Binding, desc string) string {
		return t.Key.Render(b.Help().Key) + " " + t.Muted.Render(desc)
	}
	sep := t.Faint.Render(" · ")
	switch l.mode {
	case modeRegister:
		return item(k.Form.Submit, "create account") + sep + item(k.Form.SwitchMode, "back to sign in")
	case modeGenerated:
		return item(k.Form.Copy, "copy") + sep + item(k.Form.Submit, "continue and sign in")
	}
	return item(k.Form.Submit, "sign in") + sep + item(k.Form.SwitchMode, "create an account")
}

// ShortHelp is the screen's keys for the help line.
func (l *Login) ShortHelp() []key.Binding {
	k := l.c.Keys
	if l.mode == modeGenerated {
		return []key.Binding{withDesc(k.Form.Copy, "copy password"), withDesc(k.Form.Submit, "continue")}
	}
	sw := withDesc(k.Form.SwitchMode, "create account")
	submit := withDesc(k.Form.Submit, "sign in")
	if l.mode == modeRegister {
		sw = withDesc(k.Form.SwitchMode, "sign in instead")
		submit = withDesc(k.Form.Submit, "create")
	}
	return []key.Binding{k.Form.Next, submit, sw}
}

// FullHelp is every key of the screen.
func (l *Login) FullHelp() [][]key.Binding {
	k := l.c.Keys
	return [][]key.Binding{l.ShortHelp(), {k.Form.Prev, k.Global.LeaveField}}
}

// withDesc is b with another description (the same key reads differently per screen).
func withDesc(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// wrap word-wraps s to w cells.
func wrap(s string, w int) string {
	return lipgloss.NewStyle().Width(max(w, 10)).Render(s)
}
