package views

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
)

// Account is the signed-in account as every screen shows it (balance, available, held): loaded
// once by the root when the session starts, kept current by the live events (the root applies
// each balance change), and loaded again only when something says it may be stale (a refresh,
// a resync, a payment of one's own). Screens read it; only the root writes it.
type Account struct {
	User api.User
	// Have is set once an answer arrived; Err is the last load's failure ("" when it worked).
	Have bool
	Err  string
	// Stale is set while the live feed is down: the balance shown may be out of date.
	Stale bool
	// At is when it was last known to be current.
	At time.Time
}

// Set takes the answer to a load.
func (a *Account) Set(u api.User, err error, at time.Time) {
	if err != nil {
		a.Err = Message(err)
		return
	}
	a.User, a.Have, a.Err, a.At = u, true, "", at
}

// Apply takes a live balance change.
func (a *Account) Apply(b api.Balance, at time.Time) {
	a.User.Balance, a.User.AvailableBalance = b.Balance, b.AvailableBalance
	a.At = at
}

// Held is what pending payments out hold of the balance.
func (a *Account) Held() api.Balance {
	return api.Balance{Balance: a.User.Balance - a.User.AvailableBalance}
}

// AccountMsg is the answer to loading the account, for the root.
type AccountMsg struct {
	User api.User
	Err  error
}

// RefreshAccountMsg asks the root to load the account again (the balance may have changed in a
// way no live event tells: a payment of one's own on a service without events, a refusal that
// names another available amount).
type RefreshAccountMsg struct{}

// RefreshAccount is the command that asks the root for a fresh account.
func RefreshAccount() tea.Msg { return RefreshAccountMsg{} }

// LoadAccount is the command that loads the account (fresh: past the client's cache).
func LoadAccount(c *Common, fresh bool) tea.Cmd {
	return func() tea.Msg {
		if fresh {
			c.Client.Invalidate()
		}
		ctx, cancel := c.call()
		defer cancel()
		u, err := c.Client.Account(ctx)
		return AccountMsg{User: u, Err: err}
	}
}
