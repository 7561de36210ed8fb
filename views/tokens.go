package views

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/views/components"
)

// Tokens creates transaction (delegation) tokens and lists the active ones: a token lets its
// recipient create payments from the person's account, within the limits set here. A token made
// here is single use unless the person widens it (the Uses field starts at 1), so it is as tight
// as tokens always were. The token is shown whole, once; the list never has it (the service
// keeps only what it allows and what it took), and a token on it can be revoked after a y.
type Tokens struct {
	c    *Common
	form *Form // recipient, uses, limit, expires
	spin components.Spinner
	asks *Requests

	waiting int                  // the create in flight
	made    *client.CreatedToken // the token on screen, shown this once
	forWhom string
	banner  string

	list      []api.TokenInfo // active and used-up tokens, newest first
	listReq   int
	listErr   string
	listKnown bool // a list came back (false on a service that does not list tokens)
	sel       int
	ask       components.Confirm // revoke asking? (y or n)
	asked     api.TokenInfo      // the token it asks about
	revoking  int                // the revoke in flight

	width, height int
}

// Field indexes of the form.
const (
	tokRecipient = iota
	tokUses
	tokLimit
	tokExpires
)

// NewTokens returns the tokens screen.
func NewTokens(c *Common) *Tokens {
	rcpt := NewField(c, "Recipient", "who may charge your account")
	rcpt.Input.CharLimit = api.MaxEmailLen
	uses := NewField(c, "Uses", "blank: any number of times")
	uses.Input.CharLimit = 7
	uses.Input.SetValue("1")
	limit := NewField(c, "Limit", "blank: no total limit, e.g. 5.00")
	limit.Input.CharLimit = 24
	exp := NewField(c, "Expires", "blank: the longest (24h), e.g. 30m, 2h")
	exp.Input.CharLimit = 8
	t := &Tokens{c: c, asks: NewRequests(TokensScreen), form: NewForm(rcpt, uses, limit, exp), spin: components.NewSpinner(c.Theme)}
	t.form.Blur()
	return t
}

// Init does nothing: Activate loads the list.
func (t *Tokens) Init() tea.Cmd { return nil }

// Activate loads the list, and focuses the recipient when no token is on screen, from every way in.
func (t *Tokens) Activate(SwitchMsg) tea.Cmd {
	cmds := []tea.Cmd{t.load()}
	if t.made == nil && t.waiting == 0 {
		cmds = append(cmds, t.form.FocusOn(tokRecipient))
	}
	return tea.Batch(cmds...)
}

// SetSize lays the screen out.
func (t *Tokens) SetSize(w, h int) {
	t.width, t.height = w, h
	t.form.SetWidth(t.panelWidth() - 4 - 12 - 3)
}

func (t *Tokens) panelWidth() int { return components.PanelWidth(t.width, 84) }

// InputFocused reports whether a field has the focus.
func (t *Tokens) InputFocused() bool { return t.form.Focused() }

// tokenMade is the answer to creating a token: the token, and for whom.
type tokenMade struct {
	recipient string
	made      client.CreatedToken
}

func (t *Tokens) create(r client.TokenRequest) tea.Cmd {
	c := t.c
	return tea.Batch(t.spin.Tick(), Ask(c, t.asks, &t.waiting, func(ctx context.Context) (tokenMade, error) {
		made, err := c.Client.CreateToken(ctx, r)
		return tokenMade{recipient: r.Recipient, made: made}, err
	}))
}

func (t *Tokens) load() tea.Cmd {
	c := t.c
	return Ask(c, t.asks, &t.listReq, func(ctx context.Context) ([]api.TokenInfo, error) { return c.Client.Tokens(ctx) })
}

func (t *Tokens) revoke(tok api.TokenInfo) tea.Cmd {
	c := t.c
	return Ask(c, t.asks, &t.revoking, func(ctx context.Context) (api.TokenInfo, error) {
		got, err := c.Client.RevokeToken(ctx, tok.ID)
		if err == nil && got.RecipientEmail == "" {
			got.RecipientEmail = tok.RecipientEmail
		}
		return got, err
	})
}

