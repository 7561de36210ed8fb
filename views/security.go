package views

import (
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/theme"
)

type secState int

const (
	secMenu         secState = iota
	secEnroll                // the QR code, the secret and the first code
	secCodes                 // the recovery codes, shown once
	secDisable               // a code to turn two-factor off
	secPassword              // old, new, repeat
	secLogoutAsk             // sign out everywhere? y/n
	secSignOutAsk            // sign out of this session? y/n
	secKeys                  // the API keys
	secKeyForm               // a new API key: name, scopes, limit, expiry (and a code)
	secKeyShown              // the new key, shown once
	secKeyRevokeAsk          // revoke this key? y/n
)

// The menu's entries, in order.
const (
	secItemMFA = iota
	secItemPassword
	secItemSignOut
	secItemLogoutAll
	secItemColour
	secItemAPIKeys
	secItems
)

// Security shows the account's second factor, changes the password, lists, creates and revokes
// API keys (security_apikeys.go), signs out of this session or of every session (each after
// asking), and turns colours off for this session (for SSH clients that draw them badly).
type Security struct {
	c    *Common
	spin spinner.Model
	reqs reqs

	state   secState
	sel     int
	waiting int // the request being waited for, 0 when none
	acctReq int

	mfaOn    bool
	haveUser bool
	// mfaReq is the request turning two-factor on or off (0 when none) and mfaDone when the last
	// one succeeded: the live event that change causes is this screen's to report (Expects).
	mfaReq  int
	mfaDone time.Time

	enroll api.MFAEnrollment
	qr     barcode.Barcode // nil when the URL could not be encoded
	code   *Form           // the code field (enroll, disable)
	pass   *Form           // current, new, again
	codes  []string        // recovery codes, kept only while shown
	copied bool
	keys   keysState // the API keys part

	banner  string // an error for the whole state
	note    string // news on the menu ("Password changed…")
	noteBad bool

	width, height int
}

// NewSecurity returns the security screen; Init reads the account.
func NewSecurity(c *Common) *Security {
	code := NewField(c, "Code", "123456")
	code.Input.CharLimit = 6
	cur := NewField(c, "Current", "your password now").Secret()
	nw := NewField(c, "New", "at least 8 characters").Secret()
	again := NewField(c, "Again", "the new password again").Secret()
	for _, f := range []*Field{cur, nw, again} {
		f.Input.CharLimit = 256
	}
	s := &Security{c: c, spin: NewSpinner(c.Theme), code: NewForm(code), pass: NewForm(cur, nw, again)}
	s.keys.form = newKeyForm(c)
	s.code.Blur()
	s.pass.Blur()
	return s
}

// Init reads whether two-factor is on.
func (s *Security) Init() tea.Cmd { return s.loadAccount() }

// Activate reads the account again whenever the screen is shown.
func (s *Security) Activate(SwitchMsg) tea.Cmd {
	switch s.state {
	case secMenu:
		return s.loadAccount()
	case secKeys:
		return tea.Batch(s.loadAccount(), s.loadKeys())
	}
	return nil
}

// SetSize lays the screen out.
func (s *Security) SetSize(w, h int) {
	s.width, s.height = w, h
	s.code.SetWidth(20)
	s.pass.SetWidth(min(max(w-30, 16), 40))
	s.keys.form.SetWidth(min(max(s.panelWidth()-16, 16), 56))
}

// InputFocused reports whether typing goes into a field.
func (s *Security) InputFocused() bool {
	switch s.state {
	case secEnroll, secDisable:
		return s.code.Focused()
	case secPassword:
		return s.pass.Focused()
	case secKeyForm:
		return s.keys.form.Focused()
	}
	return false
}

// ownEventWindow is how long after its own change to two-factor succeeded the screen still
// expects the event it causes (the live feed may bring it after the answer).
const ownEventWindow = 15 * time.Second

// Expects reports whether an event is the outcome of the person's own change to two-factor on
// this screen, which the screen reports itself.
func (s *Security) Expects(eventType string) bool {
	if eventType != api.EventSecurityMFAChanged {
		return false
	}
	return (s.mfaReq != 0 && s.mfaReq == s.waiting) ||
		(!s.mfaDone.IsZero() && s.c.now().Sub(s.mfaDone) < ownEventWindow)
}

