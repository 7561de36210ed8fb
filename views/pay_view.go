package views

import (
	"fmt"
	"slices"
	"strings"

	"github.com/syftbox/syftwallet/views/components"
)

// The Pay screen's three faces: the form, the review (what is paid, to whom, what is left), and
// the Paid screen.

// View renders the form, the review, or the result.
func (p *Pay) View() string {
	var body string
	switch p.state {
	case payForm:
		body = p.formView()
	case payReview, paySending:
		body = p.reviewView()
	case payDone:
		body = p.doneView()
	}
	return components.Centre(p.width, p.hight, body)
}

func (p *Pay) formView() string {
	t := p.c.Theme
	pw := p.panelWidth()
	inner := pw - 4
	var b strings.Builder
	b.WriteString(t.Title.Render("Pay someone") + "\n")
	avail := "…"
	if acct := p.c.Account; acct.Have {
		avail = p.c.Money(acct.User.AvailableBalance)
	}
	b.WriteString(t.Muted.Render("Available ") + t.Text.Render(avail) + "\n\n")
	b.WriteString(p.form.View(p.c, 11))
	if offers := p.offers(); len(offers) > 0 {
		label := "Recent  "
		if len(p.recents) == 0 {
			label = "Try     "
		}
		line := t.Faint.Render(label)
		used := 8
		for i, r := range offers {
			item := r
			if i > 0 {
				item = "  " + item
			}
			if used+Width(item) > inner {
				break
			}
			used += Width(item)
			line += t.Muted.Render(item)
		}
		b.WriteString("\n\n" + line)
		if p.recipient().Input.Focused() {
			b.WriteString("\n" + t.Faint.Render(Trunc("→ completes the address; ↑/↓ choose among matches", inner)))
		}
	}
	k := p.c.Keys
	if !p.form.Focused() {
		b.WriteString("\n\n" + t.Key.Render(k.Pay.Review.Help().Key) + t.Muted.Render(" start typing"))
	} else {
		b.WriteString("\n\n" + t.Key.Render(k.Pay.Review.Help().Key) + t.Muted.Render(" review") +
			t.Faint.Render("  ·  nothing is sent before you confirm on the next screen"))
	}
	return t.PanelFocused.Width(pw).Render(b.String())
}

// payLabelW is the label column of the review and the Paid screen.
const payLabelW = 12

// reviewLayout is the review cut into what may scroll and what never does. The recipient and the
// memo are shown whole, wrapped, never cut; when they do not fit the window with everything else,
// they scroll (with a line saying so) and the amount, the balance after and the send key stay in
// view.
type reviewLayout struct {
	head, long, foot []string
	rows             int // lines of long shown: len(long), or fewer and a line saying there is more
	maxScroll        int
}

