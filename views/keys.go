package views

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// GlobalKeys are handled by the root before any screen sees a key.
type GlobalKeys struct {
	ForceQuit  key.Binding // always quits
	Quit       key.Binding // quits when no field has focus (asks first while money is moving)
	Help       key.Binding
	NextScreen key.Binding
	PrevScreen key.Binding
	Dashboard  key.Binding
	Pay        key.Binding
	History    key.Binding
	Tokens     key.Binding
	Security   key.Binding
	Redraw     key.Binding // draws the whole screen again, as in shells, vim, less and htop
	Privacy    key.Binding
	LeaveField key.Binding
}

// FormKeys move between and submit the fields of a form.
type FormKeys struct {
	Next       key.Binding
	Prev       key.Binding
	Submit     key.Binding
	SwitchMode key.Binding // sign in <-> create account
	Copy       key.Binding
}

// ConfirmKeys answer a question that moves money or ends sessions. Only Yes acts.
type ConfirmKeys struct {
	Yes key.Binding
	No  key.Binding
}

// DashboardKeys are the dashboard's.
type DashboardKeys struct {
	Pay     key.Binding
	Refresh key.Binding
}

// PayKeys are the pay screen's. Review leaves the form for the review; only Send pays.
type PayKeys struct {
	Review     key.Binding
	Send       key.Binding
	Back       key.Binding
	NewPayment key.Binding
	Accept     key.Binding // take the suggested recipient
	Up         key.Binding // scroll a review taller than the window
	Down       key.Binding
}

// HistoryKeys are the history screen's.
type HistoryKeys struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Filter   key.Binding
	Detail   key.Binding
	Confirm  key.Binding
	Cancel   key.Binding
	Export   key.Binding
	Refresh  key.Binding
	Close    key.Binding
}

// TokenKeys are the tokens screen's.
type TokenKeys struct {
	Create  key.Binding
	Copy    key.Binding
	New     key.Binding
	Up      key.Binding // the list of active tokens
	Down    key.Binding
	Revoke  key.Binding
	Refresh key.Binding
}

// SecurityKeys are the security screen's.
type SecurityKeys struct {
	Up        key.Binding
	Down      key.Binding
	Open      key.Binding
	MFA       key.Binding
	Password  key.Binding
	SignOut   key.Binding // this session only; asks first
	LogoutAll key.Binding
	Colour    key.Binding
	Copy      key.Binding
	Back      key.Binding
	APIKeys   key.Binding // the API keys list
	NewKey    key.Binding // create an API key (in the list)
	RevokeKey key.Binding // revoke the selected API key (in the list); asks first
	Recovery  key.Binding // new recovery codes (two-factor on)
}

// KeyMap is every key the wallet knows. DefaultKeyMap holds the defaults in one value; Apply
// rebinds from the config file's keys: section once, at start.
type KeyMap struct {
	Global    GlobalKeys
	Form      FormKeys
	Confirm   ConfirmKeys
	Dashboard DashboardKeys
	Pay       PayKeys
	History   HistoryKeys
	Tokens    TokenKeys
	Security  SecurityKeys
}

func bind(desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKeys(keys), desc))
}