// State names what the screen shows, for tests: menu, enroll, codes, disable, password, logout
// (everywhere), signout (this session), keys, keyform, keyshown, keyrevoke.
func (s *Security) State() string {
	return [...]string{"menu", "enroll", "codes", "disable", "password", "logout", "signout",
		"keys", "keyform", "keyshown", "keyrevoke"}[s.state]
}

// secAccountMsg is the answer to reading the account.
type secAccountMsg struct {
	reqID int
	user  api.User
	err   error
}

func (s *Security) loadAccount() tea.Cmd {
	id := s.reqs.next()
	s.acctReq = id
	c := s.c
	return func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		u, err := c.Client.Account(ctx)
		return secAccountMsg{reqID: id, user: u, err: err}
	}
}

// secEnrolledMsg is the answer to starting enrolment.
type secEnrolledMsg struct {
	reqID int
	en    api.MFAEnrollment
	qr    barcode.Barcode
	err   error
}

func (s *Security) startEnroll() tea.Cmd {
	id := s.wait()
	c := s.c
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		en, err := c.Client.EnrollMFA(ctx)
		if err != nil {
			return secEnrolledMsg{reqID: id, err: err}
		}
		code, _ := qr.Encode(en.OtpauthURL, qr.L, qr.Auto) // nil on failure: the secret still works
		return secEnrolledMsg{reqID: id, en: en, qr: code}
	})
}

// secEnabledMsg is the answer to the first code.
type secEnabledMsg struct {
	reqID int
	codes []string
	err   error
}

func (s *Security) enable(code string) tea.Cmd {
	id := s.wait()
	s.mfaReq = id
	c := s.c
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		codes, err := c.Client.EnableMFA(ctx, code)
		return secEnabledMsg{reqID: id, codes: codes, err: err}
	})
}

// secDisabledMsg is the answer to turning two-factor off.
type secDisabledMsg struct {
	reqID int
	err   error
}

func (s *Security) disable(code string) tea.Cmd {
	id := s.wait()
	s.mfaReq = id
	c := s.c
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		return secDisabledMsg{reqID: id, err: c.Client.DisableMFA(ctx, code)}
	})
}

// secPasswordMsg is the answer to changing the password.
type secPasswordMsg struct {
	reqID int
	err   error
}

func (s *Security) changePassword(old, nw string) tea.Cmd {
	id := s.wait()
	c := s.c
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		return secPasswordMsg{reqID: id, err: c.Client.ChangePassword(ctx, old, nw)}
	})
}

// secLoggedOutMsg is the answer to signing out everywhere.
type secLoggedOutMsg struct {
	reqID int
	err   error
}

func (s *Security) logoutAll() tea.Cmd {
	id := s.wait()
	c := s.c
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		return secLoggedOutMsg{reqID: id, err: c.Client.LogoutAll(ctx)}
	})
}

// secSignedOutMsg is the answer to signing out of this session.
type secSignedOutMsg struct{ reqID int }

func (s *Security) signOut() tea.Cmd {
	id := s.wait()
	c := s.c
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		// The session ends here whatever the service answers: the client forgets its tokens
		// either way, and a service that could not be told lets them expire.
		_ = c.Client.Logout(ctx)
		return secSignedOutMsg{reqID: id}
	})
}

func (s *Security) wait() int {
	id := s.reqs.next()
	s.waiting = id
	s.banner = ""
	return id
}

// ended turns a lost session into the sign-in screen; ok is false when err is something else.
func ended(err error) (tea.Cmd, bool) {
	var unauth *client.UnauthenticatedError
	if errors.As(err, &unauth) && !unauth.BadCredentials {
		return func() tea.Msg { return SignedOutMsg{Reason: "Your session has ended; sign in again."} }, true
	}
	return nil, false
}

