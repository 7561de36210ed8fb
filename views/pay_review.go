package views

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
)

// The Pay screen's review: the form checked into a request (with the review's idempotency key),
// the keys of the review (only y sends; an amount at or above the threshold is typed again) and
// what the service answered to the payment.

// review checks the form and, when it is fine, shows the review.
func (p *Pay) review() tea.Cmd {
	p.form.ClearErrors()
	req, field := p.check()
	if field != nil {
		return p.form.FocusOn(slices.Index(p.form.Fields, field))
	}
	sig := fmt.Sprintf("%s\x00%d\x00%s", req.Recipient, req.Amount, req.Memo)
	if sig != p.keySig || p.key == "" {
		p.key, p.keySig = client.NewIdempotencyKey(), sig
	}
	req.IdempotencyKey = p.key
	p.req = req
	p.state = payReview
	p.banner, p.note = "", ""
	p.scroll = 0
	p.form.Blur()
	p.confirm.Input.SetValue("")
	p.confirm.Err = ""
	if p.needsConfirm() {
		return p.confirm.Input.Focus()
	}
	return nil
}

// check validates the form; it returns the request, or the field that is wrong (with its error).
func (p *Pay) check() (client.PayRequest, *Field) {
	rf, af, mf := p.recipient(), p.amount(), p.memo()
	email, e := api.NormalizeEmail("recipient", rf.Value())
	if e != nil {
		rf.Err = e.Message
		return client.PayRequest{}, rf
	}
	if email == p.c.Email {
		rf.Err = "You cannot pay yourself."
		return client.PayRequest{}, rf
	}
	amount, err := money.ParseHumanPositive(af.Value())
	if err != nil {
		af.Err = err.Error()
		return client.PayRequest{}, af
	}
	if acct := p.c.Account; acct.Have && amount > acct.User.AvailableBalance {
		af.Err = fmt.Sprintf("Only %s is available.", p.c.Amount(acct.User.AvailableBalance))
		return client.PayRequest{}, af
	}
	memo := strings.TrimSpace(OneLine(mf.Value()))
	if utf8.RuneCountInString(memo) > api.MaxMemoRunes {
		mf.Err = fmt.Sprintf("At most %d characters.", api.MaxMemoRunes)
		return client.PayRequest{}, mf
	}
	return client.PayRequest{Recipient: email, Amount: amount, Memo: memo}, nil
}

func (p *Pay) reviewKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.Keys
	switch {
	case key.Matches(msg, k.Pay.Send):
		if p.needsConfirm() {
			// The form's parser, with its verdict and its sentence; only an amount it reads
			// that differs is "not the same".
			again, err := money.ParseHumanPositive(p.confirm.Value())
			switch {
			case err != nil:
				p.confirm.Err = err.Error()
				return nil
			case again != p.req.Amount:
				p.confirm.Err = "Type the same amount again to send it."
				return nil
			}
		}
		return p.send()
	case key.Matches(msg, k.Pay.Back):
		p.state = payForm
		p.confirm.Input.Blur()
		return p.form.FocusOn(1)
	case key.Matches(msg, k.Pay.Review):
		p.note = "enter does not send: press " + k.Pay.Send.Help().Key + " to send."
		return nil
	case key.Matches(msg, k.Pay.Up):
		p.scroll = max(p.scroll-1, 0)
		return nil
	case key.Matches(msg, k.Pay.Down):
		p.scroll = min(p.scroll+1, p.reviewLayout().maxScroll)
		return nil
	}
	if p.needsConfirm() && amountKey(msg) {
		p.confirm.Err = ""
		var cmd tea.Cmd
		p.confirm.Input, cmd = p.confirm.Input.Update(msg)
		return cmd
	}
	return nil
}

// amountKey lets into the retyped amount what a person may type there, and nothing that is a
// command of the review: editing keys, and any one character that is not a letter (letters are
// y, n and the scroll keys here, and no amount holds one). What is typed is what the parser
// reads: a space, a sign or another script's digit goes in and gets the form's sentence, rather
// than being dropped so that "1 250" would pass as 1250.
func amountKey(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "backspace", "delete", "left", "right", "home", "end", "ctrl+a", "ctrl+e", "ctrl+u", "ctrl+w":
		return true
	}
	if msg.Mod&^tea.ModShift != 0 {
		return false
	}
	r, n := utf8.DecodeRuneInString(msg.Text)
	return n > 0 && n == len(msg.Text) && unicode.IsPrint(r) && !unicode.IsLetter(r)
}

func (p *Pay) sent(msg Answer[api.Transaction]) tea.Cmd {
	if msg.Err == nil {
		p.tx = msg.Val
		p.state = payDone
		p.key, p.keySig = "", "" // a new payment, even with the same details, is a new payment
		p.recents = bumpRecent(p.recents, p.req.Recipient)
		p.suggest()
		// The balance comes from the service (or its live event), never from arithmetic here:
		// the event may already have arrived.
		return tea.Batch(ToastTo(ToastOutgoing, "Paid "+p.c.Amount(p.req.Amount)+" to ", p.req.Recipient, ""),
			RefreshAccount)
	}
	if Retryable(msg.Err) {
		// The payment may or may not have been made: stay on the review, keep the key.
		p.state = payReview
		p.banner = Message(msg.Err) + " Press " + p.c.Keys.Pay.Send.Help().Key +
			" to try again: the same payment, never paid twice."
		return nil
	}
	// Refused: a new attempt is a new request.
	p.key, p.keySig = "", ""
	// (A lost session never comes here: the root ends it, see Addressed.)
	field, text := ErrorField(msg.Err)
	var refresh tea.Cmd
	var funds *client.InsufficientFundsError
	if errors.As(msg.Err, &funds) {
		refresh = RefreshAccount // the service knows another available amount than the one shown
	}
	return tea.Batch(refresh, p.refused(field, text))
}

// refused puts a refusal's sentence next to the field it is about, or on the review.
func (p *Pay) refused(field, text string) tea.Cmd {
	switch field {
	case "recipient":
		p.state = payForm
		p.recipient().Err = text
		return p.form.FocusOn(0)
	case "amount":
		p.state = payForm
		p.amount().Err = text
		return p.form.FocusOn(1)
	case "memo":
		p.state = payForm
		p.memo().Err = text
		return p.form.FocusOn(2)
	}
	p.state = payReview
	p.banner = text
	return nil
}
