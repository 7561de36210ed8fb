package views

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/termsafe"
)

// The Security screen's API keys: a list (name, scopes, limit, spent, last used), a form that
// creates one (name, scopes, limit, expiry, and a code when two-factor is on), the new key shown
// once whole with a copy to the terminal's clipboard, and a revocation that asks first. Every
// call runs in a command that answers with a message tagged with its request; names come from
// the service and pass termsafe where they are drawn.

// keysState is where the API keys part of the screen is.
type keysState struct {
	list    []api.APIKey
	loaded  bool
	listReq int
	sel     int
	form    *Form
	created api.NewAPIKey // the new key, kept only while shown
	copied  bool
	revoke  api.APIKey // the key being asked about
}

// newKeyForm is the create form: name, scopes, limit, expiry, code (used when two-factor is on).
func newKeyForm(c *Common) *Form {
	name := NewField(c, "Name", "ci, reports, my-app")
	name.Input.CharLimit = api.MaxAPIKeyNameLen
	scopes := NewField(c, "Scopes", "read, pay")
	scopes.Input.CharLimit = 20
	scopes.Hint = "read: account, history, events · pay: payments, tokens"
	limit := NewField(c, "Limit", "none, or 50.00/day, 200/week, 1000/month")
	limit.Input.CharLimit = 40
	expires := NewField(c, "Expires", "90d, 12h, 2w, 1y or 2027-03-01 (default a year)")
	expires.Input.CharLimit = 30
	code := NewField(c, "Code", "123456")
	code.Input.CharLimit = 6
	f := NewForm(name, scopes, limit, expires, code)
	f.Blur()
	return f
}

// secKeysMsg is the answer to listing the keys.
type secKeysMsg struct {
	reqID int
	keys  []api.APIKey
	err   error
}

func (s *Security) loadKeys() tea.Cmd {
	id := s.reqs.next()
	s.keys.listReq = id
	c := s.c
	return func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		keys, err := c.Client.ListAPIKeys(ctx)
		return secKeysMsg{reqID: id, keys: keys, err: err}
	}
}

// secKeyCreatedMsg is the answer to creating a key.
type secKeyCreatedMsg struct {
	reqID int
	key   api.NewAPIKey
	err   error
}

func (s *Security) createKey(r client.APIKeyRequest) tea.Cmd {
	id := s.wait()
	c := s.c
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		k, err := c.Client.CreateAPIKey(ctx, r)
		return secKeyCreatedMsg{reqID: id, key: k, err: err}
	})
}

// secKeyRevokedMsg is the answer to revoking a key.
type secKeyRevokedMsg struct {
	reqID int
	name  string
	err   error
}

func (s *Security) revokeKey(k api.APIKey) tea.Cmd {
	id := s.wait()
	c := s.c
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		return secKeyRevokedMsg{reqID: id, name: k.Name, err: c.Client.RevokeAPIKey(ctx, k.ID)}
	})
}

// openKeys shows the list and reads it again.
func (s *Security) openKeys(note string, bad bool) tea.Cmd {
	s.state, s.banner, s.note, s.noteBad = secKeys, "", note, bad
	s.keys.created, s.keys.copied, s.keys.revoke = api.NewAPIKey{}, false, api.APIKey{}
	s.keys.form.Blur()
	return s.loadKeys()
}

