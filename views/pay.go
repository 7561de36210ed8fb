package views

import (
	"context"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/views/components"
)

type payState int

const (
	payForm payState = iota
	payReview
	paySending
	payDone
)

// recentLimit is how many recent counterparties the recipient field offers.
const recentLimit = 6

// Pay is the payment screen: a form (recipient, amount, memo), then a review where only y sends,
// then the result.
type Pay struct {
	c     *Common
	state payState
	form  *Form
	// confirm is the amount typed again on the review, for amounts at or above the threshold.
	confirm *Field
	spin    components.Spinner
	asks    *Requests

	recentReq, sendReq int
	recents            []string

	// The review being shown, and its idempotency key: trying the same review again (after a
	// timeout) reuses the key, so the payment is made at most once.
	req    client.PayRequest
	key    string
	keySig string
	banner string // an error on the review, e.g. offline
	note   string // a hint on the review ("enter does not send")
	scroll int    // the first line of the recipient and memo shown, when the review is too tall

	tx    api.Transaction // the payment made
	width int
	hight int
}

// NewPay returns the payment screen.
func NewPay(c *Common) *Pay {
	rcpt := NewField(c, "Recipient", "name@example.com")
	rcpt.Input.CharLimit = api.MaxEmailLen
	rcpt.Input.ShowSuggestions = true
	rcpt.Input.KeyMap.AcceptSuggestion = c.Keys.Pay.Accept
	amount := NewField(c, "Amount", "0.00")
	amount.Input.CharLimit = 24
	memo := NewField(c, "Memo", "optional, up to 280 characters")
	memo.Input.CharLimit = api.MaxMemoRunes
	confirm := NewField(c, "Again", "type the amount again")
	confirm.Input.CharLimit = 24
	p := &Pay{c: c, form: NewForm(rcpt, amount, memo), confirm: confirm,
		spin: components.NewSpinner(c.Theme), asks: NewRequests(PayScreen)}
	p.form.Blur()
	p.suggest()
	return p
}

func (p *Pay) recipient() *Field { return p.form.Fields[0] }
func (p *Pay) amount() *Field    { return p.form.Fields[1] }
func (p *Pay) memo() *Field      { return p.form.Fields[2] }

// Init loads the recent counterparties (the balance is the root's: Common.Account).
func (p *Pay) Init() tea.Cmd { return p.loadRecents() }

// Activate focuses the form (and takes a recipient, when one is given) whenever Pay is shown,
// from every way in: typing goes into the recipient (or, when it is filled, the amount).
func (p *Pay) Activate(msg SwitchMsg) tea.Cmd {
	var cmds []tea.Cmd
	if p.state == payDone {
		p.reset()
	}
	if p.state == payForm {
		if msg.Recipient != "" {
			p.recipient().Input.SetValue(msg.Recipient)
			cmds = append(cmds, p.form.FocusOn(1))
		} else if !p.form.Focused() {
			i := 0
			if p.recipient().Value() != "" {
				i = 1
			}
			cmds = append(cmds, p.form.FocusOn(i))
		}
	}
	return tea.Batch(cmds...)
}

// SetSize lays the screen out.
func (p *Pay) SetSize(w, h int) {
	p.width, p.hight = w, h
	iw := p.panelWidth() - 4 - 12 - 3
	p.form.SetWidth(iw)
	p.confirm.Input.SetWidth(min(iw, 24))
	p.confirm.TextWidth = iw
}

func (p *Pay) panelWidth() int { return components.PanelWidth(p.width, 76) }

// InputFocused reports whether typing goes into a field (the form's, or the review's amount).
func (p *Pay) InputFocused() bool {
	switch p.state {
	case payForm:
		return p.form.Focused()
	case payReview:
		return p.needsConfirm()
	}
	return false
}

// Checking is true from the review to the Paid screen: what is paid, to whom, is on show whole.
func (p *Pay) Checking() bool { return p.state != payForm }

// Busy is true while a payment is on its way.
func (p *Pay) Busy() bool { return p.state == paySending }

func (p *Pay) needsConfirm() bool { return p.c.PayThreshold > 0 && p.req.Amount >= p.c.PayThreshold }

func (p *Pay) loadRecents() tea.Cmd {
	cl, me := p.c.Client, p.c.Email
	return Ask(p.c, p.asks, &p.recentReq, func(ctx context.Context) ([]string, error) {
		page, err := cl.History(ctx, client.HistoryQuery{Limit: 50})
		if err != nil {
			return nil, err
		}
		var who []string
		for _, tx := range page.Transactions {
			if tx.CreatedBy == api.PartySystem {
				continue
			}
			who = addRecent(who, tx.Counterparty(), me)
		}
		return who, nil
	})
}

