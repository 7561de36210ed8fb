package views

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/views/components"
)

// Security is a menu of the account's security settings and the small flows it opens, one file
// each: two-factor (security_mfa.go: enrol, enable, disable, the recovery codes), new recovery
// codes and how many are left (security_recovery.go), the password
// (security_password.go), signing out of this session or of every session (security_signout.go,
// each after asking), and the API keys (security_apikeys.go). Colours is not a flow: its item
// turns colours off for this session (for SSH clients that draw them badly), or back on.
//
// The menu hands the open flow every key and paste and draws it instead of itself; every answer
// goes to each flow in turn and the one that asked takes it (Answer.For). A flow goes back to the
// menu with a sentence of news (toMenu). While any flow waits for the service, keys do nothing.
type Security struct {
	*secBase
	sel     int
	acctReq int

	mfa  *secMFA
	rec  *secRecovery
	pass *secPassword
	out  *secSignOut
	keys *secAPIKeys
}

// secBase is what the menu and its flows share: the session, the spinner, the request ids, the
// size, what the account says of two-factor, the open flow and the menu's news.
type secBase struct {
	c    *Common
	spin components.Spinner
	asks *Requests

	mfaOn    bool
	haveUser bool
	left     int  // unused recovery codes, as last counted or just made
	haveLeft bool // they were counted (a service from before cannot count them)

	open    secFlow // nil on the menu
	note    string  // news on the menu ("Password changed…")
	noteBad bool

	width, height int
}

// secFlow is one flow of the Security screen, opened from the menu.
type secFlow interface {
	// take handles an answer or live news of the flow's own; handled is false when msg is not.
	take(msg tea.Msg) (cmd tea.Cmd, handled bool)
	// update handles a key press or a paste while the flow is open.
	update(msg tea.Msg) tea.Cmd
	view() string
	help() []key.Binding
	focused() bool // typing goes into a field
	busy() bool    // a request the person waits for is out
	state() string // what the flow shows, for tests (Security.State)
	restyle()
	resize()
}

// NewSecurity returns the security screen; Init reads the account.
func NewSecurity(c *Common) *Security {
	b := &secBase{c: c, spin: components.NewSpinner(c.Theme), asks: NewRequests(SecurityScreen)}
	return &Security{secBase: b, mfa: newSecMFA(b), rec: newSecRecovery(b), pass: newSecPassword(b), out: newSecSignOut(b),
		keys: newSecAPIKeys(b)}
}

func (s *Security) flows() []secFlow { return []secFlow{s.mfa, s.rec, s.pass, s.out, s.keys} }

// toMenu closes the open flow and shows the menu with news (none when note is "").
func (b *secBase) toMenu(note string, bad bool) { b.open, b.note, b.noteBad = nil, note, bad }

// show opens a flow.
func (b *secBase) show(f secFlow) { b.open, b.note = f, "" }

// secAsk issues one request of the screen with the spinner turning (see Ask).
func secAsk[T any](b *secBase, pending *int, do func(ctx context.Context) (T, error)) tea.Cmd {
	return tea.Batch(b.spin.Tick(), Ask(b.c, b.asks, pending, do))
}

// secDo is secAsk for a call that answers only with an error.
func secDo(b *secBase, pending *int, do func(ctx context.Context) error) tea.Cmd {
	return secAsk(b, pending, func(ctx context.Context) (struct{}, error) { return struct{}{}, do(ctx) })
}

func (b *secBase) panelWidth() int { return components.PanelWidth(b.width, 76) }

// inner is how wide text may be inside the panel.
func (b *secBase) inner() int { return b.panelWidth() - 4 }

func (b *secBase) place(block string) string {
	return components.Centre(b.width, b.height, block)
}

// boxed centres a panel with a title and a body.
func (b *secBase) boxed(title, body string) string {
	t := b.c.Theme
	return b.place(t.PanelFocused.Width(b.panelWidth()).Render(t.Title.Render(title) + "\n\n" + body))
}

// danger centres a panel drawn as a warning (a question before an action, a secret shown once).
func (b *secBase) danger(body string) string {
	return b.place(b.c.Theme.PanelDanger.Width(b.panelWidth()).Render(body))
}

// working is the spinner line while a request runs.
func (b *secBase) working(what string) string {
	return b.spin.Line(b.c.Theme.Muted, what)
}

// refused is the refusal of the service under a form (nothing when banner is "").
func (b *secBase) refused(banner string) string {
	if banner == "" {
		return ""
	}
	return "\n\n" + b.c.Theme.Error.Render(wrap("✗ "+banner, b.inner()))
}