// Update handles keys and answers.
func (s *Security) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := s.updateKeys(msg); ok {
		return s, cmd
	}
	switch msg := msg.(type) {
	case StyleMsg:
		s.code.Restyle(s.c)
		s.pass.Restyle(s.c)
		s.keys.form.Restyle(s.c)
		s.spin.Style = s.c.Theme.Accent
	case spinner.TickMsg:
		if s.waiting != 0 {
			var cmd tea.Cmd
			s.spin, cmd = s.spin.Update(msg)
			return s, cmd
		}
	case secAccountMsg:
		if msg.reqID == s.acctReq {
			s.acctReq = 0
			if msg.err == nil {
				s.mfaOn, s.haveUser = msg.user.MFAEnabled, true
			}
		}
	case LiveMsg:
		if (msg.Type == api.EventAPIKeyCreated || msg.Type == api.EventAPIKeyRevoked) && s.state == secKeys {
			return s, s.loadKeys()
		}
		if msg.Type == api.EventSecurityMFAChanged && s.state == secMenu {
			c := s.c
			return s, tea.Sequence(func() tea.Msg { c.Client.Invalidate(); return nil }, s.loadAccount())
		}
	case ReloadMsg:
		return s, s.loadAccount()
	case secEnrolledMsg:
		if msg.reqID != s.waiting {
			return s, nil
		}
		s.waiting = 0
		if msg.err != nil {
			if cmd, ok := ended(msg.err); ok {
				return s, cmd
			}
			s.state, s.note, s.noteBad = secMenu, "✗ Could not start two-factor set-up: "+Message(msg.err), true
			return s, nil
		}
		s.enroll, s.qr = msg.en, msg.qr
		return s, s.openCode(secEnroll)
	case secEnabledMsg:
		if msg.reqID != s.waiting {
			return s, nil
		}
		s.waiting, s.mfaReq = 0, 0
		if msg.err != nil {
			return s, s.codeFailed(msg.err)
		}
		s.mfaDone = s.c.now()
		s.mfaOn, s.codes, s.copied = true, msg.codes, false
		s.enroll, s.qr = api.MFAEnrollment{}, nil
		s.state = secCodes
		return s, nil
	case secDisabledMsg:
		if msg.reqID != s.waiting {
			return s, nil
		}
		s.waiting, s.mfaReq = 0, 0
		if msg.err != nil {
			return s, s.codeFailed(msg.err)
		}
		s.mfaDone = s.c.now()
		s.mfaOn = false
		s.toMenu("✓ Two-factor authentication is off. Signing in now needs only your password.", false)
		return s, nil
	case secPasswordMsg:
		if msg.reqID != s.waiting {
			return s, nil
		}
		s.waiting = 0
		if msg.err != nil {
			return s, s.passwordFailed(msg.err)
		}
		s.toMenu("✓ Password changed. Your other sessions were signed out; this one stays signed in.", false)
		return s, nil
	case secLoggedOutMsg:
		if msg.reqID != s.waiting {
			return s, nil
		}
		s.waiting = 0
		if msg.err != nil {
			if cmd, ok := ended(msg.err); ok {
				return s, cmd
			}
			s.banner = Message(msg.err)
			return s, nil
		}
		return s, func() tea.Msg { return SignedOutMsg{Reason: "You were signed out everywhere."} }
	case secSignedOutMsg:
		if msg.reqID != s.waiting {
			return s, nil
		}
		s.waiting = 0
		return s, func() tea.Msg { return SignedOutMsg{Reason: "You are signed out."} }
	case tea.PasteMsg:
		switch s.state {
		case secEnroll, secDisable:
			return s, s.code.Update(msg)
		case secPassword:
			return s, s.pass.Update(msg)
		case secKeyForm:
			return s, s.keys.form.Update(msg)
		}
	case tea.KeyPressMsg:
		if s.waiting != 0 {
			return s, nil // one thing at a time
		}
		switch s.state {
		case secMenu:
			return s, s.menuKey(msg)
		case secEnroll, secDisable:
			return s, s.codeKey(msg)
		case secCodes:
			return s, s.codesKey(msg)
		case secPassword:
			return s, s.passwordKey(msg)
		case secKeys, secKeyForm, secKeyShown, secKeyRevokeAsk:
			return s, s.keysKey(msg)
		case secLogoutAsk, secSignOutAsk:
			// Only the confirm key acts; no and esc go back; every other key is nothing.
			k := s.c.Keys
			switch {
			case key.Matches(msg, k.Confirm.Yes) && s.state == secLogoutAsk:
				return s, s.logoutAll()
			case key.Matches(msg, k.Confirm.Yes):
				return s, s.signOut()
			case key.Matches(msg, k.Confirm.No):
				s.toMenu("", false)
			}
		}
	}
	return s, nil
}

