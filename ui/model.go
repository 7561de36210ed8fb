// Package ui is the wallet's root Bubble Tea model. It routes between the screens of package
// views, holds the session state they share (views.Common: client, theme, keys, privacy, the
// account loaded once and kept current by the live events), delivers each answer to the screen
// that asked for it (and ends a lost session itself, once), handles the global keys before any
// screen sees them, draws the header, the status bar (account, server,
// live feed, circuit breaker), the help line and the toasts, and adapts the live events stream
// (package events) and, for services without events, polling into messages.
//
// It knows views, theme, client, events, api and money, and termsafe: every string the service
// sends passes its escape here, once, before a screen sees it (inbound.go). It does no HTTP of its
// own: every call goes through the client in a tea.Cmd, and Update never blocks.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/views"
)

// MinWidth and MinHeight are the smallest window the wallet lays out in. Below FullWidth ×
// FullHeight (80 × 24, what the screens are designed for) the screens drop columns (History's
// status and direction, the dashboard's live feed) before the wallet refuses to draw.
const (
	MinWidth   = 60
	MinHeight  = 20
	FullWidth  = 80
	FullHeight = 24
)

// Options configure the root model.
type Options struct {
	// Ctx ends when the wallet quits; every command's context derives from it.
	Ctx    context.Context
	Client views.Client
	// Theme is the configured theme name (theme.Resolve already applied NO_COLOR).
	Theme string
	// Keys are the config file's key overrides, applied once here.
	Keys map[string][]string
	// Server names the service in the status bar: "embedded" or its host.
	Server string
	// Embedded is set when the service runs in this process.
	Embedded bool
	// ExportDir is where history exports go.
	ExportDir string
	// PayThreshold: paying this much or more asks for the amount twice.
	PayThreshold money.Micros
	// Resume tries to restore the last session from the keyring at start.
	Resume bool
	// Email prefills the sign-in form.
	Email string
	// RegisterHint is shown under the create-account form (the embedded welcome credit).
	RegisterHint string
	// Suggest are recipients to offer before there are recent ones (the demo accounts).
	Suggest []string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// PollEvery is how often a service without live events is polled; default 10 s.
	PollEvery time.Duration
	// NewStream makes the live events stream; default events.NewStream.
	NewStream StreamFactory
	// Logger receives the root's debug lines; default discards.
	Logger *slog.Logger
	// Dark is the background assumed until the terminal answers; tests pin it.
	Dark bool
	// Mouse turns the mouse on: the wheel scrolls lists and a click on a tab switches to it. Off
	// by default: a terminal that reports the mouse to a program stops selecting text for copy
	// (most still select with shift held).
	Mouse bool
}

// Model is the root model.
type Model struct {
	opts   Options
	common *views.Common
	keys   views.KeyMap
	keyErr string
	log    *slog.Logger

	themeName string
	dark      bool
	monoForce bool

	screens map[views.ID]views.Screen
	active  views.ID
	session client.Session

	width, height int
	help          help.Model
	showHelp      bool
	confirmQuit   bool
	quitting      bool

	toasts   []toast
	toastSeq int
	ticking  bool // the toast and status tick is running

	feed feedState
	live *liveConn
	// closing are streams being closed; Shutdown waits for them.
	closing []LiveStream
	poll    *poller
	gen     int // live/poll generation: answers of an older one are dropped

	resumeReq int
	reqSeq    int

	// Frame caches: line widths of the last frame, and the chrome lines with what they show.
	widths   map[string]int
	hdrKey   headerKey
	hdr      string
	tabSpans []tabSpan // where the header drew each tab
	statKey  statusKey
	stat     string
	helpKey  string
	helpStr  string
}

