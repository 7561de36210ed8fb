package views

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
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
	spin spinner.Model
	reqs reqs

	waiting int                  // the create in flight
	made    *client.CreatedToken // the token on screen, shown this once
	forWhom string
	banner  string

	list      []api.TokenInfo // active and used-up tokens, newest first
	listReq   int
	listErr   string
	listKnown bool // a list came back (false on a service that does not list tokens)
	sel       int
	asking    *api.TokenInfo // the token whose revoke waits for y
	revoking  int            // the revoke in flight

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
	t := &Tokens{c: c, reqs: newReqs(c), form: NewForm(rcpt, uses, limit, exp), spin: NewSpinner(c.Theme)}
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

// tokenMadeMsg is the answer to creating a token.
type tokenMadeMsg struct {
	reqID     int
	recipient string
	made      client.CreatedToken
	err       error
}

func (t *Tokens) create(r client.TokenRequest) tea.Cmd {
	id := t.reqs.next()
	t.waiting = id
	c := t.c
	return tea.Batch(t.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		made, err := c.Client.CreateToken(ctx, r)
		return tokenMadeMsg{reqID: id, recipient: r.Recipient, made: made, err: err}
	})
}

// tokenListMsg is the answer to listing the tokens.
type tokenListMsg struct {
	reqID int
	list  []api.TokenInfo
	err   error
}

func (t *Tokens) load() tea.Cmd {
	id := t.reqs.next()
	t.listReq = id
	c := t.c
	return func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		list, err := c.Client.Tokens(ctx)
		return tokenListMsg{reqID: id, list: list, err: err}
	}
}

// tokenRevokedMsg is the answer to revoking a token.
type tokenRevokedMsg struct {
	reqID int
	token api.TokenInfo
	err   error
}

func (t *Tokens) revoke(tok api.TokenInfo) tea.Cmd {
	id := t.reqs.next()
	t.revoking = id
	c := t.c
	return func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		got, err := c.Client.RevokeToken(ctx, tok.ID)
		if err == nil && got.RecipientEmail == "" {
			got.RecipientEmail = tok.RecipientEmail
		}
		return tokenRevokedMsg{reqID: id, token: got, err: err}
	}
}

// Update handles keys and answers.
func (t *Tokens) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case StyleMsg:
		t.form.Restyle(t.c)
		t.spin.Style = t.c.Theme.Accent
	case spinner.TickMsg:
		if t.waiting != 0 {
			var cmd tea.Cmd
			t.spin, cmd = t.spin.Update(msg)
			return t, cmd
		}
	case tokenMadeMsg:
		return t, t.made1(msg)
	case tokenListMsg:
		if msg.reqID != t.listReq {
			return t, nil
		}
		t.listReq = 0
		t.setList(msg.list, msg.err)
	case tokenRevokedMsg:
		if msg.reqID != t.revoking {
			return t, nil
		}
		t.revoking = 0
		if msg.err != nil {
			t.banner = Message(msg.err)
			return t, nil
		}
		return t, tea.Batch(ToastTo(ToastInfo, "Revoked the token for ", msg.token.RecipientEmail, ""), t.load())
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
func (t *Tokens) made1(msg tokenMadeMsg) tea.Cmd {
	if msg.reqID != t.waiting {
		return nil
	}
	t.waiting = 0
	if msg.err != nil {
		field, text := ErrorField(msg.err)
		var val *client.ValidationError
		if errors.As(msg.err, &val) {
			switch val.Field {
			case "maxUses":
				field = "uses"
			case "maxAmount":
				field = "limit"
			case "expiresIn":
				field = "expires"
			}
		}
		if i, ok := map[string]int{"recipient": tokRecipient, "uses": tokUses, "limit": tokLimit, "expires": tokExpires}[field]; ok {
			t.form.Fields[i].Err = text
			return t.form.FocusOn(i)
		}
		t.banner = text
		return nil
	}
	made := msg.made
	t.made, t.forWhom = &made, msg.recipient
	t.form.Blur()
	return t.load()
}