func (s *Security) toMenu(note string, bad bool) {
	s.state, s.note, s.noteBad, s.banner = secMenu, note, bad, ""
	s.code.Blur()
	s.pass.Blur()
	for _, f := range append(s.code.Fields, s.pass.Fields...) {
		f.Input.SetValue("")
		f.Err = ""
	}
}

func (s *Security) openCode(st secState) tea.Cmd {
	s.state, s.banner, s.note = st, "", ""
	f := s.code.Fields[0]
	f.Input.SetValue("")
	f.Err = ""
	f.Input.CharLimit = 6
	f.Label, f.Hint = "Code", ""
	if st == secDisable {
		f.Input.CharLimit = 40
		f.Hint = "a 6-digit code, or a recovery code"
	}
	return s.code.FocusOn(0)
}

func (s *Security) menuKey(msg tea.KeyPressMsg) tea.Cmd {
	sk := s.c.Keys.Security
	switch {
	case key.Matches(msg, sk.Up):
		s.sel = (s.sel + secItems - 1) % secItems
	case key.Matches(msg, sk.Down):
		s.sel = (s.sel + 1) % secItems
	case key.Matches(msg, sk.Open):
		return s.open(s.sel)
	case key.Matches(msg, sk.MFA):
		return s.open(secItemMFA)
	case key.Matches(msg, sk.Password):
		return s.open(secItemPassword)
	case key.Matches(msg, sk.APIKeys):
		return s.open(secItemAPIKeys)
	case key.Matches(msg, sk.SignOut):
		return s.open(secItemSignOut)
	case key.Matches(msg, sk.LogoutAll):
		return s.open(secItemLogoutAll)
	case key.Matches(msg, sk.Colour):
		return s.open(secItemColour)
	case key.Matches(msg, sk.Back):
		s.note = ""
	}
	return nil
}

func (s *Security) open(item int) tea.Cmd {
	s.sel = item
	s.note = ""
	switch item {
	case secItemMFA:
		if !s.haveUser {
			return nil
		}
		if s.mfaOn {
			return s.openCode(secDisable)
		}
		return s.startEnroll()
	case secItemPassword:
		s.state, s.banner = secPassword, ""
		return s.pass.FocusOn(0)
	case secItemAPIKeys:
		return s.openKeys("", false)
	case secItemSignOut:
		s.state, s.banner = secSignOutAsk, ""
	case secItemLogoutAll:
		s.state, s.banner = secLogoutAsk, ""
	case secItemColour:
		mono := s.c.Theme == nil || s.c.Theme.Name != theme.Mono
		return func() tea.Msg { return ThemeToggleMsg{Mono: mono} }
	}
	return nil
}

func (s *Security) codeKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	f := s.code.Fields[0]
	switch {
	case key.Matches(msg, k.Global.LeaveField), key.Matches(msg, k.Security.Back) && !s.code.Focused():
		s.toMenu("", false)
		return nil
	case key.Matches(msg, k.Form.Submit):
		return s.submitCode()
	}
	if !s.code.Focused() {
		return s.code.FocusOn(0)
	}
	f.Err = ""
	cmd := s.code.Update(msg)
	if v := strings.TrimSpace(f.Value()); s.state == secEnroll && len(v) == 6 && allDigits(v) {
		return tea.Batch(cmd, s.submitCode()) // six digits: no need to press enter
	}
	return cmd
}

func (s *Security) submitCode() tea.Cmd {
	f := s.code.Fields[0]
	code := strings.ReplaceAll(strings.TrimSpace(f.Value()), " ", "")
	switch {
	case code == "":
		f.Err = "Enter the 6-digit code from your authenticator app."
		return nil
	case s.state == secEnroll && (len(code) != 6 || !allDigits(code)):
		f.Err = "The code is 6 digits."
		return nil
	}
	f.Err = ""
	if s.state == secEnroll {
		return s.enable(code)
	}
	return s.disable(code)
}