// New builds the root model. It does no I/O.
func New(o Options) *Model {
	if o.Ctx == nil {
		o.Ctx = context.Background()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollEvery <= 0 {
		o.PollEvery = 10 * time.Second
	}
	if o.NewStream == nil {
		o.NewStream = defaultStream
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Server == "" {
		o.Server = "service"
	}
	o.Client = safeFor(o.Client) // every screen sees the service's text escaped (inbound.go)
	m := &Model{opts: o, log: o.Logger.With("component", "ui"), themeName: o.Theme, dark: o.Dark}
	m.keys = views.DefaultKeyMap()
	if err := m.keys.Apply(o.Keys); err != nil {
		m.keyErr = err.Error()
	}
	m.common = &views.Common{
		Ctx: o.Ctx, Client: o.Client, Keys: &m.keys, PayThreshold: o.PayThreshold,
		ExportDir: o.ExportDir, Now: o.Now, Suggest: o.Suggest,
	}
	m.help = help.New()
	m.applyTheme()
	m.screens = map[views.ID]views.Screen{}
	notice := ""
	if m.keyErr != "" {
		notice = m.keyErr
	}
	m.showLogin(o.Email, notice)
	return m
}

// Common exposes the shared state (tests).
func (m *Model) Common() *views.Common { return m.common }

// Active is the screen on show.
func (m *Model) Active() views.ID { return m.active }

// Screen returns a screen if it exists (tests).
func (m *Model) Screen(id views.ID) views.Screen { return m.screens[id] }

func (m *Model) applyTheme() {
	name := m.themeName
	if m.monoForce {
		name = theme.Mono
	}
	m.common.Theme = theme.New(name, m.dark)
	m.help.Styles = views.HelpStyles(m.common.Theme)
}

func (m *Model) showLogin(email, notice string) {
	l := views.NewLogin(m.common, email, notice)
	l.RegisterHint = m.opts.RegisterHint
	m.screens = map[views.ID]views.Screen{views.LoginScreen: l}
	m.active = views.LoginScreen
	m.layout()
}

// Init asks for the background colour and, if asked to, restores the last session.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.opts.Resume {
		cmds = append(cmds, m.resume())
		if l, ok := m.screens[views.LoginScreen].(*views.Login); ok {
			cmds = append(cmds, l.SetBusy("Restoring your last session…"))
		}
	}
	return tea.Batch(cmds...)
}

// resumedMsg is the answer to restoring a session from the keyring.
type resumedMsg struct {
	reqID int
	sess  client.Session
	err   error
}

func (m *Model) resume() tea.Cmd {
	m.reqSeq++
	id := m.reqSeq
	m.resumeReq = id
	c, ctx := m.opts.Client, m.opts.Ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		s, err := c.Resume(ctx, "")
		return resumedMsg{reqID: id, sess: s, err: err}
	}
}

// Update routes a message: the root's own first, keys and pastes to the active screen only, an
// answer (views.Addressed) to the screen that asked for it only, and session-wide news (live
// changes, reloads, style changes, spinner ticks) to every screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.applyTheme()
		return m, m.broadcast(views.StyleMsg{})
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.MouseWheelMsg:
		return m, m.wheel(tea.Mouse(msg))
	case tea.MouseClickMsg:
		return m, m.click(tea.Mouse(msg))
	case tea.PasteMsg:
		if m.tooSmall() {
			return m, nil // nothing is typed into a screen that cannot be seen
		}
		return m, m.toActive(msg)
	case resumedMsg:
		return m, m.resumed(msg)
	case views.SignedInMsg:
		return m, m.signedIn(msg)
	case views.MFANeededMsg:
		s := views.NewMFA(m.common, msg.Challenge)
		m.screens[views.MFAScreen] = s
		m.active = views.MFAScreen
		m.layout()
		return m, s.Init()
	case views.SignedOutMsg:
		if !m.session.SignedIn {
			// From the MFA screen: back to the sign-in form.
			m.showLogin("", msg.Reason)
			return m, nil
		}
		return m, m.endSession(msg.Reason)
	case views.SwitchMsg:
		return m, m.switchTo(msg)
	case views.ToastMsg:
		return m, m.addToastTo(msg.Kind, msg.Text, msg.Who, msg.After)
	case views.ThemeToggleMsg:
		m.monoForce = msg.Mono
		m.applyTheme()
		return m, m.broadcast(views.StyleMsg{})
	case views.Addressed:
		return m, m.deliver(msg)
	case views.AccountMsg:
		if m.session.SignedIn {
			m.common.Account.Set(msg.User, msg.Err, m.opts.Now())
			if msg.Err == nil && msg.User.Currency != "" {
				m.common.Currency = msg.User.Currency
			}
			if lostSession(msg.Err) {
				return m, m.endSession(sessionEnded)
			}
		}
		return m, nil
	case views.RefreshAccountMsg:
		if !m.session.SignedIn {
			return m, nil
		}
		// r: the balance now, and, while the live feed is down, a reconnect now.
		return m, tea.Batch(views.LoadAccount(m.common, true), m.reconnect())
	case tickMsg:
		return m, m.tick()
	case liveItemMsg:
		return m, m.liveItem(msg)
	case liveEndedMsg:
		return m, m.liveEnded(msg)
	case pollTickMsg:
		return m, m.pollTick(msg)
	case pollResultMsg:
		return m, m.pollResult(msg)
	}
	// Everything else (a spinner's tick, a screen's own timer) goes to every screen: answers to
	// requests are views.Addressed, above, and reach only the screen that asked.
	return m, m.broadcast(msg)
}