func (t *Tokens) key(msg tea.KeyPressMsg) tea.Cmd {
	k := t.c.Keys
	if t.waiting != 0 {
		return nil
	}
	if t.asking != nil {
		switch {
		case key.Matches(msg, k.Confirm.Yes):
			tok := *t.asking
			t.asking = nil
			return t.revoke(tok)
		case key.Matches(msg, k.Confirm.No):
			t.asking = nil
		}
		return nil
	}
	if t.form.Focused() {
		switch {
		case key.Matches(msg, k.Tokens.Create):
			return t.submit()
		case key.Matches(msg, k.Form.Next):
			return t.form.Next()
		case key.Matches(msg, k.Form.Prev):
			return t.form.Prev()
		case key.Matches(msg, k.Global.LeaveField):
			t.form.Blur()
			return nil
		}
		t.form.Current().Err = ""
		return t.form.Update(msg)
	}
	switch {
	case key.Matches(msg, k.Tokens.Copy) && t.made != nil:
		return tea.Batch(tea.SetClipboard(t.made.Token), Toast(ToastInfo, "Token sent to the terminal's clipboard."))
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
		tok := t.list[t.sel]
		t.asking = &tok
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

func (t *Tokens) submit() tea.Cmd {
	f := t.form.Fields
	t.form.ClearErrors()
	t.banner = ""
	email, e := api.NormalizeEmail("recipient", f[tokRecipient].Value())
	if e != nil {
		f[tokRecipient].Err = e.Message
		return t.form.FocusOn(tokRecipient)
	}
	if email == t.c.Email {
		f[tokRecipient].Err = "Not yourself: pick someone else."
		return t.form.FocusOn(tokRecipient)
	}
	req := client.TokenRequest{Recipient: email}
	if s := strings.TrimSpace(f[tokUses].Value()); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 || n > api.MaxTokenUses {
			f[tokUses].Err = "A whole number from 1 to 1,000,000, or blank for any number of times."
			return t.form.FocusOn(tokUses)
		}
		req.MaxUses = n
	}
	if s := strings.TrimSpace(f[tokLimit].Value()); s != "" {
		m, err := money.ParseHumanPositive(s)
		if err != nil {
			f[tokLimit].Err = err.Error()
			return t.form.FocusOn(tokLimit)
		}
		req.MaxAmount = m
	}
	if s := strings.TrimSpace(f[tokExpires].Value()); s != "" {
		d, ok := parseLifetime(s)
		if !ok {
			f[tokExpires].Err = "Write how long it lasts, such as 30m, 2h or 1d, or leave it blank."
			return t.form.FocusOn(tokExpires)
		}
		req.ExpiresIn = d
	}
	return t.create(req)
}

// parseLifetime reads 30m, 2h, 1h30m (a Go duration of at least a second) or 1d.
func parseLifetime(s string) (time.Duration, bool) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err == nil && n > 0 && n <= 366
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= time.Second
}

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
			b.WriteString(t.spin.View() + " " + th.Muted.Render("Creating the token…"))
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
	return lipgloss.Place(t.width, t.height, lipgloss.Center, lipgloss.Center, panel)
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
	if t.asking != nil {
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
	case t.asking != nil:
		// The question takes the key line and one more (the list drew a row fewer for it).
		b.WriteString(th.Warning.Render(WithAddress("Revoke the token for ", t.asking.RecipientEmail,
			"? It ends now; what it created stays.", inner)) + "\n" +
			th.Key.Render(k.Confirm.Yes.Help().Key) + th.Muted.Render(" revoke  ") +
			th.Key.Render(k.Confirm.No.Help().Key) + th.Muted.Render(" keep"))
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

// ShortHelp is the screen's keys.
func (t *Tokens) ShortHelp() []key.Binding {
	k := t.c.Keys
	switch {
	case t.asking != nil:
		return []key.Binding{withDesc(k.Confirm.Yes, "revoke"), withDesc(k.Confirm.No, "keep")}
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