func (s *Security) codeFailed(err error) tea.Cmd {
	if cmd, ok := ended(err); ok {
		return cmd
	}
	f := s.code.Fields[0]
	var val *client.ValidationError
	var unauth *client.UnauthenticatedError
	if (errors.As(err, &val) && (val.Field == "code" || val.Field == "")) || errors.As(err, &unauth) {
		f.Err = "That code is not valid; check the app's clock and try the next one."
		f.Input.SetValue("")
		return s.code.FocusOn(0)
	}
	s.banner = Message(err)
	return nil
}

func (s *Security) codesKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Security.Copy):
		s.copied = true
		return tea.Batch(tea.SetClipboard(strings.Join(s.codes, "\n")),
			Toast(ToastInfo, "Recovery codes copied to the clipboard."))
	case key.Matches(msg, k.Security.Open), key.Matches(msg, k.Security.Back):
		s.codes = nil // shown once: gone from memory too
		s.toMenu("✓ Two-factor authentication is on. Signing in now asks for a code.", false)
	}
	return nil
}

func (s *Security) passwordKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Global.LeaveField):
		s.toMenu("", false)
		return nil
	case key.Matches(msg, k.Form.Submit):
		return s.submitPassword()
	case key.Matches(msg, k.Form.Next):
		return s.pass.Next()
	case key.Matches(msg, k.Form.Prev):
		return s.pass.Prev()
	}
	if !s.pass.Focused() {
		return s.pass.FocusOn(0)
	}
	s.pass.Current().Err = ""
	return s.pass.Update(msg)
}

func (s *Security) submitPassword() tea.Cmd {
	s.pass.ClearErrors()
	s.banner = ""
	cur, nw, again := s.pass.Fields[0], s.pass.Fields[1], s.pass.Fields[2]
	switch {
	case cur.Value() == "":
		cur.Err = "Enter your current password."
		return s.pass.FocusOn(0)
	case len([]rune(nw.Value())) < 8:
		nw.Err = "The new password needs at least 8 characters."
		return s.pass.FocusOn(1)
	case nw.Value() == cur.Value():
		nw.Err = "The new password is the same as the current one."
		return s.pass.FocusOn(1)
	case again.Value() != nw.Value():
		again.Err = "This is not the same as the new password."
		again.Input.SetValue("")
		return s.pass.FocusOn(2)
	}
	s.pass.Blur()
	return s.changePassword(cur.Value(), nw.Value())
}

func (s *Security) passwordFailed(err error) tea.Cmd {
	if cmd, ok := ended(err); ok {
		return cmd
	}
	cur, nw := s.pass.Fields[0], s.pass.Fields[1]
	var unauth *client.UnauthenticatedError
	if errors.As(err, &unauth) {
		cur.Err = "The current password is wrong."
		cur.Input.SetValue("")
		return s.pass.FocusOn(0)
	}
	field, text := ErrorField(err)
	switch field {
	case "oldPassword":
		cur.Err = text
		return s.pass.FocusOn(0)
	case "newPassword", "password":
		nw.Err = text
		return s.pass.FocusOn(1)
	}
	s.banner = text
	return s.pass.FocusOn(0)
}

// --- view ------------------------------------------------------------------------------------

// View draws the state the screen is in.
func (s *Security) View() string {
	switch s.state {
	case secEnroll:
		return s.enrollView()
	case secCodes:
		return s.codesView()
	case secDisable:
		return s.boxed("Turn off two-factor authentication", s.disableBody())
	case secPassword:
		return s.boxed("Change password", s.passwordBody())
	case secLogoutAsk, secSignOutAsk:
		return s.logoutView()
	case secKeys, secKeyForm, secKeyShown, secKeyRevokeAsk:
		return s.keysView()
	}
	return s.menuView()
}

func (s *Security) panelWidth() int { return min(max(s.width-4, 40), 76) }

// boxed centres a panel with a title and a body.
func (s *Security) boxed(title, body string) string {
	t := s.c.Theme
	pw := s.panelWidth()
	box := t.PanelFocused.Width(pw).Render(t.Title.Render(title) + "\n\n" + body)
	return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box)
}