// confirmView is a question asked before an action (ask), in a warning panel: the question, what
// happens, then the two keys, or the spinner line while the action runs, and its refusal.
func (b *secBase) confirmView(ask *components.Confirm, waiting bool, working, banner string) string {
	t := b.c.Theme
	inner := b.inner()
	body := t.Warning.Render(wrap(ask.Question, inner)) + "\n\n" + t.Text.Render(wrap(ask.Effect, inner)) + "\n\n"
	if waiting {
		body += b.working(working)
	} else {
		body += b.keyHint(b.c.Keys.Confirm.Yes, " "+ask.YesDesc+"   ") + b.keyHint(b.c.Keys.Confirm.No, " "+ask.NoDesc)
	}
	return b.danger(body + b.refused(banner))
}

// keyHint is "k what", for the key lines under the panels.
func (b *secBase) keyHint(k key.Binding, what string) string {
	return b.c.Theme.Key.Render(k.Help().Key) + b.c.Theme.Muted.Render(what)
}

// Init reads whether two-factor is on.
func (s *Security) Init() tea.Cmd { return s.loadAccount() }

// Activate reads the account again whenever the screen is shown (and the keys, on their list).
func (s *Security) Activate(SwitchMsg) tea.Cmd {
	switch {
	case s.open == nil:
		return s.loadAccount()
	case s.open == secFlow(s.keys) && s.keys.phase == keysList:
		return tea.Batch(s.loadAccount(), s.keys.load())
	}
	return nil
}

// SetSize lays the screen out.
func (s *Security) SetSize(w, h int) {
	s.width, s.height = w, h
	for _, f := range s.flows() {
		f.resize()
	}
}

// InputFocused reports whether typing goes into a field.
func (s *Security) InputFocused() bool { return s.open != nil && s.open.focused() }

// Expects reports whether an event is the outcome of the person's own change to two-factor on
// this screen, which the screen reports itself.
func (s *Security) Expects(eventType string) bool {
	return eventType == api.EventSecurityMFAChanged && (s.mfa.expects() || s.rec.expects())
}

// State names what the screen shows, for tests: menu, enroll, codes, disable, recovery (the
// code for new recovery codes), recoverycodes, password, logout (everywhere), signout (this
// session), keys, keyform, keyshown, keyrevoke.
func (s *Security) State() string {
	if s.open == nil {
		return "menu"
	}
	return s.open.state()
}

// busy reports whether a request the person waits for is out.
func (s *Security) busy() bool {
	for _, f := range s.flows() {
		if f.busy() {
			return true
		}
	}
	return false
}

// loadAccount reads whether two-factor is on, and how many recovery codes are left.
func (s *Security) loadAccount() tea.Cmd {
	c := s.c
	return tea.Batch(Ask(c, s.asks, &s.acctReq, func(ctx context.Context) (api.User, error) { return c.Client.Account(ctx) }),
		s.rec.load())
}

// Update handles keys and answers.
func (s *Security) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := s.spin.Update(msg, s.busy()); ok {
		return s, cmd
	}
	switch msg := msg.(type) {
	case StyleMsg:
		for _, f := range s.flows() {
			f.restyle()
		}
		s.spin.Restyle(s.c.Theme)
		return s, nil
	case Answer[api.User]:
		if msg.For(s.asks, &s.acctReq) && msg.Err == nil {
			s.mfaOn, s.haveUser = msg.Val.MFAEnabled, true
		}
		return s, nil
	case LiveMsg:
		if msg.Type == api.EventSecurityMFAChanged && s.open == nil {
			c := s.c
			return s, tea.Sequence(func() tea.Msg { c.Client.Invalidate(); return nil }, s.loadAccount())
		}
	case ReloadMsg:
		return s, s.loadAccount()
	case tea.PasteMsg:
		if s.open != nil {
			return s, s.open.update(msg)
		}
		return s, nil
	case tea.KeyPressMsg:
		switch {
		case s.busy():
			return s, nil // one thing at a time
		case s.open != nil:
			return s, s.open.update(msg)
		}
		return s, s.menuKey(msg)
	}
	for _, f := range s.flows() {
		if cmd, ok := f.take(msg); ok {
			return s, cmd
		}
	}
	return s, nil
}

// menuValueAt is where an item's value starts on its line of the menu: the mark, the key, the
// label, a space each.
const menuValueAt = 2 + 2 + 1 + 28 + 1

// secItem is one entry of the menu.
type secItem struct {
	key          key.Binding
	label, value string
	about        string
	open         func() tea.Cmd
}

