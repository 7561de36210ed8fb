package views

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/termsafe"
	"github.com/syftbox/syftwallet/views/components"
)

// The Security screen's API keys flow: a list (name, scopes, limit, spent, last used), a form
// that creates one (name, scopes, limit, expiry, and a code when two-factor is on), the new key
// shown once whole with a copy to the terminal's clipboard, and a revocation that asks first
// (security_apikeys_view.go draws them). Names come from the service and pass termsafe where
// they are drawn.

type keysPhase int

const (
	keysList   keysPhase = iota // the keys
	keysForm                    // a new key: name, scopes, limit, expiry (and a code)
	keysShown                   // the new key, shown once
	keysRevoke                  // revoke this key? y/n
)

type secAPIKeys struct {
	*secBase
	phase keysPhase

	list    []api.APIKey
	loaded  bool
	listReq int
	sel     int
	form    *Form
	created api.NewAPIKey // the new key, kept only while shown
	shown   shownOnce
	copied  bool
	revoke  api.APIKey // the key being asked about
	ask     components.Confirm
	req     int // creating or revoking

	banner  string // a refusal of the service
	note    string // news on the list ("Created the API key…")
	noteBad bool
}

func newSecAPIKeys(b *secBase) *secAPIKeys {
	return &secAPIKeys{secBase: b, form: newKeyForm(b.c)}
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

func (k *secAPIKeys) busy() bool    { return k.req != 0 }
func (k *secAPIKeys) focused() bool { return k.phase == keysForm && k.form.Focused() }
func (k *secAPIKeys) restyle()      { k.form.Restyle(k.c) }
func (k *secAPIKeys) resize()       { k.form.SetWidth(min(max(k.panelWidth()-16, 16), 56)) }

func (k *secAPIKeys) state() string {
	return [...]string{"keys", "keyform", "keyshown", "keyrevoke"}[k.phase]
}

func (k *secAPIKeys) load() tea.Cmd {
	c := k.c
	return Ask(c, k.asks, &k.listReq, func(ctx context.Context) ([]api.APIKey, error) { return c.Client.ListAPIKeys(ctx) })
}

// start shows the list with news (none when note is "") and reads it again.
func (k *secAPIKeys) start(note string, bad bool) tea.Cmd {
	k.phase, k.banner, k.note, k.noteBad = keysList, "", note, bad
	k.created, k.copied, k.revoke = api.NewAPIKey{}, false, api.APIKey{}
	k.form.Blur()
	k.show(k)
	return k.load()
}

// keyRevoked is the answer to revoking a key: its name, for the news.
type keyRevoked struct{ name string }

func (k *secAPIKeys) take(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case Answer[[]api.APIKey]:
		if !msg.For(k.asks, &k.listReq) {
			return nil, false
		}
		if msg.Err != nil {
			if k.open == secFlow(k) && k.phase == keysList {
				k.banner = Message(msg.Err)
			}
			return nil, true
		}
		k.list, k.loaded = msg.Val, true
		k.sel = min(k.sel, max(len(msg.Val)-1, 0))
		return nil, true
	case Answer[api.NewAPIKey]:
		if !msg.For(k.asks, &k.req) {
			return nil, false
		}
		if msg.Err != nil {
			return k.createFailed(msg.Err), true
		}
		k.created, k.copied, k.shown = msg.Val, false, shownOnce{k.c.now()}
		k.form.Blur()
		for _, f := range k.form.Fields {
			f.Input.SetValue("")
			f.Err = ""
		}
		k.phase = keysShown
		return nil, true
	case Answer[keyRevoked]:
		if !msg.For(k.asks, &k.req) {
			return nil, false
		}
		if msg.Err != nil {
			return k.start("✗ Could not revoke the key: "+Message(msg.Err), true), true
		}
		return k.start(fmt.Sprintf("✓ Revoked the API key %q: it stopped working at once.", termsafe.String(msg.Val.name)), false), true
	case LiveMsg:
		// Another device made or revoked a key: the list shown reads again.
		if (msg.Type == api.EventAPIKeyCreated || msg.Type == api.EventAPIKeyRevoked) && k.open == secFlow(k) && k.phase == keysList {
			return k.load(), true
		}
	}
	return nil, false
}

// update handles a key press or a paste in the API keys states.
func (k *secAPIKeys) update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if k.phase == keysForm {
			return k.form.Update(msg) // a paste
		}
		return nil
	}
	switch k.phase {
	case keysList:
		return k.listKey(km)
	case keysForm:
		return k.formKey(km)
	case keysShown:
		sk := k.c.Keys.Security
		switch {
		case key.Matches(km, sk.Copy):
			k.copied = true
			return CopyCmd("API key", k.created.Key)
		case key.Matches(km, sk.Open), key.Matches(km, sk.Back):
			if !k.shown.settled(k.c.now()) {
				return nil
			}
			// Shown once: gone from memory too.
			return k.start(fmt.Sprintf("✓ Created the API key %q.", termsafe.String(k.created.Name)), false)
		}
	case keysRevoke:
		switch k.ask.Key(km) {
		case components.ConfirmYes:
			c, rk := k.c, k.revoke
			return secAsk(k.secBase, &k.req, func(ctx context.Context) (keyRevoked, error) {
				return keyRevoked{name: rk.Name}, c.Client.RevokeAPIKey(ctx, rk.ID)
			})
		case components.ConfirmNo:
			k.phase = keysList
		}
	}
	return nil
}