// addRecent appends email unless it is there already, is the caller, or the list is full.
func addRecent(list []string, email, me string) []string {
	if email == "" || email == me || slices.Contains(list, email) || len(list) >= recentLimit {
		return list
	}
	return append(list, email)
}

// offers is who the recipient field offers: recent counterparties, then the suggested addresses.
func (p *Pay) offers() []string {
	out := slices.Clone(p.recents)
	for _, s := range p.c.Suggest {
		if s != p.c.Email && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (p *Pay) suggest() { p.recipient().Input.SetSuggestions(p.offers()) }

// bumpRecent moves email to the front of the list.
func bumpRecent(list []string, email string) []string {
	list = slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == email })
	list = append([]string{email}, list...)
	if len(list) > recentLimit {
		list = list[:recentLimit]
	}
	return list
}

func (p *Pay) send() tea.Cmd {
	p.state = paySending
	p.banner, p.note = "", ""
	cl, req := p.c.Client, p.req
	return tea.Batch(p.spin.Tick(), Ask(p.c, p.asks, &p.sendReq, func(ctx context.Context) (api.Transaction, error) {
		return cl.Pay(ctx, req)
	}))
}

// Update handles keys and answers.
func (p *Pay) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := p.spin.Update(msg, p.state == paySending); ok {
		return p, cmd
	}
	switch msg := msg.(type) {
	case StyleMsg:
		p.form.Restyle(p.c)
		p.confirm.Input.SetStyles(InputStyles(p.c.Theme))
		p.spin.Restyle(p.c.Theme)
	case Answer[[]string]:
		if msg.For(p.asks, &p.recentReq) && msg.Err == nil {
			p.recents = msg.Val
			p.suggest()
		}
	case Answer[api.Transaction]:
		return p, msg.Then(p.asks, &p.sendReq, p.sent)
	case LiveMsg:
		if msg.Tx != nil && msg.Tx.CreatedBy != api.PartySystem {
			p.recents = bumpRecent(p.recents, msg.Tx.Counterparty())
			p.suggest()
		}
	case tea.PasteMsg:
		if p.state == payForm {
			return p, p.form.Update(msg)
		}
	case tea.KeyPressMsg:
		switch p.state {
		case payForm:
			return p, p.formKey(msg)
		case payReview:
			return p, p.reviewKey(msg)
		case payDone:
			return p, p.doneKey(msg)
		}
	}
	return p, nil
}

func (p *Pay) formKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.Keys
	switch {
	case key.Matches(msg, k.Pay.Review) && !p.form.Focused():
		// Nothing focused (tabbed in): enter starts typing where the form is empty.
		for i, f := range p.form.Fields {
			if f.Value() == "" {
				return p.form.FocusOn(i)
			}
		}
		return p.review()
	case key.Matches(msg, k.Pay.Review):
		return p.review()
	}
	if cmd, ok := formNav(p.c, p.form, msg, blur(p.form)); ok {
		return cmd
	}
	return typeIn(p.form, msg)
}

func (p *Pay) doneKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.Keys
	if key.Matches(msg, k.Pay.NewPayment) {
		p.reset()
		return p.form.FocusOn(0)
	}
	return nil
}

func (p *Pay) reset() {
	for _, f := range p.form.Fields {
		f.Input.SetValue("")
		f.Err = ""
	}
	p.state = payForm
	p.tx = api.Transaction{}
	p.req = client.PayRequest{}
	p.banner, p.note = "", ""
}

// ShortHelp is the screen's keys for its state.
func (p *Pay) ShortHelp() []key.Binding {
	k := p.c.Keys
	switch p.state {
	case payReview:
		if p.reviewLayout().maxScroll > 0 {
			return []key.Binding{k.Pay.Send, withDesc(k.Pay.Back, "edit"), k.Pay.Down, k.Pay.Up}
		}
		return []key.Binding{k.Pay.Send, withDesc(k.Pay.Back, "edit")}
	case paySending:
		return nil
	case payDone:
		return []key.Binding{k.Pay.NewPayment}
	}
	if !p.form.Focused() {
		return []key.Binding{withDesc(k.Pay.Review, "start typing")}
	}
	bs := []key.Binding{k.Pay.Review, k.Form.Next}
	if p.recipient().Input.Focused() && len(p.offers()) > 0 {
		bs = append(bs, k.Pay.Accept)
	}
	return bs
}

// FullHelp is every key of the screen.
func (p *Pay) FullHelp() [][]key.Binding {
	k := p.c.Keys
	return [][]key.Binding{{k.Pay.Review, k.Form.Next, k.Form.Prev, k.Pay.Accept}, {k.Pay.Send, k.Pay.Back, k.Pay.Up, k.Pay.Down, k.Pay.NewPayment}}
}