// updateKeys handles the answers of the API keys part; handled is false for other messages.
func (s *Security) updateKeys(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case secKeysMsg:
		if msg.reqID != s.keys.listReq {
			return nil, true
		}
		s.keys.listReq = 0
		if msg.err != nil {
			if cmd, ok := ended(msg.err); ok {
				return cmd, true
			}
			if s.state == secKeys {
				s.banner = Message(msg.err)
			}
			return nil, true
		}
		s.keys.list, s.keys.loaded = msg.keys, true
		s.keys.sel = min(s.keys.sel, max(len(msg.keys)-1, 0))
		return nil, true
	case secKeyCreatedMsg:
		if msg.reqID != s.waiting {
			return nil, true
		}
		s.waiting = 0
		if msg.err != nil {
			return s.createFailed(msg.err), true
		}
		s.keys.created, s.keys.copied = msg.key, false
		s.keys.form.Blur()
		for _, f := range s.keys.form.Fields {
			f.Input.SetValue("")
			f.Err = ""
		}
		s.state = secKeyShown
		return nil, true
	case secKeyRevokedMsg:
		if msg.reqID != s.waiting {
			return nil, true
		}
		s.waiting = 0
		if msg.err != nil {
			if cmd, ok := ended(msg.err); ok {
				return cmd, true
			}
			return s.openKeys("✗ Could not revoke the key: "+Message(msg.err), true), true
		}
		return s.openKeys(fmt.Sprintf("✓ Revoked the API key %q: it stopped working at once.", termsafe.String(msg.name)), false), true
	}
	return nil, false
}

// keysKey handles a key press in the API keys states.
func (s *Security) keysKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	sk := k.Security
	switch s.state {
	case secKeys:
		switch {
		case key.Matches(msg, sk.Up):
			if len(s.keys.list) > 0 {
				s.keys.sel = (s.keys.sel + len(s.keys.list) - 1) % len(s.keys.list)
			}
		case key.Matches(msg, sk.Down):
			if len(s.keys.list) > 0 {
				s.keys.sel = (s.keys.sel + 1) % len(s.keys.list)
			}
		case key.Matches(msg, sk.NewKey):
			return s.openKeyForm()
		case key.Matches(msg, sk.RevokeKey):
			if s.keys.sel < len(s.keys.list) {
				s.keys.revoke = s.keys.list[s.keys.sel]
				s.state, s.banner, s.note = secKeyRevokeAsk, "", ""
			}
		case key.Matches(msg, sk.Back):
			s.toMenu("", false)
		}
	case secKeyForm:
		switch {
		case key.Matches(msg, k.Global.LeaveField):
			return s.openKeys("", false)
		case key.Matches(msg, k.Form.Submit):
			return s.submitKey()
		case key.Matches(msg, k.Form.Next):
			return s.keyFormStep(+1)
		case key.Matches(msg, k.Form.Prev):
			return s.keyFormStep(-1)
		}
		if !s.keys.form.Focused() {
			return s.keys.form.FocusOn(0)
		}
		s.keys.form.Current().Err = ""
		return s.keys.form.Update(msg)
	case secKeyShown:
		switch {
		case key.Matches(msg, sk.Copy):
			s.keys.copied = true
			return tea.Batch(tea.SetClipboard(s.keys.created.Key),
				Toast(ToastInfo, "The key was sent to the terminal's clipboard."))
		case key.Matches(msg, sk.Open), key.Matches(msg, sk.Back):
			// Shown once: gone from memory too.
			return s.openKeys(fmt.Sprintf("✓ Created the API key %q.", termsafe.String(s.keys.created.Name)), false)
		}
	case secKeyRevokeAsk:
		switch {
		case key.Matches(msg, k.Confirm.Yes):
			return s.revokeKey(s.keys.revoke)
		case key.Matches(msg, k.Confirm.No):
			s.state = secKeys
		}
	}
	return nil
}

// keyFields is how many fields of the create form are in use: the code only with two-factor on.
func (s *Security) keyFields() int {
	if s.mfaOn {
		return 5
	}
	return 4
}

func (s *Security) openKeyForm() tea.Cmd {
	s.state, s.banner, s.note = secKeyForm, "", ""
	f := s.keys.form
	for _, fl := range f.Fields {
		fl.Input.SetValue("")
		fl.Err = ""
	}
	f.Fields[1].Input.SetValue(api.ScopeRead)
	return f.FocusOn(0)
}