// sessionEnded is what the sign-in form says when the service no longer knows the session.
const sessionEnded = "Your session has ended; sign in again."

// lostSession reports whether err says the session is gone (not a wrong password typed on a
// form, which the screen shows itself).
func lostSession(err error) bool {
	var unauth *client.UnauthenticatedError
	return errorsAs(err, &unauth) && !unauth.BadCredentials
}

// deliver gives an answer to the screen that asked for it and to no other. A lost session is
// handled here, once, for every screen: back to the sign-in form with one sentence.
func (m *Model) deliver(a views.Addressed) tea.Cmd {
	if m.session.SignedIn && lostSession(a.Failure()) {
		return m.endSession(sessionEnded)
	}
	s, ok := m.screens[a.To()]
	if !ok {
		return nil
	}
	ns, cmd := s.Update(a)
	m.screens[a.To()] = ns
	return cmd
}

// key handles the global keys, then gives the key to the active screen.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	g := m.keys.Global
	if key.Matches(msg, g.ForceQuit) {
		return m.quit()
	}
	if m.tooSmall() {
		return m.keyTooSmall(msg)
	}
	if plain, ok := m.escThen(msg); ok {
		// esc, then the number: what the person typed, and what alt+number means here.
		return tea.Sequence(m.key(tea.KeyPressMsg{Code: tea.KeyEscape}), m.key(plain))
	}
	if key.Matches(msg, g.Redraw) {
		return tea.ClearScreen
	}
	if m.confirmQuit {
		switch {
		case key.Matches(msg, m.keys.Confirm.Yes):
			return m.quit()
		case key.Matches(msg, m.keys.Confirm.No):
			m.confirmQuit = false
		}
		return nil
	}
	if m.showHelp {
		if key.Matches(msg, g.Help, g.LeaveField, g.Quit) {
			m.showHelp = false
		}
		return nil
	}
	signedIn := m.session.SignedIn
	if m.inputFocused() {
		return m.toActive(msg)
	}
	switch {
	case key.Matches(msg, g.Quit):
		if m.busy() {
			m.confirmQuit = true
			return nil
		}
		return m.quit()
	case key.Matches(msg, g.Help):
		m.showHelp = true
		return nil
	}
	if signedIn {
		switch {
		case key.Matches(msg, g.NextScreen):
			return m.cycle(1)
		case key.Matches(msg, g.PrevScreen):
			return m.cycle(-1)
		case key.Matches(msg, g.Privacy):
			m.setPrivacy(!m.common.Privacy)
			if m.common.Privacy {
				// A toast's text was written with the amounts of its moment: hiding means it goes.
				m.toasts = nil
			}
			return m.broadcast(views.StyleMsg{})
		}
		for i, b := range []key.Binding{g.Dashboard, g.Pay, g.History, g.Tokens, g.Security} {
			if key.Matches(msg, b) {
				return m.switchTo(views.SwitchMsg{To: views.SignedIn[i]})
			}
		}
	}
	return m.toActive(msg)
}

// escThen reads alt+number as esc followed by the number. A terminal sends a key typed right
// after esc as that key with alt, and tmux does so for whatever comes within its escape-time
// (500 ms by default): esc then 3, the way to leave a field for History, would otherwise be a
// key no binding knows, dropped while the field keeps the focus. Only the screen keys are read
// so; alt with any other key stays what it is.
func (m *Model) escThen(msg tea.KeyPressMsg) (tea.KeyPressMsg, bool) {
	if msg.Mod != tea.ModAlt || !m.session.SignedIn {
		return msg, false
	}
	plain := tea.KeyPressMsg{Code: msg.Code, Text: string(msg.Code)}
	g := m.keys.Global
	if !key.Matches(plain, g.Dashboard, g.Pay, g.History, g.Tokens, g.Security) {
		return msg, false
	}
	return plain, true
}