func (p *Pay) reviewLayout() reviewLayout {
	t := p.c.Theme
	inner := p.panelWidth() - 4
	valW := inner - payLabelW
	var l reviewLayout
	l.head = []string{t.Title.Render("Review payment"), ""}
	l.long = labelled("To", payLabelW, WrapAddress(p.req.Recipient, valW), t.Muted, t.Bold)
	if p.req.Memo == "" {
		l.long = append(l.long, labelled("Memo", payLabelW, []string{"(none)"}, t.Muted, t.Faint)...)
	} else {
		l.long = append(l.long, labelled("Memo", payLabelW, WrapText(p.req.Memo, valW), t.Muted, t.Text)...)
	}
	row := func(label, value string) string { return t.Muted.Render(Fit(label, payLabelW)) + value }
	l.foot = append(l.foot, row("Amount", t.Negative.Render(p.c.Money(p.req.Amount))))
	if acct := p.c.Account; acct.Have {
		after := acct.User.AvailableBalance - p.req.Amount
		l.foot = append(l.foot, row("Available", t.Text.Render(p.c.Amount(acct.User.AvailableBalance))+
			t.Faint.Render(" → ")+t.Bold.Render(p.c.Amount(after))+t.Muted.Render(" after")))
	}
	if p.needsConfirm() {
		l.foot = append(l.foot, "", t.Warning.Render(Trunc(fmt.Sprintf("This is %s or more: type the amount again.",
			p.c.Amount(p.c.PayThreshold)), inner)))
		l.foot = append(l.foot, strings.Split(p.confirm.View(p.c, 11), "\n")...)
	}
	l.foot = append(l.foot, "")
	switch {
	case p.state == paySending:
		l.foot = append(l.foot, p.spin.Line(t.Muted, "Sending…"))
	default:
		k := p.c.Keys
		l.foot = append(l.foot, t.Key.Render(k.Pay.Send.Help().Key)+t.Text.Render(" send")+t.Faint.Render("   ")+
			t.Key.Render(k.Pay.Back.Help().Key)+t.Muted.Render(" back to the form"))
	}
	if p.note != "" {
		l.foot = append(l.foot, t.Warning.Render(Trunc(p.note, inner)))
	}
	if p.banner != "" {
		l.foot = append(l.foot, "")
		l.foot = append(l.foot, strings.Split(t.Error.Render(wrap("✗ "+p.banner, inner)), "\n")...)
	}
	// The panel's border takes two lines. Too tall: first the blank lines go, then the long part
	// scrolls.
	room := p.hight - 2
	l.rows = len(l.long)
	if len(l.head)+len(l.long)+len(l.foot) <= room || p.hight == 0 {
		return l
	}
	l.head = l.head[:1]
	l.foot = slices.DeleteFunc(l.foot, func(s string) bool { return s == "" })
	if n := room - len(l.head) - len(l.foot); n < len(l.long) {
		l.rows = max(n, 2)
		l.maxScroll = len(l.long) - (l.rows - 1)
	}
	return l
}

func (p *Pay) reviewView() string {
	t := p.c.Theme
	l := p.reviewLayout()
	lines := slices.Clone(l.head)
	if l.rows >= len(l.long) {
		lines = append(lines, l.long...)
	} else {
		// rows-1 lines of the recipient and memo, and one saying what is out of view.
		top := min(p.scroll, l.maxScroll)
		lines = append(lines, window(l.long, top, l.rows-1, payLabelW, t.Muted)...)
		below := len(l.long) - (top + l.rows - 1)
		k := p.c.Keys
		var more []string
		if top > 0 {
			more = append(more, fmt.Sprintf("↑ %d more above (%s)", top, k.Pay.Up.Help().Key))
		}
		if below > 0 {
			more = append(more, fmt.Sprintf("↓ %d more lines: %s to read them", below, k.Pay.Down.Help().Key))
		}
		lines = append(lines, strings.Repeat(" ", payLabelW)+t.Accent.Render(strings.Join(more, " · ")))
	}
	lines = append(lines, l.foot...)
	return t.PanelDanger.Width(p.panelWidth()).Render(strings.Join(lines, "\n"))
}

func (p *Pay) doneView() string {
	t := p.c.Theme
	pw := p.panelWidth()
	inner := pw - 4
	row := func(label, value string) string { return t.Muted.Render(Fit(label, payLabelW)) + value }
	lines := []string{t.Positive.Render("✓ Paid"), ""}
	lines = append(lines, labelled("To", payLabelW, WrapAddress(p.tx.RecipientEmail, inner-payLabelW), t.Muted, t.Bold)...)
	// The memo as the service recorded it, whole: this is where the person sees what was sent.
	if memo := Memo(p.tx); memo != "" {
		lines = append(lines, labelled("Memo", payLabelW, WrapText(memo, inner-payLabelW), t.Muted, t.Text)...)
	}
	lines = append(lines, row("Amount", t.Text.Render(p.c.Money(p.tx.Amount))))
	lines = append(lines, row("Transaction", t.Code.Render(Trunc(p.tx.ID, inner-payLabelW))))
	if acct := p.c.Account; acct.Have {
		lines = append(lines, row("Available", t.Text.Render(p.c.Amount(acct.User.AvailableBalance))))
	}
	k := p.c.Keys
	lines = append(lines, "", t.Key.Render(k.Pay.NewPayment.Help().Key)+t.Muted.Render(" new payment")+
		t.Faint.Render("  ·  ")+t.Key.Render(k.Global.History.Help().Key)+t.Muted.Render(" history"))
	return t.PanelFocused.Width(pw).Render(strings.Join(lines, "\n"))
}