func (s *Security) menuView() string {
	t := s.c.Theme
	k := s.c.Keys.Security
	inner := s.panelWidth() - 4
	mfa := t.Muted.Render("checking…")
	if s.haveUser {
		if s.mfaOn {
			mfa = t.Positive.Render("✓ on")
		} else {
			mfa = t.Warning.Render("✗ off")
		}
	}
	colours := t.Positive.Render("on")
	if s.c.Theme.Name == theme.Mono {
		colours = t.Muted.Render("off")
	}
	type item struct {
		key        key.Binding
		label, val string
		about      string
	}
	mfaAbout := "Ask for a code from an authenticator app when signing in."
	if s.mfaOn {
		mfaAbout = "Signing in asks for a code. Open to turn it off."
	}
	items := []item{
		{k.MFA, "Two-factor authentication", mfa, mfaAbout},
		{k.Password, "Password", "", "Change it; your other sessions are signed out."},
		{k.SignOut, "Sign out", "", "End this session; your other devices stay signed in."},
		{k.LogoutAll, "Sign out everywhere", "", "End every session on every device, this one too."},
		{k.Colour, "Colours", colours, "Turn colours off for this session (for SSH clients)."},
		{k.APIKeys, "API keys", "", "Keys for scripts, CI jobs and apps: list, create, revoke."},
	}
	labW := 28
	var tail strings.Builder
	if s.note != "" {
		st := t.Positive
		if s.noteBad {
			st = t.Error
		}
		tail.WriteString("\n" + st.Render(wrap(s.note, inner)))
	}
	if s.waiting != 0 {
		tail.WriteString("\n" + s.spin.View() + " " + t.Muted.Render("Asking the service…"))
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
		b.WriteString(mark + keyHint + " " + lab + " " + it.val + "\n")
		b.WriteString("     " + t.Faint.Render(Trunc(it.about, inner-5)) + "\n")
		if i < len(items)-1 && spaced {
			b.WriteString("\n")
		}
	}
	b.WriteString(tail.String())
	box := t.Panel.Width(s.panelWidth()).Render(strings.TrimRight(b.String(), "\n"))
	return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box)
}

// qrQuiet is the light margin around the code, in modules (the standard asks for 4; 2 reads well
// on phones and keeps the code inside 100×30).
const qrQuiet = 2

// QRLines draws a QR code with half-block characters, two modules a cell high, light margin
// included. dark says the terminal's background is dark: then light modules are drawn as blocks.
// It returns the lines and their width.
func QRLines(code barcode.Barcode, quiet int, dark bool) ([]string, int) {
	b := code.Bounds()
	n := b.Dx()
	size := n + 2*quiet
	isDark := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		if x < 0 || y < 0 || x >= n || y >= n {
			return false
		}
		return luminance(code.At(b.Min.X+x, b.Min.Y+y)) < 0x8000
	}
	ink := func(x, y int) bool {
		if y >= size {
			return dark // below the code: background
		}
		return isDark(x, y) != dark
	}
	var lines []string
	for y := 0; y < size; y += 2 {
		var sb strings.Builder
		for x := 0; x < size; x++ {
			top, bot := ink(x, y), ink(x, y+1)
			switch {
			case top && bot:
				sb.WriteRune('█')
			case top:
				sb.WriteRune('▀')
			case bot:
				sb.WriteRune('▄')
			default:
				sb.WriteRune(' ')
			}
		}
		lines = append(lines, sb.String())
	}
	return lines, size
}

func luminance(c color.Color) uint32 {
	r, g, bl, _ := c.RGBA()
	return (r + g + bl) / 3
}

// qrView draws the code to fit w×h, or says why it cannot.
func (s *Security) qrView(w, h int) (string, bool) {
	if s.qr == nil {
		return "", false
	}
	t := s.c.Theme
	for _, quiet := range []int{qrQuiet, 1} {
		if _, mono := t.Fg.(lipgloss.NoColor); mono || t.Name == theme.Mono {
			lines, size := QRLines(s.qr, quiet, t.Dark)
			if size <= w && len(lines) <= h {
				return strings.Join(lines, "\n"), true
			}
			continue
		}
		// In colour: black modules on white, whatever the terminal's background.
		lines, size := QRLines(s.qr, quiet, false)
		if size <= w && len(lines) <= h {
			st := lipgloss.NewStyle().Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#FFFFFF"))
			for i, l := range lines {
				lines[i] = st.Render(l)
			}
			return strings.Join(lines, "\n"), true
		}
	}
	return "", false
}