// tooSmall reports whether the window is too small to draw the wallet in: then only the
// too-small notice is on screen.
func (m *Model) tooSmall() bool {
	return m.width > 0 && m.height > 0 && (m.width < MinWidth || m.height < MinHeight)
}

// keyTooSmall is the only key handling while the window is too small to draw: no screen sees a
// key it cannot show (a y on a hidden review would send the payment). Quit works, asking first
// while money is moving, and the question and its answers are drawn on the too-small notice;
// resizing is a window message, always handled.
func (m *Model) keyTooSmall(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case m.confirmQuit && key.Matches(msg, m.keys.Confirm.Yes):
		return m.quit()
	case m.confirmQuit && key.Matches(msg, m.keys.Confirm.No):
		m.confirmQuit = false
	case !m.confirmQuit && key.Matches(msg, m.keys.Global.Quit):
		if m.busy() {
			m.confirmQuit = true
			return nil
		}
		return m.quit()
	}
	return nil
}

// setPrivacy hides or shows the amounts; the privacy key's help says what it does next.
func (m *Model) setPrivacy(on bool) {
	m.common.Privacy = on
	desc := "hide amounts"
	if on {
		desc = "show amounts"
	}
	p := &m.keys.Global.Privacy
	p.SetHelp(p.Help().Key, desc)
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.stopFeed()
	return tea.Quit
}

// Shutdown ends the live feed and waits for its goroutine; the app calls it after the program
// returned (tea.Quit may come before the feed's own close command ran).
func (m *Model) Shutdown() {
	if m.live != nil {
		m.live.close()
		m.live = nil
	}
	for _, s := range m.closing {
		_ = s.Close()
	}
	m.closing = nil
}

func (m *Model) inputFocused() bool {
	f, ok := m.screens[m.active].(views.Focuser)
	return ok && f.InputFocused()
}

func (m *Model) busy() bool {
	for _, s := range m.screens {
		if b, ok := s.(views.Busy); ok && b.Busy() {
			return true
		}
	}
	return false
}

// expected reports whether a screen expects an event as the outcome of the person's own action.
func (m *Model) expected(eventType string) bool {
	for _, s := range m.screens {
		if e, ok := s.(views.Expecter); ok && e.Expects(eventType) {
			return true
		}
	}
	return false
}

func (m *Model) cycle(step int) tea.Cmd {
	ids := views.SignedIn
	i := 0
	for j, id := range ids {
		if id == m.active {
			i = j
		}
	}
	i = (i + step + len(ids)) % len(ids)
	return m.switchTo(views.SwitchMsg{To: ids[i]})
}

func (m *Model) switchTo(msg views.SwitchMsg) tea.Cmd {
	s, ok := m.screens[msg.To]
	if !ok || !m.session.SignedIn {
		return nil
	}
	m.active = msg.To
	if a, ok := s.(views.Activator); ok {
		return a.Activate(msg)
	}
	return nil
}

func (m *Model) toActive(msg tea.Msg) tea.Cmd {
	s, ok := m.screens[m.active]
	if !ok {
		return nil
	}
	ns, cmd := s.Update(msg)
	m.screens[m.active] = ns
	return cmd
}

// broadcast gives a session-wide message to every screen.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for id, s := range m.screens {
		ns, cmd := s.Update(msg)
		m.screens[id] = ns
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

func (m *Model) resumed(msg resumedMsg) tea.Cmd {
	if msg.reqID != m.resumeReq || m.session.SignedIn {
		return nil
	}
	m.resumeReq = 0
	l, _ := m.screens[views.LoginScreen].(*views.Login)
	if l != nil {
		l.SetBusy("")
	}
	if msg.err == nil {
		return m.signedIn(views.SignedInMsg{Session: msg.sess})
	}
	m.log.Debug("no session restored", "err", msg.err)
	var unauth *client.UnauthenticatedError
	if !errorsAs(msg.err, &unauth) && l != nil {
		// The keyring had a session but the service could not be asked: say so, keep the form.
		m.showLogin(m.opts.Email, "Could not restore your session: "+views.Message(msg.err))
	}
	return nil
}