// helpKeys is how keys are written in the help line: "↑/k", "ctrl+c".
func helpKeys(keys []string) string {
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		switch k {
		case "up":
			k = "↑"
		case "down":
			k = "↓"
		case "left":
			k = "←"
		case "right":
			k = "→"
		case "pgup":
			k = "pgup"
		case "pgdown":
			k = "pgdn"
		}
		names = append(names, k)
	}
	return strings.Join(names, "/")
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Global: GlobalKeys{
			ForceQuit:  bind("quit", "ctrl+c"),
			Quit:       bind("quit", "q"),
			Help:       bind("help", "?"),
			NextScreen: bind("next screen", "tab"),
			PrevScreen: bind("previous screen", "shift+tab"),
			Dashboard:  bind("dashboard", "1"),
			Pay:        bind("pay", "2"),
			History:    bind("history", "3"),
			Tokens:     bind("tokens", "4"),
			Security:   bind("security", "5"),
			Redraw:     bind("redraw", "ctrl+l"),
			Privacy:    bind("hide amounts", "h"),
			LeaveField: bind("leave field", "esc"),
		},
		Form: FormKeys{
			Next:       bind("next field", "tab"),
			Prev:       bind("previous field", "shift+tab"),
			Submit:     bind("submit", "enter"),
			SwitchMode: bind("create account", "ctrl+r"),
			Copy:       bind("copy", "c"),
		},
		Confirm: ConfirmKeys{
			Yes: bind("yes", "y"),
			No:  bind("no", "n", "esc"),
		},
		Dashboard: DashboardKeys{
			Pay:     bind("pay", "p"),
			Refresh: bind("refresh", "r"),
		},
		Pay: PayKeys{
			Review:     bind("review", "enter"),
			Send:       bind("send", "y"),
			Back:       bind("back", "n", "esc"),
			NewPayment: bind("new payment", "enter"),
			Accept:     bind("complete", "right"),
			Up:         bind("scroll up", "up", "k"),
			Down:       bind("scroll down", "down", "j"),
		},
		History: HistoryKeys{
			Up:       bind("up", "up", "k"),
			Down:     bind("down", "down", "j"),
			PageUp:   bind("page up", "pgup", "ctrl+u"),
			PageDown: bind("page down", "pgdown", "ctrl+d"),
			Top:      bind("top", "home", "g"),
			Bottom:   bind("bottom", "end", "G"),
			Filter:   bind("filter", "/"),
			Detail:   bind("details", "enter"),
			Confirm:  bind("confirm pending", "c"),
			Cancel:   bind("cancel pending", "x"),
			Export:   bind("export CSV", "e"),
			Refresh:  bind("refresh", "r"),
			Close:    bind("close", "esc"),
		},
		Tokens: TokenKeys{
			Create:  bind("create token", "enter"),
			Copy:    bind("copy", "c"),
			New:     bind("new token", "n"),
			Up:      bind("up", "up", "k"),
			Down:    bind("down", "down", "j"),
			Revoke:  bind("revoke", "x"),
			Refresh: bind("refresh", "r"),
		},
		Security: SecurityKeys{
			Up:        bind("up", "up", "k"),
			Down:      bind("down", "down", "j"),
			Open:      bind("open", "enter"),
			MFA:       bind("two-factor", "m"),
			Password:  bind("password", "p"),
			SignOut:   bind("sign out", "s"),
			LogoutAll: bind("sign out everywhere", "o"),
			Colour:    bind("colours on/off", "t"),
			Copy:      bind("copy codes", "c"),
			Back:      bind("back", "esc"),
			APIKeys:   bind("API keys", "a"),
			NewKey:    bind("new key", "n"),
			RevokeKey: bind("revoke", "x"),
			Recovery:  bind("recovery codes", "r"),
		},
	}
}

