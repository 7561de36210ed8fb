package views

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/views/components"
)

// Drawing the Tokens screen: the form or the token just made, then the tokens that may still be
// used.

// View renders the form or the token just made, then the active tokens.
func (t *Tokens) View() string {
	th := t.c.Theme
	pw := t.panelWidth()
	inner := pw - 4
	head := th.Title.Render("Transaction tokens") + "\n"
	intro := th.Muted.Render(wrap("A token lets one person charge your account, the way SyftBox apps charge for calls. "+
		"It pays once unless you allow more uses.", inner)) + "\n\n"
	var b strings.Builder
	if t.made != nil {
		b.WriteString(t.madeView(inner, false))
	} else {
		b.WriteString(t.form.View(t.c, 11) + "\n\n")
		if t.waiting != 0 {
			b.WriteString(t.spin.Line(th.Muted, "Creating the token…"))
		} else {
			desc := " create token"
			if !t.form.Focused() {
				desc = " start typing"
			}
			b.WriteString(th.Key.Render(t.c.Keys.Tokens.Create.Help().Key) + th.Muted.Render(desc))
			if t.form.Focused() {
				b.WriteString(th.Faint.Render("  ·  ") + th.Key.Render(t.c.Keys.Form.Next.Help().Key) +
					th.Muted.Render(" next field"))
			}
		}
	}
	if t.banner != "" {
		b.WriteString("\n\n" + th.Error.Render(wrap("✗ "+t.banner, inner)))
	}
	content := b.String()
	// The panel fits the content area whole (two lines are its border). The token just made is
	// never cut: the introduction goes first, then rows of the list.
	lines := func(s string) int { return strings.Count(s, "\n") + 1 }
	room := t.height - 2
	if t.made != nil && lines(head+intro+content) > room {
		intro = "\n"
		if lines(head+intro+content) > room { // still too tall (60x20): no blank lines between its parts
			head, intro, content = "", "", t.madeView(inner, true) // the tab bar names the screen
		}
	}
	// The list: a blank line, its title, its rows, its key line (or its one-line note).
	if rows := room - lines(head+intro+content) - 3; rows >= 1 {
		if list := t.listView(inner, rows); list != "" {
			content += "\n\n" + list
		}
	}
	panel := th.PanelFocused.Width(pw).Render(head + intro + content)
	return components.Centre(t.width, t.height, panel)
}

// madeView is the token just made, whole (hard-wrapped: it has no spaces), and what it allows.
// Compact leaves out the blank lines between its parts and shortens the key line, for a window
// too small for them: the token, what it allows and the warning are never left out.
func (t *Tokens) madeView(inner int, compact bool) string {
	th := t.c.Theme
	k := t.c.Keys
	gap := "\n"
	if compact {
		gap = ""
	}
	var b strings.Builder
	b.WriteString(th.Positive.Render("✓ Token for ") + th.Bold.Render(CutAddress(t.forWhom, inner-12)) + "\n" + gap)
	for _, line := range strings.Split(ansi.Hardwrap(t.made.Token, inner-2, false), "\n") {
		b.WriteString("  " + th.Code.Render(line) + "\n")
	}
	b.WriteString(gap + th.Warning.Render(wrap(t.allows(), inner)) + "\n")
	b.WriteString(th.Faint.Render(wrap("Shown this once. Anyone holding it can use it; share it only with them.", inner)) + "\n" + gap)
	copyDesc := " copy (to the terminal's clipboard)"
	if compact {
		copyDesc = " copy"
	}
	b.WriteString(th.Key.Render(k.Tokens.Copy.Help().Key) + th.Muted.Render(copyDesc) +
		th.Faint.Render("  ·  ") + th.Key.Render(k.Tokens.New.Help().Key) + th.Muted.Render(" another token"))
	return b.String()
}

// allows says, in one sentence, what the token just made lets its recipient do.
func (t *Tokens) allows() string {
	info := t.made.Info
	if info == nil { // a service that does not record tokens: they are single use there
		return "It lets " + t.forWhom + " create one pending payment from you, of any amount you can cover, until it " +
			"expires; the amount is held until either of you confirms or cancels it in History."
	}
	times := "any number of pending payments"
	switch {
	case info.MaxUses != nil && *info.MaxUses == 1:
		times = "one pending payment"
	case info.MaxUses != nil:
		times = fmt.Sprintf("up to %d pending payments", *info.MaxUses)
	}
	much := "of any amount you can cover"
	if info.MaxAmount != nil {
		much = "of at most " + t.c.Money(*info.MaxAmount) + " in all"
	}
	return "It lets " + t.forWhom + " create " + times + " from you, " + much + ", until " +
		info.ExpiresAt.In(time.Local).Format("2006-01-02 15:04") + "; each amount is held until either of you " +
		"confirms or cancels it in History."
}