func (m *Model) signedIn(msg views.SignedInMsg) tea.Cmd {
	m.session = msg.Session
	m.common.Email = msg.Session.Email
	if msg.Session.User.Currency != "" {
		m.common.Currency = msg.Session.User.Currency
	}
	m.screens = map[views.ID]views.Screen{}
	m.common.Account = views.Account{}
	// The account is loaded once here, for every screen, and kept current by the live events.
	cmds := []tea.Cmd{views.LoadAccount(m.common, false)}
	for _, id := range views.SignedIn {
		s := views.New(id, m.common)
		m.screens[id] = s
		cmds = append(cmds, s.Init())
	}
	if d, ok := m.screens[views.DashboardScreen].(*views.Dashboard); ok {
		notice := msg.Notice
		if notice == "" {
			notice = msg.Session.Warning
		}
		d.SetNotice(notice)
	}
	m.active = views.DashboardScreen
	m.layout()
	cmds = append(cmds, m.stopFeed(), m.startFeed())
	return tea.Batch(cmds...)
}

func (m *Model) endSession(reason string) tea.Cmd {
	stop := m.stopFeed()
	m.session = client.Session{}
	m.common.Email = ""
	m.common.Account = views.Account{}
	m.setPrivacy(false)
	m.confirmQuit, m.showHelp = false, false
	m.showLogin("", reason)
	return stop
}

// layout gives every screen the content area.
func (m *Model) layout() {
	w, h := m.contentSize()
	m.help.SetWidth(max(m.width-2, 0))
	for _, s := range m.screens {
		s.SetSize(w, h)
	}
}

// contentSize is the area between the header and the status bar, inside the side margins.
func (m *Model) contentSize() (int, int) {
	return max(m.width-2, 0), max(m.height-3, 0)
}

// View draws the header, the active screen, the toasts, the status bar and the help line.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeNone
	if m.opts.Mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	v.WindowTitle = "syftwallet"
	return v
}

func (m *Model) render() string {
	if m.quitting {
		return ""
	}
	t := m.common.Theme
	if m.width == 0 || m.height == 0 {
		return ""
	}
	if m.tooSmall() {
		msg := t.Warning.Render("The window is too small.") + "\n" +
			t.Muted.Render(views.Trunc("syftwallet needs at least "+itoa(MinWidth)+" × "+itoa(MinHeight)+";", m.width)) + "\n" +
			t.Muted.Render(views.Trunc("this one is "+itoa(m.width)+" × "+itoa(m.height)+".", m.width))
		// Only quit acts here (keyTooSmall), and it says so; while money moves, its question is
		// drawn here too.
		k := m.keys
		if m.confirmQuit {
			msg += "\n\n" + t.Warning.Render(views.Trunc("A payment is being sent: quit anyway?", m.width)) + "\n" +
				t.Muted.Render(views.Trunc(k.Confirm.Yes.Help().Key+" quit anyway · "+k.Confirm.No.Help().Key+" stay", m.width))
		} else {
			msg += "\n" + t.Faint.Render(views.Trunc("Enlarge it to go on; "+k.Global.Quit.Help().Key+" quits.", m.width))
			if m.busy() {
				msg += "\n\n" + t.Warning.Render(views.Trunc("A payment is being sent.", m.width))
			}
		}
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, msg)
	}
	w, h := m.contentSize()
	var body string
	switch {
	case m.showHelp:
		body = m.fullHelp(w, h)
	case m.confirmQuit:
		body = m.quitPrompt(w, h)
	default:
		if s, ok := m.screens[m.active]; ok {
			body = s.View()
		}
	}
	if len(m.toasts) > 0 && m.showsToasts() {
		body = m.overlayToasts(strings.Join(m.clampLines(body, w, h), "\n"), w, h)
	}
	lines := m.clampLines(body, w, h)
	var b strings.Builder
	b.Grow(len(body) + 4*m.width)
	b.WriteString(m.header())
	for _, l := range lines {
		b.WriteString("\n ") // the left margin
		b.WriteString(l)
	}
	b.WriteString("\n")
	b.WriteString(m.statusBar())
	b.WriteString("\n ")
	b.WriteString(m.helpLine())
	return b.String()
}

// clampLines cuts or pads s to exactly h lines of at most w cells, so that no screen can push
// the status bar away or break a border. Widths are remembered from the frame before: scrolling
// changes two lines, and measuring the others again is most of a frame's cost.
func (m *Model) clampLines(s string, w, h int) []string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	prev := m.widths
	next := make(map[string]int, len(lines))
	for i, l := range lines {
		if len(l) <= w {
			continue // never wider than its bytes
		}
		wd, ok := prev[l]
		if !ok {
			wd = lipgloss.Width(l)
		}
		next[l] = wd
		if wd > w {
			lines[i] = views.Trunc(l, w)
		}
	}
	m.widths = next
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