// keyFormStep moves the focus among the fields in use, round.
func (s *Security) keyFormStep(d int) tea.Cmd {
	n := s.keyFields()
	return s.keys.form.FocusOn((s.keys.form.Focus + d + n) % n)
}

// submitKey checks the form where it can (the same parsers as `syftwallet apikey create`) and
// sends it.
func (s *Security) submitKey() tea.Cmd {
	f := s.keys.form
	f.ClearErrors()
	s.banner = ""
	name, scopesF, limitF, expF, codeF := f.Fields[0], f.Fields[1], f.Fields[2], f.Fields[3], f.Fields[4]
	if _, e := api.CheckAPIKeyName("name", name.Value()); e != nil {
		name.Err = e.Message
		return f.FocusOn(0)
	}
	var scopes []string
	for _, sc := range strings.FieldsFunc(strings.ToLower(scopesF.Value()), func(r rune) bool { return r == ',' || r == ' ' }) {
		scopes = append(scopes, sc)
	}
	if _, e := api.CheckScopes("scopes", scopes); e != nil {
		scopesF.Err = e.Message
		return f.FocusOn(1)
	}
	lim := strings.TrimSpace(limitF.Value())
	if strings.EqualFold(lim, "none") {
		lim = ""
	}
	limit, err := client.ParseSpendLimit(lim)
	if err != nil {
		limitF.Err = termsafe.String(err.Error())
		return f.FocusOn(2)
	}
	exp, err := client.ParseKeyExpiry(expF.Value(), s.c.now())
	if err != nil {
		expF.Err = err.Error()
		return f.FocusOn(3)
	}
	code := strings.TrimSpace(codeF.Value())
	if s.mfaOn && (len(code) != 6 || !allDigits(code)) {
		codeF.Err = "Two-factor is on: enter the 6-digit code from your authenticator app."
		return f.FocusOn(4)
	}
	f.Blur()
	return s.createKey(client.APIKeyRequest{Name: name.Value(), Scopes: scopes, SpendLimit: limit, ExpiresAt: exp, Code: code})
}

func (s *Security) createFailed(err error) tea.Cmd {
	if cmd, ok := ended(err); ok {
		return cmd
	}
	f := s.keys.form
	field, text := ErrorField(err)
	var mfa *client.MFARequiredError
	switch {
	case errors.As(err, &mfa), field == "code":
		s.mfaOn = true // the service says two-factor is on: the code field appears
		f.Fields[4].Err = "That code is not valid; check the app's clock and try the next one."
		f.Fields[4].Input.SetValue("")
		return f.FocusOn(4)
	case field == "name":
		f.Fields[0].Err = text
		return f.FocusOn(0)
	case field == "scopes":
		f.Fields[1].Err = text
		return f.FocusOn(1)
	case strings.HasPrefix(field, "spendLimit"):
		f.Fields[2].Err = text
		return f.FocusOn(2)
	case field == "expiresAt":
		f.Fields[3].Err = text
		return f.FocusOn(3)
	}
	s.banner = text
	return f.FocusOn(0)
}

// --- view ------------------------------------------------------------------------------------

func (s *Security) keysView() string {
	switch s.state {
	case secKeyForm:
		return s.boxed("New API key", s.keyFormBody())
	case secKeyShown:
		return s.keyShownView()
	case secKeyRevokeAsk:
		return s.keyRevokeView()
	}
	return s.keysListView()
}

// keyLimit is a key's spend limit for people: "50.00 a day", or "none".
func (s *Security) keyLimit(k api.APIKey) string {
	if k.SpendLimit == nil || k.SpendLimit.Amount == nil {
		return "none"
	}
	return s.c.Amount(*k.SpendLimit.Amount) + " a " + k.SpendLimit.Period
}