// listView is the active tokens, at most rows of them around the selection, with their keys.
func (t *Tokens) listView(inner, rows int) string {
	th := t.c.Theme
	k := t.c.Keys
	if !t.listKnown && t.listErr == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(th.Muted.Render("Active tokens"))
	if t.listErr != "" {
		b.WriteString("\n" + th.Error.Render(Trunc("✗ "+t.listErr, inner)))
		return b.String()
	}
	if len(t.list) == 0 {
		b.WriteString("\n" + th.Faint.Render("None: the tokens you make are listed here until they expire."))
		return b.String()
	}
	if t.ask.Asking() {
		rows-- // the question's second line
	}
	rows = max(rows, 1)
	first := 0
	if t.sel >= rows {
		first = t.sel - rows + 1
	}
	addrW := min(30, inner/2-2)
	for i := first; i < len(t.list) && i < first+rows; i++ {
		tok := t.list[i]
		mark, style := "  ", th.Text
		if i == t.sel && !t.form.Focused() {
			mark, style = "› ", th.Bold
		}
		line := mark + style.Render(Fit(CutAddress(tok.RecipientEmail, addrW), addrW)) + "  " +
			th.Muted.Render(Trunc(t.useText(tok), inner-addrW-4))
		b.WriteString("\n" + line)
	}
	b.WriteString("\n")
	switch {
	case t.ask.Asking():
		// The question (its text round the address) takes the key line and one more (the list
		// drew a row fewer for it).
		b.WriteString(th.Warning.Render(WithAddress(t.ask.Question, t.asked.RecipientEmail, t.ask.Effect, inner)) + "\n" +
			th.Key.Render(t.ask.YesKey()) + th.Muted.Render(" "+t.ask.YesDesc+"  ") +
			th.Key.Render(t.ask.NoKey()) + th.Muted.Render(" "+t.ask.NoDesc))
	case t.revoking != 0:
		b.WriteString(th.Muted.Render("Revoking…"))
	case !t.form.Focused():
		b.WriteString(th.Key.Render(firstKey(k.Tokens.Up)+"/"+firstKey(k.Tokens.Down)) + th.Muted.Render(" select  ") +
			th.Key.Render(k.Tokens.Revoke.Help().Key) + th.Muted.Render(" revoke  ") +
			th.Key.Render(k.Tokens.Refresh.Help().Key) + th.Muted.Render(" refresh"))
	default:
		b.WriteString(th.Faint.Render("esc, then ↑/↓ and x to revoke one"))
	}
	return b.String()
}

// firstKey is the first key of a binding as the help line writes it ("↑" of "↑/k").
func firstKey(b key.Binding) string {
	first, _, _ := strings.Cut(b.Help().Key, "/")
	return first
}

// useText is what a token took so far against its limits, and until when it lasts.
func (t *Tokens) useText(tok api.TokenInfo) string {
	uses := fmt.Sprintf("%d %s", tok.UsedCount, plural(int(tok.UsedCount), "use", "uses"))
	if tok.MaxUses != nil {
		uses = fmt.Sprintf("%d of %d %s", tok.UsedCount, *tok.MaxUses, plural(int(*tok.MaxUses), "use", "uses"))
	}
	amount := t.c.Amount(tok.UsedAmount)
	if tok.MaxAmount != nil {
		amount += " of " + t.c.Amount(*tok.MaxAmount)
	}
	exp := tok.ExpiresAt.In(time.Local)
	when := exp.Format("15:04")
	if y, m, d := exp.Date(); !sameDay(t.c.now().In(time.Local), y, m, d) {
		when = exp.Format("Jan 2 15:04")
	}
	if tok.State == api.TokenUsedUp {
		return uses + " · " + amount + " · used up"
	}
	return uses + " · " + amount + " · until " + when
}

func sameDay(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d
}