// Update handles keys and answers.
func (t *Tokens) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := t.spin.Update(msg, t.waiting != 0); ok {
		return t, cmd
	}
	switch msg := msg.(type) {
	case StyleMsg:
		t.form.Restyle(t.c)
		t.spin.Restyle(t.c.Theme)
	case Answer[tokenMade]:
		if msg.For(t.asks, &t.waiting) {
			return t, t.made1(msg.Val, msg.Err)
		}
	case Answer[[]api.TokenInfo]:
		if msg.For(t.asks, &t.listReq) {
			t.setList(msg.Val, msg.Err)
		}
	case Answer[api.TokenInfo]:
		if !msg.For(t.asks, &t.revoking) {
			return t, nil
		}
		if msg.Err != nil {
			t.banner = Message(msg.Err)
			return t, nil
		}
		return t, tea.Batch(ToastTo(ToastInfo, "Revoked the token for ", msg.Val.RecipientEmail, ""), t.load())
	case LiveMsg:
		// Another device made, used or revoked a token, or a cancel gave an amount back.
		if strings.HasPrefix(msg.Type, "token.") || msg.Type == api.EventTransactionCancelled {
			return t, t.load()
		}
	case ReloadMsg:
		return t, t.load()
	case tea.PasteMsg:
		return t, t.form.Update(msg)
	case tea.KeyPressMsg:
		return t, t.key(msg)
	}
	return t, nil
}

// made1 takes the answer to a create.
func (t *Tokens) made1(ans tokenMade, err error) tea.Cmd {
	if err != nil {
		return t.refused(err)
	}
	made := ans.made
	t.made, t.forWhom = &made, ans.recipient
	t.form.Blur()
	return t.load()
}

func (t *Tokens) key(msg tea.KeyPressMsg) tea.Cmd {
	k := t.c.Keys
	if t.waiting != 0 {
		return nil
	}
	if t.ask.Asking() {
		if t.ask.Key(msg) == components.ConfirmYes {
			t.ask.Close()
			return t.revoke(t.asked)
		}
		return nil
	}
	if t.form.Focused() {
		if key.Matches(msg, k.Tokens.Create) {
			return t.submit()
		}
		if cmd, ok := formNav(t.c, t.form, msg, blur(t.form)); ok {
			return cmd
		}
		return typeIn(t.form, msg)
	}
	switch {
	case key.Matches(msg, k.Tokens.Copy) && t.made != nil:
		return CopyCmd("Token", t.made.Token)
	case key.Matches(msg, k.Tokens.New), key.Matches(msg, k.Tokens.Create) && t.made == nil:
		t.made, t.forWhom, t.banner = nil, "", ""
		t.form.ClearErrors()
		t.form.Fields[tokRecipient].Input.SetValue("")
		return t.form.FocusOn(tokRecipient)
	case key.Matches(msg, k.Tokens.Up) && t.sel > 0:
		t.sel--
	case key.Matches(msg, k.Tokens.Down) && t.sel < len(t.list)-1:
		t.sel++
	case key.Matches(msg, k.Tokens.Revoke) && len(t.list) > 0 && t.revoking == 0:
		t.asked = t.list[t.sel]
		t.ask = components.NewConfirm(k.Confirm.Yes, k.Confirm.No)
		t.ask.Ask("Revoke the token for ", "? It ends now; what it created stays.", "revoke", "keep")
	case key.Matches(msg, k.Tokens.Refresh):
		return t.load()
	}
	return nil
}

// setList keeps the tokens that may still be used (active, or used up and able to come back when
// a cancel gives an amount back: all but expired and revoked ones), and keeps the selection on
// the same token where it can.
func (t *Tokens) setList(list []api.TokenInfo, err error) {
	if err != nil {
		t.listErr = Message(err)
		if !t.listKnown {
			t.list = nil
		}
		return
	}
	prev := ""
	if t.sel < len(t.list) {
		prev = t.list[t.sel].ID
	}
	t.list, t.listErr, t.listKnown, t.sel = t.list[:0:0], "", true, 0
	for _, tok := range list {
		if tok.State != api.TokenExpired && tok.State != api.TokenRevoked { // a state of a newer service shows
			if tok.ID == prev {
				t.sel = len(t.list)
			}
			t.list = append(t.list, tok)
		}
	}
}

// ShortHelp is the screen's keys.
func (t *Tokens) ShortHelp() []key.Binding {
	k := t.c.Keys
	switch {
	case t.ask.Asking():
		return t.ask.Bindings()
	case t.form.Focused():
		return []key.Binding{k.Tokens.Create, k.Form.Next}
	case t.made != nil:
		return []key.Binding{k.Tokens.Copy, k.Tokens.New, k.Tokens.Revoke}
	}
	return []key.Binding{withDesc(k.Tokens.Create, "start typing"), k.Tokens.Revoke}
}

// FullHelp is every key of the screen.
func (t *Tokens) FullHelp() [][]key.Binding {
	k := t.c.Keys
	return [][]key.Binding{{k.Tokens.Create, k.Tokens.Copy, k.Tokens.New}, {k.Tokens.Up, k.Tokens.Down, k.Tokens.Revoke, k.Tokens.Refresh}}
}