// items are the menu's entries, in order.
func (s *Security) items() []secItem {
	t := s.c.Theme
	k := s.c.Keys.Security
	mfa := t.Muted.Render("checking…")
	if s.haveUser {
		if s.mfaOn {
			mfa = t.Positive.Render("✓ on")
		} else {
			mfa = t.Warning.Render("✗ off")
		}
	}
	mfaAbout := "Ask for a code from an authenticator app when signing in."
	if s.mfaOn {
		mfa += s.rec.count(s.inner() - menuValueAt - Width(mfa))
		mfaAbout = "Open to turn it off; " + k.Recovery.Help().Key + ": new recovery codes."
	}
	mono := t.Name == theme.Mono
	colours := t.Positive.Render("on")
	if mono {
		colours = t.Muted.Render("off")
	}
	return []secItem{
		{k.MFA, "Two-factor authentication", mfa, mfaAbout, s.mfa.start},
		{k.Password, "Password", "", "Change it; your other sessions are signed out.", s.pass.start},
		{k.SignOut, "Sign out", "", "End this session; your other devices stay signed in.",
			func() tea.Cmd { return s.out.start(false) }},
		{k.LogoutAll, "Sign out everywhere", "", "End every session on every device, this one too.",
			func() tea.Cmd { return s.out.start(true) }},
		{k.Colour, "Colours", colours, "Turn colours off for this session (for SSH clients).",
			func() tea.Cmd { return func() tea.Msg { return ThemeToggleMsg{Mono: !mono} } }},
		{k.APIKeys, "API keys", "", "Keys for scripts, CI jobs and apps: list, create, revoke.",
			func() tea.Cmd { return s.keys.start("", false) }},
	}
}

func (s *Security) menuKey(msg tea.KeyPressMsg) tea.Cmd {
	sk := s.c.Keys.Security
	items := s.items()
	switch {
	case key.Matches(msg, sk.Up):
		s.sel = (s.sel + len(items) - 1) % len(items)
		return nil
	case key.Matches(msg, sk.Down):
		s.sel = (s.sel + 1) % len(items)
		return nil
	case key.Matches(msg, sk.Open):
		s.note = ""
		return items[s.sel].open()
	case key.Matches(msg, sk.Back):
		s.note = ""
		return nil
	case key.Matches(msg, sk.Recovery): // part of the two-factor item, which shows the count
		s.note = ""
		return s.rec.start()
	}
	for i, it := range items {
		if key.Matches(msg, it.key) {
			s.sel, s.note = i, ""
			return it.open()
		}
	}
	return nil
}

// View draws the open flow, or the menu.
func (s *Security) View() string {
	if s.open != nil {
		return s.open.view()
	}
	return s.menuView()
}

func (s *Security) menuView() string {
	t := s.c.Theme
	inner := s.inner()
	items := s.items()
	labW := menuValueAt - 6
	var tail strings.Builder
	if s.note != "" {
		st := t.Positive
		if s.noteBad {
			st = t.Error
		}
		tail.WriteString("\n" + st.Render(wrap(s.note, inner)))
	}
	if s.busy() {
		tail.WriteString("\n" + s.working("Asking the service…"))
	}
	// Two lines an item, a blank line between items, unless that leaves the news no room (80×24).
	lines := 2 + 3*len(items) - 1 // the title, a blank line, the items
	if tail.Len() > 0 {
		lines += 1 + strings.Count(tail.String(), "\n") // a blank line, then the news
	}
	spaced := lines+2 <= s.height // and the border
	var b strings.Builder
	b.WriteString(t.Title.Render("Security") + "  " + t.Faint.Render(CutAddress(s.c.Email, inner-10)) + "\n\n")
	for i, it := range items {
		mark := "  "
		lab := t.Text.Render(Fit(it.label, labW))
		if i == s.sel {
			mark = t.Accent.Render("▸ ")
			lab = t.Accent.Render(Fit(it.label, labW))
		}
		keyHint := t.Key.Render(Fit(it.key.Help().Key, 2))
		b.WriteString(mark + keyHint + " " + lab + " " + it.value + "\n")
		b.WriteString("     " + t.Faint.Render(Trunc(it.about, inner-5)) + "\n")
		if i < len(items)-1 && spaced {
			b.WriteString("\n")
		}
	}
	b.WriteString(tail.String())
	return s.place(t.Panel.Width(s.panelWidth()).Render(strings.TrimRight(b.String(), "\n")))
}

// leave is the help's esc binding of a flow: esc leaves the form, not only the field, and the
// line says so (the root, which names each key once, leaves out its own "leave field").
func (b *secBase) leave(desc string) key.Binding { return withDesc(b.c.Keys.Global.LeaveField, desc) }

// ShortHelp is the security screen's keys for what it shows.
func (s *Security) ShortHelp() []key.Binding {
	if s.open != nil {
		return s.open.help()
	}
	sk := s.c.Keys.Security
	if s.mfaOn {
		return []key.Binding{sk.Down, sk.Open, sk.MFA, sk.Password, sk.APIKeys, sk.SignOut, sk.LogoutAll, sk.Colour, sk.Recovery}
	}
	return []key.Binding{sk.Down, sk.Open, sk.MFA, sk.Password, sk.APIKeys, sk.SignOut, sk.LogoutAll, sk.Colour}
}

// FullHelp is every key of the security screen.
func (s *Security) FullHelp() [][]key.Binding {
	sk := s.c.Keys.Security
	return [][]key.Binding{{sk.Up, sk.Down, sk.Open, sk.Back}, {sk.MFA, sk.Recovery, sk.Password, sk.APIKeys, sk.SignOut, sk.LogoutAll, sk.Colour, sk.Copy},
		{sk.NewKey, sk.RevokeKey}}
}