// GroupSecret writes a base32 secret in groups of four, for typing.
func GroupSecret(secret string) string {
	var parts []string
	for len(secret) > 4 {
		parts = append(parts, secret[:4])
		secret = secret[4:]
	}
	return strings.Join(append(parts, secret), " ")
}

func (s *Security) enrollView() string {
	t := s.c.Theme
	k := s.c.Keys
	maxQR := s.width - 40 // leave room for the instructions beside it
	code, ok := s.qrView(maxQR, s.height)
	colW := s.width
	if ok {
		colW = s.width - lipgloss.Width(code) - 3
	}
	colW = min(colW, 60)
	var b strings.Builder
	b.WriteString(t.Title.Render("Turn on two-factor authentication") + "\n\n")
	if ok {
		b.WriteString(t.Text.Render(wrap("1. Scan the code with an authenticator app, or type this secret into it:", colW)) + "\n\n")
	} else if s.qr != nil {
		b.WriteString(t.Warning.Render(wrap("The QR code does not fit in this window: enlarge the window or use the secret.", colW)) + "\n\n")
		b.WriteString(t.Text.Render(wrap("1. Type this secret into your authenticator app:", colW)) + "\n\n")
	} else {
		b.WriteString(t.Text.Render(wrap("1. Type this secret into your authenticator app:", colW)) + "\n\n")
	}
	b.WriteString("   " + t.Code.Render(GroupSecret(s.enroll.Secret)) + "\n")
	b.WriteString("   " + t.Faint.Render("time-based · 6 digits · 30 s") + "\n\n")
	b.WriteString(t.Text.Render(wrap("2. Enter the 6-digit code the app shows:", colW)) + "\n\n")
	b.WriteString(s.code.View(s.c, 5) + "\n")
	if s.waiting != 0 {
		b.WriteString("\n" + s.spin.View() + " " + t.Muted.Render("Checking…") + "\n")
	}
	if s.banner != "" {
		b.WriteString("\n" + t.Error.Render(wrap("✗ "+s.banner, colW)) + "\n")
	}
	b.WriteString("\n" + t.Faint.Render(wrap("Two-factor stays off until a code is accepted. "+
		k.Global.LeaveField.Help().Key+" to stop.", colW)))
	right := lipgloss.NewStyle().Width(colW).Render(strings.TrimRight(b.String(), "\n"))
	if !ok {
		return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, right)
	}
	row := lipgloss.JoinHorizontal(lipgloss.Top, code, "   ", right)
	return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, row)
}

func (s *Security) codesView() string {
	t := s.c.Theme
	k := s.c.Keys
	inner := s.panelWidth() - 4
	var b strings.Builder
	b.WriteString(t.Positive.Render("✓ Two-factor authentication is on.") + "\n\n")
	b.WriteString(t.Warning.Render(wrap("Store these recovery codes now: they are shown only this once.", inner)) + "\n")
	b.WriteString(t.Muted.Render(wrap("Each one works once in place of a code from your app, if you lose it.", inner)) + "\n\n")
	half := (len(s.codes) + 1) / 2
	colW := (inner - 4) / 2
	for i := 0; i < half; i++ {
		left := Fit(fmt.Sprintf("%2d. %s", i+1, s.codes[i]), colW)
		right := ""
		if j := i + half; j < len(s.codes) {
			right = fmt.Sprintf("%2d. %s", j+1, s.codes[j])
		}
		b.WriteString("  " + t.Code.Render(left) + "  " + t.Code.Render(Trunc(right, colW)) + "\n")
	}
	b.WriteString("\n")
	if s.copied {
		b.WriteString(t.Positive.Render("✓ Copied to the clipboard.") + "  ")
	}
	b.WriteString(t.Key.Render(k.Security.Copy.Help().Key) + t.Muted.Render(" copy all   ") +
		t.Key.Render(k.Security.Open.Help().Key) + t.Muted.Render(" I have stored them"))
	box := t.PanelDanger.Width(s.panelWidth()).Render(t.Title.Render("Recovery codes") + "\n\n" + b.String())
	return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box)
}

func (s *Security) disableBody() string {
	return s.formBody(s.c.Theme.Text, "Enter a code from your authenticator app (or a recovery code) to turn two-factor authentication off.",
		s.code, 5, "Turning it off…")
}