func (s *Security) keysListView() string {
	t := s.c.Theme
	k := s.c.Keys.Security
	pw := s.panelWidth()
	inner := pw - 4
	var b strings.Builder
	b.WriteString(t.Title.Render("API keys") + "  " + t.Faint.Render("for scripts, CI jobs and SyftBox apps") + "\n\n")
	switch {
	case !s.keys.loaded && s.banner == "":
		b.WriteString(t.Muted.Render("Loading…") + "\n")
	case s.keys.loaded && len(s.keys.list) == 0:
		b.WriteString(t.Muted.Render(wrap("No API keys yet. A key lets a program use this account without your password: "+
			"set SYFTWALLET_API_KEY in its environment.", inner)) + "\n")
	case s.keys.loaded:
		// name, scopes, limit, spent, last used: the widths of the columns after the name.
		scopeW, limitW, spentW, usedW := 9, 18, 10, 10
		nameW := max(inner-2-scopeW-limitW-spentW-usedW-4, 8)
		head := "  " + Fit("NAME", nameW) + " " + Fit("SCOPES", scopeW) + " " + Fit("LIMIT", limitW) + " " +
			FitRight("SPENT", spentW) + " " + FitRight("LAST USED", usedW)
		b.WriteString(t.Muted.Render(head) + "\n")
		rows := max(s.height-14, 3) // the panel's title, header, help and news around the rows
		first := max(0, s.keys.sel-rows+1)
		for i := first; i < len(s.keys.list) && i < first+rows; i++ {
			key := s.keys.list[i]
			spent := "–"
			if key.SpendLimit != nil {
				spent = s.c.Amount(key.SpentInPeriod)
			}
			used := "never"
			if key.LastUsedAt != nil {
				used = Ago(key.LastUsedAt.Time, s.c.now())
			}
			line := Fit(termsafe.String(key.Name), nameW) + " " + Fit(strings.Join(key.Scopes, ","), scopeW) + " " +
				Fit(s.keyLimit(key), limitW) + " " + FitRight(spent, spentW) + " " + FitRight(used, usedW)
			if i == s.keys.sel {
				b.WriteString(t.Accent.Render("▸ "+line) + "\n")
			} else {
				b.WriteString("  " + t.Text.Render(line) + "\n")
			}
		}
		if sel := s.keys.sel; sel < len(s.keys.list) {
			b.WriteString("\n" + t.Faint.Render(Trunc(fmt.Sprintf("%s · expires %s", s.keys.list[sel].ID,
				Date(s.keys.list[sel].ExpiresAt.Time)), inner)) + "\n")
		}
	}
	if s.note != "" {
		st := t.Positive
		if s.noteBad {
			st = t.Error
		}
		b.WriteString("\n" + st.Render(wrap(s.note, inner)) + "\n")
	}
	if s.banner != "" {
		b.WriteString("\n" + t.Error.Render(wrap("✗ "+s.banner, inner)) + "\n")
	}
	b.WriteString("\n" + t.Key.Render(k.NewKey.Help().Key) + t.Muted.Render(" new key   "))
	if len(s.keys.list) > 0 {
		b.WriteString(t.Key.Render(k.RevokeKey.Help().Key) + t.Muted.Render(" revoke   "))
	}
	b.WriteString(t.Key.Render(k.Back.Help().Key) + t.Muted.Render(" back"))
	box := t.Panel.Width(pw).Render(b.String())
	return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box)
}

func (s *Security) keyFormBody() string {
	t := s.c.Theme
	inner := s.panelWidth() - 4
	f := s.keys.form
	var b strings.Builder
	b.WriteString(t.Muted.Render(wrap("The key is shown once when it is made. It cannot sign in, change the password or two-factor, or manage keys.", inner)) + "\n\n")
	for i := 0; i < s.keyFields(); i++ {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(f.Fields[i].View(s.c, 8))
	}
	if s.waiting != 0 {
		b.WriteString("\n\n" + s.spin.View() + " " + t.Muted.Render("Creating the key…"))
	}
	if s.banner != "" {
		b.WriteString("\n\n" + t.Error.Render(wrap("✗ "+s.banner, inner)))
	}
	return b.String()
}

