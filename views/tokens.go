package views

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/views/components"
)

// madeToken is a token created in this session (only its recipient and time are kept).
type madeToken struct {
	recipient string
	at        time.Time
}

// Tokens creates transaction (delegation) tokens: one lets its recipient draw on the caller's
// account once.
type Tokens struct {
	c       *Common
	form    *Form
	spin    spinner.Model
	reqs    reqs
	waiting int
	token   string // the token on screen
	forWhom string
	banner  string
	made    []madeToken
	width   int
	height  int
}

// NewTokens returns the tokens screen.
func NewTokens(c *Common) *Tokens {
	rcpt := NewField(c, "Recipient", "who may draw on your account")
	rcpt.Input.CharLimit = api.MaxEmailLen
	t := &Tokens{c: c, reqs: newReqs(c), form: NewForm(rcpt), spin: NewSpinner(c.Theme)}
	t.form.Blur()
	return t
}

// Init does nothing: the screen waits for a recipient.
func (t *Tokens) Init() tea.Cmd { return nil }

// Activate focuses the recipient when no token is on screen, from every way in.
func (t *Tokens) Activate(SwitchMsg) tea.Cmd {
	if t.token == "" && t.waiting == 0 {
		return t.form.FocusOn(0)
	}
	return nil
}

// SetSize lays the screen out.
func (t *Tokens) SetSize(w, h int) {
	t.width, t.height = w, h
	t.form.SetWidth(t.panelWidth() - 4 - 12 - 3)
}

func (t *Tokens) panelWidth() int { return components.PanelWidth(t.width, 84) }

// InputFocused reports whether the recipient field has the focus.
func (t *Tokens) InputFocused() bool { return t.form.Focused() }

// tokenMadeMsg is the answer to creating a token.
type tokenMadeMsg struct {
	reqID     int
	recipient string
	token     string
	err       error
}

func (t *Tokens) create(recipient string) tea.Cmd {
	id := t.reqs.next()
	t.waiting = id
	c := t.c
	return tea.Batch(t.spin.Tick, func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		tok, err := c.Client.CreateTransactionToken(ctx, recipient)
		return tokenMadeMsg{reqID: id, recipient: recipient, token: tok, err: err}
	})
}

// Update handles keys and answers.
func (t *Tokens) Update(msg tea.Msg) (Screen, tea.Cmd) {
	k := t.c.Keys
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
		if msg.reqID != t.waiting {
			return t, nil
		}
		t.waiting = 0
		if msg.err != nil {
			field, text := ErrorField(msg.err)
			if field == "recipient" {
				t.form.Fields[0].Err = text
				return t, t.form.FocusOn(0)
			}
			t.banner = text
			return t, nil
		}
		t.token, t.forWhom = msg.token, msg.recipient
		t.made = append([]madeToken{{recipient: msg.recipient, at: t.c.now()}}, t.made...)
		if len(t.made) > 5 {
			t.made = t.made[:5]
		}
		t.form.Blur()
	case tea.PasteMsg:
		return t, t.form.Update(msg)
	case tea.KeyPressMsg:
		if t.waiting != 0 {
			return t, nil
		}
		if t.form.Focused() {
			switch {
			case key.Matches(msg, k.Tokens.Create):
				return t, t.submit()
			case key.Matches(msg, k.Global.LeaveField):
				t.form.Blur()
				return t, nil
			}
			t.form.Fields[0].Err = ""
			return t, t.form.Update(msg)
		}
		switch {
		case key.Matches(msg, k.Tokens.Copy) && t.token != "":
			return t, tea.Batch(tea.SetClipboard(t.token), Toast(ToastInfo, "Token copied to the clipboard."))
		case key.Matches(msg, k.Tokens.New), key.Matches(msg, k.Tokens.Create) && t.token == "":
			t.token, t.forWhom, t.banner = "", "", ""
			t.form.Fields[0].Input.SetValue("")
			return t, t.form.FocusOn(0)
		}
	}
	return t, nil
}

func (t *Tokens) submit() tea.Cmd {
	f := t.form.Fields[0]
	f.Err, t.banner = "", ""
	email, e := api.NormalizeEmail("recipient", f.Value())
	if e != nil {
		f.Err = e.Message
		return nil
	}
	if email == t.c.Email {
		f.Err = "Not yourself: pick someone else."
		return nil
	}
	return t.create(email)
}

// tokenLines is how many lines a token takes on screen at most: a longer one is shown with its
// middle cut out (c still copies all of it).
const tokenLines = 3