func (s *Security) passwordBody() string {
	return s.formBody(s.c.Theme.Muted, "Changing it signs out your other sessions; this one stays signed in.",
		s.pass, 8, "Changing your password…")
}

// formBody is a short form of the screen: a sentence, the fields, then the spinner while the
// request runs and the refusal when it came back.
func (s *Security) formBody(introStyle lipgloss.Style, intro string, form *Form, labelW int, working string) string {
	t := s.c.Theme
	inner := s.panelWidth() - 4
	var b strings.Builder
	b.WriteString(introStyle.Render(wrap(intro, inner)) + "\n\n")
	b.WriteString(form.View(s.c, labelW))
	if s.waiting != 0 {
		b.WriteString("\n\n" + s.spin.View() + " " + t.Muted.Render(working))
	}
	if s.banner != "" {
		b.WriteString("\n\n" + t.Error.Render(wrap("✗ "+s.banner, inner)))
	}
	return b.String()
}

func (s *Security) logoutView() string {
	t := s.c.Theme
	k := s.c.Keys
	inner := s.panelWidth() - 4
	question, what, working, yes := "Sign out everywhere?",
		"Every session of "+s.c.Email+" ends, on every device and this one too. You will need your password (and code) to sign in again.",
		"Signing out everywhere…", " sign out everywhere   "
	if s.state == secSignOutAsk {
		question, what, working, yes = "Sign out of "+s.c.Email+"?",
			"This session ends; your other devices stay signed in. You will need your password (and code) to sign in again.",
			"Signing out…", " sign out   "
	}
	var b strings.Builder
	b.WriteString(t.Warning.Render(wrap(question, inner)) + "\n\n")
	b.WriteString(t.Text.Render(wrap(what, inner)) + "\n\n")
	if s.waiting != 0 {
		b.WriteString(s.spin.View() + " " + t.Muted.Render(working))
	} else {
		b.WriteString(t.Key.Render(k.Confirm.Yes.Help().Key) + t.Muted.Render(yes) +
			t.Key.Render(k.Confirm.No.Help().Key) + t.Muted.Render(" cancel"))
	}
	if s.banner != "" {
		b.WriteString("\n\n" + t.Error.Render(wrap("✗ "+s.banner, inner)))
	}
	box := t.PanelDanger.Width(s.panelWidth()).Render(b.String())
	return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box)
}

// ShortHelp is the security screen's keys for the state it is in.
func (s *Security) ShortHelp() []key.Binding {
	k := s.c.Keys
	sk := k.Security
	// esc leaves the form, not only the field: the line says so (and the root, which names each
	// key once, leaves out its own "leave field").
	back := func(desc string) []key.Binding {
		return []key.Binding{withDesc(k.Global.LeaveField, desc)}
	}
	switch s.state {
	case secEnroll:
		return append([]key.Binding{withDesc(k.Form.Submit, "turn on")}, back("stop")...)
	case secDisable:
		return append([]key.Binding{withDesc(k.Form.Submit, "turn off")}, back("back")...)
	case secCodes:
		return []key.Binding{sk.Copy, withDesc(sk.Open, "done")}
	case secPassword:
		return append([]key.Binding{k.Form.Next, withDesc(k.Form.Submit, "change")}, back("back")...)
	case secLogoutAsk:
		return []key.Binding{withDesc(k.Confirm.Yes, "sign out everywhere"), withDesc(k.Confirm.No, "cancel")}
	case secSignOutAsk:
		return []key.Binding{withDesc(k.Confirm.Yes, "sign out"), withDesc(k.Confirm.No, "cancel")}
	case secKeys, secKeyForm, secKeyShown, secKeyRevokeAsk:
		return s.keysHelp()
	}
	return []key.Binding{sk.Down, sk.Open, sk.MFA, sk.Password, sk.APIKeys, sk.SignOut, sk.LogoutAll, sk.Colour}
}

// FullHelp is every key of the security screen.
func (s *Security) FullHelp() [][]key.Binding {
	sk := s.c.Keys.Security
	return [][]key.Binding{{sk.Up, sk.Down, sk.Open, sk.Back}, {sk.MFA, sk.Password, sk.APIKeys, sk.SignOut, sk.LogoutAll, sk.Colour, sk.Copy},
		{sk.NewKey, sk.RevokeKey}}
}