func (k *secAPIKeys) listKey(msg tea.KeyPressMsg) tea.Cmd {
	sk := k.c.Keys.Security
	n := len(k.list)
	switch {
	case key.Matches(msg, sk.Up):
		if n > 0 {
			k.sel = (k.sel + n - 1) % n
		}
	case key.Matches(msg, sk.Down):
		if n > 0 {
			k.sel = (k.sel + 1) % n
		}
	case key.Matches(msg, sk.NewKey):
		return k.openForm()
	case key.Matches(msg, sk.RevokeKey):
		if k.sel < n {
			k.revoke = k.list[k.sel]
			k.ask = components.NewConfirm(k.c.Keys.Confirm.Yes, k.c.Keys.Confirm.No)
			k.ask.Ask(fmt.Sprintf("Revoke the API key %q?", termsafe.String(k.revoke.Name)),
				fmt.Sprintf("Scopes %s, limit %s. Programs using it stop working at once, and it cannot be brought back.",
					strings.Join(k.revoke.Scopes, ", "), k.limitText(k.revoke)), "revoke", "cancel")
			k.phase, k.banner, k.note = keysRevoke, "", ""
		}
	case key.Matches(msg, sk.Back):
		k.toMenu("", false)
	}
	return nil
}

func (k *secAPIKeys) formKey(msg tea.KeyPressMsg) tea.Cmd {
	km := k.c.Keys
	switch {
	case key.Matches(msg, km.Global.LeaveField):
		return k.start("", false)
	case key.Matches(msg, km.Form.Submit):
		return k.submit()
	case key.Matches(msg, km.Form.Next):
		return k.step(+1)
	case key.Matches(msg, km.Form.Prev):
		return k.step(-1)
	}
	if !k.form.Focused() {
		return k.form.FocusOn(0)
	}
	k.form.Current().Err = ""
	return k.form.Update(msg)
}

// fields is how many fields of the create form are in use: the code only with two-factor on.
func (k *secAPIKeys) fields() int {
	if k.mfaOn {
		return 5
	}
	return 4
}

func (k *secAPIKeys) openForm() tea.Cmd {
	k.phase, k.banner, k.note = keysForm, "", ""
	for _, fl := range k.form.Fields {
		fl.Input.SetValue("")
		fl.Err = ""
	}
	k.form.Fields[1].Input.SetValue(api.ScopeRead)
	return k.form.FocusOn(0)
}

// step moves the focus among the fields in use, round.
func (k *secAPIKeys) step(d int) tea.Cmd {
	n := k.fields()
	return k.form.FocusOn((k.form.Focus + d + n) % n)
}

// submit checks the form where it can (the same parsers as `syftwallet apikey create`) and
// sends it.
func (k *secAPIKeys) submit() tea.Cmd {
	f := k.form
	f.ClearErrors()
	k.banner = ""
	name, scopesF, limitF, expF, codeF := f.Fields[0], f.Fields[1], f.Fields[2], f.Fields[3], f.Fields[4]
	if _, e := api.CheckAPIKeyName("name", name.Value()); e != nil {
		name.Err = e.Message
		return f.FocusOn(0)
	}
	scopes := strings.FieldsFunc(strings.ToLower(scopesF.Value()), func(r rune) bool { return r == ',' || r == ' ' })
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
	exp, err := client.ParseKeyExpiry(expF.Value(), k.c.now())
	if err != nil {
		expF.Err = err.Error()
		return f.FocusOn(3)
	}
	code := strings.TrimSpace(codeF.Value())
	if k.mfaOn && (len(code) != 6 || !allDigits(code)) {
		codeF.Err = "Two-factor is on: enter the 6-digit code from your authenticator app."
		return f.FocusOn(4)
	}
	f.Blur()
	c, r := k.c, client.APIKeyRequest{Name: name.Value(), Scopes: scopes, SpendLimit: limit, ExpiresAt: exp, Code: code}
	return secAsk(k.secBase, &k.req, func(ctx context.Context) (api.NewAPIKey, error) { return c.Client.CreateAPIKey(ctx, r) })
}

// createFailed puts the service's refusal on the field it names.
func (k *secAPIKeys) createFailed(err error) tea.Cmd {
	f := k.form
	field, text := ErrorField(err)
	var mfa *client.MFARequiredError
	at := -1
	switch {
	case errors.As(err, &mfa), field == "code":
		k.mfaOn = true // the service says two-factor is on: the code field appears
		text = "That code is not valid; check the app's clock and try the next one."
		f.Fields[4].Input.SetValue("")
		at = 4
	case field == "name":
		at = 0
	case field == "scopes":
		at = 1
	case strings.HasPrefix(field, "spendLimit"):
		at = 2
	case field == "expiresAt":
		at = 3
	}
	if at < 0 {
		k.banner = text
		return f.FocusOn(0)
	}
	f.Fields[at].Err = text
	return f.FocusOn(at)
}

func (k *secAPIKeys) help() []key.Binding {
	km := k.c.Keys
	sk := km.Security
	switch k.phase {
	case keysForm:
		return []key.Binding{km.Form.Next, withDesc(km.Form.Submit, "create"), withDesc(km.Global.LeaveField, "back")}
	case keysShown:
		return []key.Binding{withDesc(sk.Copy, "copy key"), withDesc(sk.Open, "done")}
	case keysRevoke:
		return k.ask.Bindings()
	}
	if len(k.list) == 0 { // nothing to move to or revoke, as the panel's key line says
		return []key.Binding{sk.NewKey, sk.Back}
	}
	return []key.Binding{sk.Down, sk.NewKey, sk.RevokeKey, sk.Back}
}
