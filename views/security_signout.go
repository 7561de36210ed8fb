package views

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/views/components"
)

// The Security screen's sign-out flow: of this session, or of every session on every device.
// Each asks first; only the confirm key acts, no and esc go back, every other key is nothing.

type secSignOut struct {
	*secBase
	everywhere bool
	ask        components.Confirm
	req        int
	banner     string
}

func newSecSignOut(b *secBase) *secSignOut {
	return &secSignOut{secBase: b, ask: components.NewConfirm(b.c.Keys.Confirm.Yes, b.c.Keys.Confirm.No)}
}

func (o *secSignOut) busy() bool    { return o.req != 0 }
func (o *secSignOut) focused() bool { return false }
func (o *secSignOut) restyle()      {}
func (o *secSignOut) resize()       {}

func (o *secSignOut) state() string {
	if o.everywhere {
		return "logout"
	}
	return "signout"
}

// start asks whether to sign out of this session, or of every session.
func (o *secSignOut) start(everywhere bool) tea.Cmd {
	o.everywhere, o.banner = everywhere, ""
	// The keys are read now: the config file may have rebound them since the screen was made.
	o.ask = components.NewConfirm(o.c.Keys.Confirm.Yes, o.c.Keys.Confirm.No)
	if everywhere {
		o.ask.Ask("Sign out everywhere?",
			"Every session of "+o.c.Email+" ends, on every device and this one too. You will need your password (and code) to sign in again.",
			"sign out everywhere", "cancel")
	} else {
		o.ask.Ask("Sign out of "+o.c.Email+"?",
			"This session ends; your other devices stay signed in. You will need your password (and code) to sign in again.",
			"sign out", "cancel")
	}
	o.show(o)
	return nil
}

func (o *secSignOut) take(msg tea.Msg) (tea.Cmd, bool) {
	a, ok := msg.(Answer[struct{}])
	if !ok || !a.For(o.asks, &o.req) {
		return nil, false
	}
	if a.Err != nil {
		o.banner = Message(a.Err)
		return nil, true
	}
	reason := "You are signed out."
	if o.everywhere {
		reason = "You were signed out everywhere."
	}
	return func() tea.Msg { return SignedOutMsg{Reason: reason} }, true
}

func (o *secSignOut) update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch o.ask.Key(km) {
	case components.ConfirmYes:
		o.banner = ""
		c := o.c
		if o.everywhere {
			return secDo(o.secBase, &o.req, func(ctx context.Context) error { return c.Client.LogoutAll(ctx) })
		}
		return secDo(o.secBase, &o.req, func(ctx context.Context) error {
			// The session ends here whatever the service answers: the client forgets its tokens
			// either way, and a service that could not be told lets them expire.
			_ = c.Client.Logout(ctx)
			return nil
		})
	case components.ConfirmNo:
		o.toMenu("", false)
	}
	return nil
}

func (o *secSignOut) help() []key.Binding { return o.ask.Bindings() }

func (o *secSignOut) view() string {
	working := "Signing out…"
	if o.everywhere {
		working = "Signing out everywhere…"
	}
	return o.confirmView(&o.ask, o.req != 0, working, o.banner)
}