// headerKey is what the header shows; it is drawn again only when this changes.
type headerKey struct {
	signedIn, privacy bool
	active            views.ID
	width             int
	theme             *theme.Theme
}

func (m *Model) header() string {
	k := headerKey{m.session.SignedIn, m.common.Privacy, m.active, m.width, m.common.Theme}
	if k == m.hdrKey && m.hdr != "" {
		return m.hdr
	}
	m.hdrKey, m.hdr = k, m.drawHeader()
	return m.hdr
}

func (m *Model) drawHeader() string {
	t := m.common.Theme
	brand := t.Brand.Render(" ◆ syftwallet ")
	right := ""
	if m.common.Privacy {
		right = t.Warning.Render("amounts hidden ")
	}
	tabs := func(short bool) string {
		if !m.session.SignedIn {
			return t.TabActive.Render(m.active.Title())
		}
		g := m.keys.Global
		nums := []key.Binding{g.Dashboard, g.Pay, g.History, g.Tokens, g.Security}
		var b strings.Builder
		for i, id := range views.SignedIn {
			label := nums[i].Help().Key + " " + id.Title()
			switch {
			case id == m.active:
				b.WriteString(t.TabActive.Render(label))
			case short:
				b.WriteString(t.TabInactive.Render(nums[i].Help().Key))
			default:
				b.WriteString(t.TabInactive.Render(label))
			}
		}
		return b.String()
	}
	short := false
	left := brand + " " + tabs(false)
	if lipgloss.Width(left)+lipgloss.Width(right) >= m.width {
		// Short of room (the privacy marker at 80 columns): the other tabs show only their number.
		short = true
		left = brand + " " + tabs(true)
	}
	m.tabSpans = m.tabSpans[:0]
	if m.session.SignedIn {
		// Where each tab is drawn, for a click on it.
		x := lipgloss.Width(brand + " ")
		g := m.keys.Global
		nums := []key.Binding{g.Dashboard, g.Pay, g.History, g.Tokens, g.Security}
		for i, id := range views.SignedIn {
			label := nums[i].Help().Key + " " + id.Title()
			var w int
			switch {
			case id == m.active:
				w = lipgloss.Width(t.TabActive.Render(label))
			case short:
				w = lipgloss.Width(t.TabInactive.Render(nums[i].Help().Key))
			default:
				w = lipgloss.Width(t.TabInactive.Render(label))
			}
			m.tabSpans = append(m.tabSpans, tabSpan{x0: x, x1: x + w, id: id})
			x += w
		}
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return views.Trunc(left, m.width)
	}
	return left + strings.Repeat(" ", gap) + right
}

// tabSpan is the cells x0 to x1 (exclusive) of the header where the tab of id is drawn.
type tabSpan struct {
	x0, x1 int
	id     views.ID
}

// wheel scrolls the list on show: the wheel is the up and down keys of the screen (History's
// rows, the review's lines), never typed into a field.
func (m *Model) wheel(ms tea.Mouse) tea.Cmd {
	if m.tooSmall() || m.showHelp || m.confirmQuit || m.inputFocused() {
		return nil
	}
	code := tea.KeyDown
	switch ms.Button {
	case tea.MouseWheelUp:
		code = tea.KeyUp
	case tea.MouseWheelDown:
	default:
		return nil
	}
	return m.toActive(tea.KeyPressMsg{Code: code})
}

// click switches to the tab clicked on in the header.
func (m *Model) click(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft || ms.Y != 0 || !m.session.SignedIn || m.tooSmall() || m.confirmQuit {
		return nil
	}
	m.header() // the spans of the header as drawn now
	for _, sp := range m.tabSpans {
		if ms.X >= sp.x0 && ms.X < sp.x1 {
			m.showHelp = false
			return m.switchTo(views.SwitchMsg{To: sp.id})
		}
	}
	return nil
}

