package views

import (
	"context"
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/client"
)

// The Security screen's password flow: the current password, the new one twice. Changing it
// signs out the other sessions; this one stays signed in.

type secPassword struct {
	*secBase
	form   *Form // current, new, again
	req    int
	banner string
}

func newSecPassword(b *secBase) *secPassword {
	cur := NewField(b.c, "Current", "your password now").Secret()
	nw := NewField(b.c, "New", "at least 8 characters").Secret()
	again := NewField(b.c, "Again", "the new password again").Secret()
	for _, f := range []*Field{cur, nw, again} {
		f.Input.CharLimit = 256
	}
	p := &secPassword{secBase: b, form: NewForm(cur, nw, again)}
	p.form.Blur()
	return p
}

func (p *secPassword) busy() bool    { return p.req != 0 }
func (p *secPassword) focused() bool { return p.form.Focused() }
func (p *secPassword) restyle()      { p.form.Restyle(p.c) }
func (p *secPassword) resize()       { p.form.SetWidth(min(max(p.width-30, 16), 40)) }
func (p *secPassword) state() string { return "password" }

func (p *secPassword) start() tea.Cmd {
	p.banner = ""
	p.show(p)
	return p.form.FocusOn(0)
}

// close goes back to the menu; the passwords typed are gone from the fields.
func (p *secPassword) close(note string) {
	p.form.Blur()
	for _, f := range p.form.Fields {
		f.Input.SetValue("")
		f.Err = ""
	}
	p.toMenu(note, false)
}

func (p *secPassword) take(msg tea.Msg) (tea.Cmd, bool) {
	a, ok := msg.(Answer[struct{}])
	if !ok || !a.For(p.asks, &p.req) {
		return nil, false
	}
	if a.Err != nil {
		return p.failed(a.Err), true
	}
	p.close("✓ Password changed. Your other sessions were signed out; this one stays signed in.")
	return nil, true
}

func (p *secPassword) update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return p.form.Update(msg) // a paste
	}
	if key.Matches(km, p.c.Keys.Form.Submit) {
		return p.submit()
	}
	if cmd, ok := formNav(p.c, p.form, km, func() tea.Cmd { p.close(""); return nil }); ok {
		return cmd
	}
	if !p.form.Focused() {
		return p.form.FocusOn(0)
	}
	return typeIn(p.form, km)
}

func (p *secPassword) submit() tea.Cmd {
	p.form.ClearErrors()
	p.banner = ""
	cur, nw, again := p.form.Fields[0], p.form.Fields[1], p.form.Fields[2]
	switch {
	case cur.Value() == "":
		cur.Err = "Enter your current password."
		return p.form.FocusOn(0)
	case len([]rune(nw.Value())) < 8:
		nw.Err = "The new password needs at least 8 characters."
		return p.form.FocusOn(1)
	case nw.Value() == cur.Value():
		nw.Err = "The new password is the same as the current one."
		return p.form.FocusOn(1)
	case again.Value() != nw.Value():
		again.Err = "This is not the same as the new password."
		again.Input.SetValue("")
		return p.form.FocusOn(2)
	}
	p.form.Blur()
	c, old, next := p.c, cur.Value(), nw.Value()
	return secDo(p.secBase, &p.req, func(ctx context.Context) error { return c.Client.ChangePassword(ctx, old, next) })
}

// failed puts the service's refusal on the field it names. A lost session never comes here (the
// root ends it); an unauthenticated answer is the current password, wrong.
func (p *secPassword) failed(err error) tea.Cmd {
	cur, nw := p.form.Fields[0], p.form.Fields[1]
	var unauth *client.UnauthenticatedError
	if errors.As(err, &unauth) {
		cur.Err = "The current password is wrong."
		cur.Input.SetValue("")
		return p.form.FocusOn(0)
	}
	field, text := ErrorField(err)
	switch field {
	case "oldPassword":
		cur.Err = text
		return p.form.FocusOn(0)
	case "newPassword", "password":
		nw.Err = text
		return p.form.FocusOn(1)
	}
	p.banner = text
	return p.form.FocusOn(0)
}

func (p *secPassword) help() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Form.Next, withDesc(k.Form.Submit, "change"), p.leave("back")}
}

func (p *secPassword) view() string {
	return p.boxed("Change password", secFormBody(p.secBase, p.c.Theme.Muted,
		"Changing it signs out your other sessions; this one stays signed in.",
		p.form, 8, p.req != 0, "Changing your password…", p.banner))
}