// View renders the form or the token.
func (t *Tokens) View() string {
	th := t.c.Theme
	pw := t.panelWidth()
	inner := pw - 4
	head := th.Title.Render("Transaction tokens") + "\n"
	intro := th.Muted.Render(wrap("A token lets one person draw on your account once, the way SyftBox apps charge for a call.", inner)) + "\n\n"
	var b strings.Builder
	switch {
	case t.token != "":
		b.WriteString(th.Positive.Render("✓ Token for ") + th.Bold.Render(CutAddress(t.forWhom, inner-12)) + "\n\n")
		shown := middle(t.token, tokenLines*(inner-2))
		for _, line := range strings.Split(ansi.Hardwrap(shown, inner-2, false), "\n") {
			b.WriteString("  " + th.Code.Render(line) + "\n")
		}
		b.WriteString("\n" + th.Warning.Render(wrap(allows(t.forWhom, tokenExpiry(t.token)), inner)) + "\n")
		b.WriteString(th.Faint.Render(wrap("Anyone holding it can use it; share it only with them.", inner)) + "\n\n")
		k := t.c.Keys
		b.WriteString(th.Key.Render(k.Tokens.Copy.Help().Key) + th.Muted.Render(" copy") + th.Faint.Render("  ·  ") +
			th.Key.Render(k.Tokens.New.Help().Key) + th.Muted.Render(" another token"))
	default:
		b.WriteString(t.form.View(t.c, 11) + "\n\n")
		if t.waiting != 0 {
			b.WriteString(t.spin.View() + " " + th.Muted.Render("Creating the token…"))
		} else {
			desc := " create token"
			if !t.form.Focused() {
				desc = " start typing"
			}
			b.WriteString(th.Key.Render(t.c.Keys.Tokens.Create.Help().Key) + th.Muted.Render(desc))
		}
	}
	if t.banner != "" {
		b.WriteString("\n\n" + th.Error.Render(wrap("✗ "+t.banner, inner)))
	}
	// The panel fits the content area whole (two lines are its border): with a token on screen
	// the introduction goes first, then the oldest of the tokens made this session.
	content := b.String()
	fits := func(intro string, made int) bool {
		n := strings.Count(head+intro+content, "\n") + 1
		if made > 0 {
			n += 2 + made
		}
		return n <= t.height-2
	}
	made := len(t.made)
	if t.token != "" && !fits(intro, made) {
		intro = "\n"
	}
	for made > 0 && !fits(intro, made) {
		made--
	}
	b.Reset()
	b.WriteString(head + intro + content)
	if made > 0 {
		b.WriteString("\n\n" + th.Muted.Render("Made this session"))
		for _, m := range t.made[:made] {
			b.WriteString("\n" + th.Faint.Render(m.at.In(time.Local).Format("15:04")+"  ") + th.Text.Render(CutAddress(m.recipient, inner-7)))
		}
	}
	panel := th.PanelFocused.Width(pw).Render(b.String())
	return lipgloss.Place(t.width, t.height, lipgloss.Center, lipgloss.Center, panel)
}

// middle cuts s to w cells by taking out its middle, "…" in its place.
func middle(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw <= w || w < 3 {
		return s
	}
	tail := (w - 1) / 2
	return ansi.Truncate(s, w-1-tail, "") + "…" + ansi.TruncateLeft(s, sw-tail, "")
}

// allows says, in one sentence, what a token lets its recipient do.
func allows(recipient string, exp time.Time) string {
	until := "until it expires"
	if !exp.IsZero() {
		until = "until " + exp.In(time.Local).Format("2006-01-02 15:04")
	}
	return "It lets " + recipient + " create one pending payment from you, of any amount you can cover, " +
		until + "; the amount is held until either of you confirms or cancels it in History."
}

// tokenExpiry reads the exp claim of a token, without verifying it (for display only).
func tokenExpiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(raw, &claims) != nil || claims.Exp <= 0 {
		return time.Time{}
	}
	return time.Unix(claims.Exp, 0)
}

// ShortHelp is the screen's keys.
func (t *Tokens) ShortHelp() []key.Binding {
	k := t.c.Keys
	if t.token != "" && !t.form.Focused() {
		return []key.Binding{k.Tokens.Copy, k.Tokens.New}
	}
	if !t.form.Focused() {
		return []key.Binding{withDesc(k.Tokens.Create, "start typing")}
	}
	return []key.Binding{k.Tokens.Create}
}

// FullHelp is every key of the screen.
func (t *Tokens) FullHelp() [][]key.Binding {
	k := t.c.Keys
	return [][]key.Binding{{k.Tokens.Create, k.Tokens.Copy, k.Tokens.New}}
}