// helpLine is the active screen's short help and the global keys that work right now; it is
// drawn again only when the bindings or their help change.
func (m *Model) helpLine() string {
	g := m.keys.Global
	var screen, global []key.Binding
	switch {
	case m.confirmQuit:
		global = []key.Binding{withDesc(m.keys.Confirm.Yes, "quit"), withDesc(m.keys.Confirm.No, "stay")}
	case m.showHelp:
		global = []key.Binding{withDesc(g.Help, "close help")}
	default:
		if s, ok := m.screens[m.active]; ok {
			screen = s.ShortHelp()
		}
		if m.inputFocused() {
			// The screen has every key but ctrl+c first: where it gives esc a meaning of its own
			// (back to the form, back to sign in), that is the one the line says.
			global = withoutKeysOf(append(global, g.LeaveField, g.ForceQuit), screen)
		} else {
			if m.session.SignedIn {
				global = append(global, withDesc(g.NextScreen, "screens"))
			}
			global = append(global, g.Help, g.Quit)
			screen = withoutKeysOf(screen, global) // the root has these keys first
		}
	}
	bs := append(slices.Clip(screen), global...)
	var kb strings.Builder
	fmt.Fprintf(&kb, "%d %p", m.width, m.common.Theme)
	for _, b := range bs {
		if b.Enabled() {
			kb.WriteString("\x00" + b.Help().Key + "\x01" + b.Help().Desc)
		}
	}
	if k := kb.String(); k != m.helpKey || m.helpStr == "" {
		m.helpKey, m.helpStr = k, m.shortHelp(screen, global)
	}
	return m.helpStr
}

// shortHelp fits the help line to the width by leaving out the screen's last keys first, so the
// global ones (? help above all, which shows everything) are always there.
func (m *Model) shortHelp(screen, global []key.Binding) string {
	limit := m.help.Width()
	m.help.SetWidth(0) // measure without the help model's own cut
	defer m.help.SetWidth(limit)
	for n := len(screen); ; n-- {
		line := m.help.ShortHelpView(append(slices.Clip(screen[:n]), global...))
		if limit <= 0 || n == 0 || ansi.StringWidth(line) <= limit {
			if n == 0 && limit > 0 {
				m.help.SetWidth(limit)
				return m.help.ShortHelpView(global)
			}
			return line
		}
	}
}

func (m *Model) fullHelp(w, h int) string {
	t := m.common.Theme
	g := m.keys.Global
	var groups [][]key.Binding
	if s, ok := m.screens[m.active]; ok {
		groups = append(groups, s.FullHelp()...)
	}
	if m.session.SignedIn {
		groups = append(groups,
			[]key.Binding{g.Dashboard, g.Pay, g.History, g.Tokens, g.Security},
			[]key.Binding{g.NextScreen, g.PrevScreen, g.Privacy},
		)
	}
	groups = append(groups, []key.Binding{g.LeaveField, g.Redraw, g.Help, g.Quit, g.ForceQuit})
	hm := m.help
	hm.ShowAll = true
	hm.SetWidth(0) // never cut to "…": the groups that do not fit side by side go on a row below
	var rows []string
	var row [][]key.Binding
	for _, grp := range groups {
		if len(row) > 0 && lipgloss.Width(hm.FullHelpView(append(row[:len(row):len(row)], grp))) > w-6 {
			rows = append(rows, hm.FullHelpView(row))
			row = nil
		}
		row = append(row, grp)
	}
	rows = append(rows, hm.FullHelpView(row))
	body := t.Title.Render("Keys") + "  " + t.Faint.Render("rebind them under keys: in the config file") +
		"\n\n" + strings.Join(rows, "\n\n")
	box := t.PanelFocused.Render(body)
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}

func (m *Model) quitPrompt(w, h int) string {
	t := m.common.Theme
	body := t.Warning.Render("A payment is being sent.") + "\n\n" +
		t.Text.Render("If you quit now it may or may not go through;") + "\n" +
		t.Text.Render("check History next time to be sure.") + "\n\n" +
		t.Key.Render(m.keys.Confirm.Yes.Help().Key) + t.Muted.Render(" quit anyway   ") +
		t.Key.Render(m.keys.Confirm.No.Help().Key) + t.Muted.Render(" stay")
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, t.PanelDanger.Render(body))
}

// withoutKeysOf is bs without the bindings that share a key with one of other: the help line
// names each key once, with the meaning it has where the person is.
func withoutKeysOf(bs, other []key.Binding) []key.Binding {
	taken := map[string]bool{}
	for _, b := range other {
		if b.Enabled() {
			for _, k := range b.Keys() {
				taken[k] = true
			}
		}
	}
	out := make([]key.Binding, 0, len(bs))
	for _, b := range bs {
		if !slices.ContainsFunc(b.Keys(), func(k string) bool { return taken[k] }) {
			out = append(out, b)
		}
	}
	return out
}

func withDesc(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}