func (s *Security) keyShownView() string {
	t := s.c.Theme
	k := s.c.Keys.Security
	inner := s.panelWidth() - 4
	nk := s.keys.created
	var b strings.Builder
	b.WriteString(t.Positive.Render(Trunc(fmt.Sprintf("✓ Created the API key %q.", termsafe.String(nk.Name)), inner)) + "\n\n")
	b.WriteString(t.Warning.Render(wrap("Store the key now: it is shown only this once, and the service keeps only a hash of it.", inner)) + "\n\n")
	// The key whole, cut into lines of the panel's width (never truncated).
	for key := nk.Key; key != ""; {
		n := min(len(key), inner)
		b.WriteString(t.Code.Render(key[:n]) + "\n")
		key = key[n:]
	}
	b.WriteString("\n" + t.Muted.Render(wrap(fmt.Sprintf("Scopes %s · limit %s · expires %s. In CI, store it as the secret SYFTWALLET_API_KEY.",
		strings.Join(nk.Scopes, ", "), s.keyLimit(nk.APIKey), Date(nk.ExpiresAt.Time)), inner)) + "\n\n")
	if s.keys.copied {
		b.WriteString(t.Positive.Render(wrap("✓ Sent to the terminal's clipboard (if your terminal allows it, OSC 52).", inner)) + "\n\n")
	}
	b.WriteString(t.Key.Render(k.Copy.Help().Key) + t.Muted.Render(" copy key   ") +
		t.Key.Render(k.Open.Help().Key) + t.Muted.Render(" I have stored it"))
	box := t.PanelDanger.Width(s.panelWidth()).Render(t.Title.Render("New API key") + "\n\n" + b.String())
	return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box)
}

func (s *Security) keyRevokeView() string {
	t := s.c.Theme
	k := s.c.Keys
	inner := s.panelWidth() - 4
	rk := s.keys.revoke
	var b strings.Builder
	b.WriteString(t.Warning.Render(wrap(fmt.Sprintf("Revoke the API key %q?", termsafe.String(rk.Name)), inner)) + "\n\n")
	b.WriteString(t.Text.Render(wrap(fmt.Sprintf("Scopes %s, limit %s. Programs using it stop working at once, and it cannot be brought back.",
		strings.Join(rk.Scopes, ", "), s.keyLimit(rk)), inner)) + "\n\n")
	if s.waiting != 0 {
		b.WriteString(s.spin.View() + " " + t.Muted.Render("Revoking…"))
	} else {
		b.WriteString(t.Key.Render(k.Confirm.Yes.Help().Key) + t.Muted.Render(" revoke   ") +
			t.Key.Render(k.Confirm.No.Help().Key) + t.Muted.Render(" cancel"))
	}
	if s.banner != "" {
		b.WriteString("\n\n" + t.Error.Render(wrap("✗ "+s.banner, inner)))
	}
	box := t.PanelDanger.Width(s.panelWidth()).Render(b.String())
	return lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box)
}

// keysHelp is the help line of the API keys states.
func (s *Security) keysHelp() []key.Binding {
	k := s.c.Keys
	sk := k.Security
	switch s.state {
	case secKeyForm:
		return []key.Binding{k.Form.Next, withDesc(k.Form.Submit, "create"), withDesc(k.Global.LeaveField, "back")}
	case secKeyShown:
		return []key.Binding{withDesc(sk.Copy, "copy key"), withDesc(sk.Open, "done")}
	case secKeyRevokeAsk:
		return []key.Binding{withDesc(k.Confirm.Yes, "revoke"), withDesc(k.Confirm.No, "cancel")}
	}
	return []key.Binding{sk.Down, sk.NewKey, sk.RevokeKey, sk.Back}
}