// actions names every binding as the config file's keys: section spells it.
func (k *KeyMap) actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"force_quit": &k.Global.ForceQuit, "quit": &k.Global.Quit, "help": &k.Global.Help,
		"next_screen": &k.Global.NextScreen, "prev_screen": &k.Global.PrevScreen,
		"dashboard": &k.Global.Dashboard, "pay": &k.Global.Pay, "history": &k.Global.History,
		"tokens": &k.Global.Tokens, "security": &k.Global.Security, "redraw": &k.Global.Redraw,
		"privacy": &k.Global.Privacy, "leave_field": &k.Global.LeaveField,

		"form.next": &k.Form.Next, "form.prev": &k.Form.Prev, "form.submit": &k.Form.Submit,
		"login.create_account": &k.Form.SwitchMode, "copy": &k.Form.Copy,

		"confirm.yes": &k.Confirm.Yes, "confirm.no": &k.Confirm.No,

		"dashboard.pay": &k.Dashboard.Pay, "dashboard.refresh": &k.Dashboard.Refresh,

		"pay.review": &k.Pay.Review, "pay.send": &k.Pay.Send, "pay.back": &k.Pay.Back,
		"pay.new": &k.Pay.NewPayment, "pay.complete": &k.Pay.Accept,
		"pay.up": &k.Pay.Up, "pay.down": &k.Pay.Down,

		"history.up": &k.History.Up, "history.down": &k.History.Down,
		"history.page_up": &k.History.PageUp, "history.page_down": &k.History.PageDown,
		"history.top": &k.History.Top, "history.bottom": &k.History.Bottom,
		"history.filter": &k.History.Filter, "history.detail": &k.History.Detail,
		"history.confirm": &k.History.Confirm, "history.cancel": &k.History.Cancel,
		"history.export": &k.History.Export, "history.refresh": &k.History.Refresh,
		"history.close": &k.History.Close,

		"tokens.create": &k.Tokens.Create, "tokens.copy": &k.Tokens.Copy, "tokens.new": &k.Tokens.New,
		"tokens.up": &k.Tokens.Up, "tokens.down": &k.Tokens.Down, "tokens.revoke": &k.Tokens.Revoke,
		"tokens.refresh": &k.Tokens.Refresh,

		"security.up": &k.Security.Up, "security.down": &k.Security.Down,
		"security.open": &k.Security.Open, "security.mfa": &k.Security.MFA,
		"security.password": &k.Security.Password, "security.logout_all": &k.Security.LogoutAll,
		"security.colours": &k.Security.Colour, "security.copy": &k.Security.Copy,
		"security.back":     &k.Security.Back,
		"security.api_keys": &k.Security.APIKeys, "security.new_key": &k.Security.NewKey,
		"security.revoke_key": &k.Security.RevokeKey, "security.recovery_codes": &k.Security.Recovery,

		// sign_out kept its name when it moved from a global key (ctrl+l) to the Security screen.
		"sign_out": &k.Security.SignOut,
	}
}

// Actions lists the action names Apply accepts, sorted.
func (k *KeyMap) Actions() []string {
	names := make([]string, 0, 64)
	for n := range k.actions() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Apply rebinds actions from the config file (config.Wallet.Keys): each action gets exactly the
// keys listed, and its help follows. It applies every override it can and reports the action
// names it does not know in one error, so a typo in the file is said, never silently ignored.
// ctrl+c always keeps quitting, whatever force_quit is bound to.
func (k *KeyMap) Apply(overrides map[string][]string) error {
	acts := k.actions()
	var unknown, refused []string
	for name, keys := range overrides {
		b, ok := acts[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		keys = slices.DeleteFunc(slices.Clone(keys), func(s string) bool { return strings.TrimSpace(s) == "" })
		if yesActions[name] && slices.Contains(keys, "enter") {
			// enter alone never sends money or answers yes: it is what people press by habit.
			refused = append(refused, name)
			keys = slices.DeleteFunc(keys, func(s string) bool { return s == "enter" })
		}
		if len(keys) == 0 {
			continue
		}
		if name == "force_quit" && !slices.Contains(keys, "ctrl+c") {
			keys = append(keys, "ctrl+c")
		}
		b.SetKeys(keys...)
		b.SetHelp(helpKeys(keys), b.Help().Desc)
	}
	var errs []error
	if len(unknown) > 0 {
		sort.Strings(unknown)
		errs = append(errs, fmt.Errorf("keys: unknown action %s (known: %s)", strings.Join(unknown, ", "),
			strings.Join(k.Actions(), ", ")))
	}
	if len(refused) > 0 {
		sort.Strings(refused)
		errs = append(errs, fmt.Errorf("keys: %s cannot be enter (enter never sends)", strings.Join(refused, ", ")))
	}
	return errors.Join(errs...)
}

// yesActions are the keys that send money or say yes to a question: never enter.
var yesActions = map[string]bool{"pay.send": true, "confirm.yes": true}
