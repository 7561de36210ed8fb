package views

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
)

// The Security screen's recovery codes: how many are left (on the menu, from GET /auth/mfa) and
// a new set for a code from the authenticator app, shown whole, once. A recovery code cannot make
// new ones (the service refuses it); every old code stops working, used or not.

type recPhase int

const (
	recCode  recPhase = iota // the app's code that makes new codes
	recCodes                 // the new codes, shown once
)

type secRecovery struct {
	*secBase
	phase recPhase

	statusReq int // counting the codes left
	req       int // making new codes
	done      time.Time

	code   *Form
	shown  shownCodes
	banner string
}

func newSecRecovery(b *secBase) *secRecovery {
	code := NewField(b.c, "Code", "123456")
	code.Input.CharLimit = 6
	code.Hint = "not a recovery code"
	r := &secRecovery{secBase: b, code: NewForm(code)}
	r.code.Blur()
	return r
}

func (r *secRecovery) busy() bool    { return r.req != 0 }
func (r *secRecovery) focused() bool { return r.code.Focused() }
func (r *secRecovery) restyle()      { r.code.Restyle(r.c) }
func (r *secRecovery) resize()       { r.code.SetWidth(20) }
func (r *secRecovery) expects() bool { return ownChange(r.c, r.req, r.done) }

func (r *secRecovery) state() string { return [...]string{"recovery", "recoverycodes"}[r.phase] }

// load counts the codes left (nothing to count with two-factor off).
func (r *secRecovery) load() tea.Cmd {
	c := r.c
	return Ask(c, r.asks, &r.statusReq, func(ctx context.Context) (api.MFAStatus, error) { return c.Client.MFAStatus(ctx) })
}

// count is what the two-factor item of the menu adds after "on", in at most room cells: the
// recovery codes left, as a warning when two or fewer are (nothing while they were not counted).
func (r *secRecovery) count(room int) string {
	if !r.haveLeft {
		return ""
	}
	t := r.c.Theme
	st := t.Muted
	if r.left <= 2 {
		st = t.Warning
	}
	codes := plural(r.left, "code", "codes")
	say := fmt.Sprintf("%d %s", r.left, codes)
	for _, s := range []string{fmt.Sprintf("%d recovery %s left", r.left, codes), fmt.Sprintf("%d %s left", r.left, codes)} {
		if Width(s)+3 <= room {
			say = s
			break
		}
	}
	return t.Faint.Render(" · ") + st.Render(say)
}

// start opens the code form; with two-factor off there are no codes to replace.
func (r *secRecovery) start() tea.Cmd {
	switch {
	case !r.haveUser:
		return nil
	case !r.mfaOn:
		r.toMenu("Recovery codes come with two-factor authentication: turn it on first (m).", false)
		return nil
	}
	r.phase, r.banner = recCode, ""
	r.show(r)
	f := r.code.Fields[0]
	f.Input.SetValue("")
	f.Err = ""
	return r.code.FocusOn(0)
}

func (r *secRecovery) close(note string) {
	r.code.Blur()
	r.code.Fields[0].Input.SetValue("")
	r.code.Fields[0].Err = ""
	r.shown = shownCodes{}
	r.toMenu(note, false)
}

func (r *secRecovery) take(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case Answer[api.MFAStatus]:
		if !msg.For(r.asks, &r.statusReq) {
			return nil, false
		}
		r.haveLeft = msg.Err == nil && msg.Val.Enabled
		if r.haveLeft {
			r.left = msg.Val.RecoveryCodesLeft
		}
		return nil, true
	case Answer[[]string]:
		if !msg.For(r.asks, &r.req) {
			return nil, false
		}
		if msg.Err != nil {
			return r.failed(msg.Err), true
		}
		r.done = r.c.now()
		r.left, r.haveLeft = len(msg.Val), true
		r.shown = shownCodes{codes: msg.Val, shown: shownOnce{r.c.now()}}
		r.phase = recCodes
		r.code.Blur()
		return nil, true
	}
	return nil, false
}

func (r *secRecovery) failed(err error) tea.Cmd {
	f := r.code.Fields[0]
	if wrongCode(err) {
		f.Err = "That code is not valid; use the 6-digit code your app shows now."
		f.Input.SetValue("")
		return r.code.FocusOn(0)
	}
	r.banner = Message(err)
	return nil
}

func (r *secRecovery) update(msg tea.Msg) tea.Cmd {
	codeKey := func(msg tea.KeyPressMsg) tea.Cmd {
		return codeFormKey(r.secBase, r.code, msg, true, r.submit, func() { r.close("") })
	}
	return codeFlowUpdate(r.secBase, msg, r.code, &r.shown, r.phase == recCodes, codeKey,
		func() { r.close("✓ New recovery codes are in force; the old ones no longer work.") })
}

func (r *secRecovery) submit() tea.Cmd {
	f := r.code.Fields[0]
	code := strings.ReplaceAll(strings.TrimSpace(f.Value()), " ", "")
	if len(code) != 6 || !allDigits(code) {
		f.Err = "Enter the 6-digit code from your authenticator app."
		return nil
	}
	f.Err, r.banner = "", ""
	c := r.c
	return secAsk(r.secBase, &r.req, func(ctx context.Context) ([]string, error) {
		return c.Client.RegenerateRecoveryCodes(ctx, code)
	})
}

func (r *secRecovery) help() []key.Binding {
	if r.phase == recCodes {
		return r.shown.help(r.secBase)
	}
	return []key.Binding{withDesc(r.c.Keys.Form.Submit, "make new codes"), r.leave("back")}
}

func (r *secRecovery) view() string {
	if r.phase == recCodes {
		return r.shown.view(r.secBase, "✓ New recovery codes. The old ones no longer work.")
	}
	return r.boxed("New recovery codes", secFormBody(r.secBase, r.c.Theme.Text,
		"Enter the code from your authenticator app to make ten new recovery codes. Every old code stops working, used or not.",
		r.code, 5, r.req != 0, "Making new codes…", r.banner))
}
