// Package views holds the wallet's screens: sign in (and create account), MFA, dashboard, pay,
// history, tokens and security. Each screen is a small Bubble Tea component that keeps the Screen
// contract below; the root model in package ui routes keys and messages to it and never looks
// inside.
//
// A screen may know the client SDK's types and errors (package client), the wire types (package
// api), money parsing and formatting, the theme, and termsafe for text it did not get through the
// client (an error sentence, a pasted filter). It never does I/O in Update: every call to the
// service is a tea.Cmd that calls one method of the Client interface and answers with a message
// tagged with the request that asked for it; a screen drops answers it no longer waits for. A
// screen never calls another screen: it asks the root to switch with a message (SwitchMsg,
// SignedInMsg, ...).
package views

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// Screen is what the root needs from a screen.
type Screen interface {
	Init() tea.Cmd
	Update(tea.Msg) (Screen, tea.Cmd)
	View() string
	SetSize(width, height int)
	help.KeyMap // ShortHelp and FullHelp: the screen's own keys, for the help line
}

// Focuser is implemented by screens with text fields. While InputFocused is true the root leaves
// single-letter and digit keys (q, ?, h, 1-5, tab) to the screen; esc leaves the field, and then
// the number keys and tab move between screens again.
type Focuser interface {
	InputFocused() bool
}

// Busy is implemented by screens that may have money moving: the root asks before quitting while
// Busy is true.
type Busy interface {
	Busy() bool
}

// Checker is implemented by screens that show what a person checks before or after money moves
// (the payment review, the Paid screen, History details). While Checking is true the root draws
// no toast over the screen: a toast that arrives waits, its life not yet begun, and shows once
// the person has left.
type Checker interface {
	Checking() bool
}

// Expecter is implemented by screens whose own action causes a live event they report themselves
// (turning two-factor on or off): the root raises no toast for an event a screen expects.
type Expecter interface {
	Expects(eventType string) bool
}

// ID names a screen.
type ID int

// The screens. The signed-in ones are numbered 1 to 5 in the header, in this order.
const (
	LoginScreen ID = iota
	MFAScreen
	DashboardScreen
	PayScreen
	HistoryScreen
	TokensScreen
	SecurityScreen
)

// SignedIn lists the screens of a signed-in session, in tab order.
var SignedIn = []ID{DashboardScreen, PayScreen, HistoryScreen, TokensScreen, SecurityScreen}

// Title is the screen's name in the header.
func (id ID) Title() string {
	switch id {
	case LoginScreen:
		return "Sign in"
	case MFAScreen:
		return "Two-factor"
	case DashboardScreen:
		return "Dashboard"
	case PayScreen:
		return "Pay"
	case HistoryScreen:
		return "History"
	case TokensScreen:
		return "Tokens"
	case SecurityScreen:
		return "Security"
	}
	return "?"
}

// SwitchMsg asks the root to show another screen.
type SwitchMsg struct {
	To ID
	// Recipient, for PayScreen: start a payment to this address.
	Recipient string
}

// Switch is the command that asks for another screen.
func Switch(to ID) tea.Cmd { return func() tea.Msg { return SwitchMsg{To: to} } }

// SignedInMsg tells the root a session started (sign-in, MFA, or a resumed session).
type SignedInMsg struct {
	Session client.Session
	// Notice is shown once on the dashboard, e.g. the keyring warning.
	Notice string
}

// MFANeededMsg tells the root to ask for the second factor.
type MFANeededMsg struct {
	Challenge *client.MFAChallenge
}

// SignedOutMsg tells the root the session ended; Reason, if any, is shown on the sign-in screen.
type SignedOutMsg struct {
	Reason string
}

// ToastKind says how a toast looks.
type ToastKind int

// Kinds of toast.
const (
	ToastInfo ToastKind = iota
	ToastIncoming
	ToastOutgoing
	ToastError
	ToastMuted // news of something that moved no money (a cancelled transaction)
)

// ToastMsg asks the root to show a short-lived notice in the corner: Text, then the address Who
// (cut to fit so that its domain stays, see CutAddress), then After.
type ToastMsg struct {
	Kind  ToastKind
	Text  string
	Who   string
	After string
}

// Toast is the command that shows a toast.
func Toast(kind ToastKind, text string) tea.Cmd {
	return func() tea.Msg { return ToastMsg{Kind: kind, Text: text} }
}

// CopyCmd sends text to the terminal's clipboard (OSC 52) and says so, naming what went: a
// terminal never answers whether it took it, so the toast says "sent", never "copied".
func CopyCmd(what, text string) tea.Cmd {
	return tea.Batch(tea.SetClipboard(text), Toast(ToastInfo, what+" sent to the terminal's clipboard."))
}

// ToastTo is the command that shows a toast naming someone: text, the address, after.
func ToastTo(kind ToastKind, text, who, after string) tea.Cmd {
	return func() tea.Msg { return ToastMsg{Kind: kind, Text: text, Who: who, After: after} }
}

// LiveMsg is one live change to the account, from the events stream or (on a service without
// events) from polling. The root sends it to every signed-in screen. Exactly one of Tx and
// Balance is set, except for resync-like reloads (see ReloadMsg).
type LiveMsg struct {
	Type    string           // api.Event* type
	Tx      *api.Transaction // payment and transaction events
	Balance *api.Balance     // balance.updated
	At      api.Time
}

// ReloadMsg tells every screen its data may be stale (a resync, a reconnect after a long gap):
// reload what is shown.
type ReloadMsg struct{}

// StyleMsg tells every screen the theme or privacy mode changed: restyle components that copy
// styles (text inputs). Common already holds the new values.
type StyleMsg struct{}

// ThemeToggleMsg asks the root to switch colours off (Mono) or back to the configured theme, for
// this session.
type ThemeToggleMsg struct{ Mono bool }

// Activator is implemented by screens that do something when shown (focus a field, prefill a
// recipient). The root calls Activate on every switch to the screen, however the person came
// (a number key, tab, shift+tab, a key on another screen, a link): a screen whose job is a form
// focuses its first empty field then, so what is typed next goes into it.
type Activator interface {
	Activate(SwitchMsg) tea.Cmd
}
