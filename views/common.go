package views

import (
	"context"
	"time"

	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/theme"
)

// Common is the session state every screen reads: the client, the theme, the keys, privacy mode
// and the clock. The root owns it and changes it only in its own Update; screens read it.
type Common struct {
	// Ctx ends when the wallet quits; commands derive their deadlines from it.
	Ctx    context.Context
	Client Client
	Theme  *theme.Theme
	Keys   *KeyMap
	// Privacy hides every amount on every screen.
	Privacy bool
	// Email is the signed-in account ("" when signed out).
	Email string
	// Account is the signed-in account's balance, loaded once and kept current by the root.
	Account Account
	// Currency is the deployment's currency code, as the account reports it.
	Currency string
	// PayThreshold: paying this much or more asks for the amount twice.
	PayThreshold money.Micros
	// ExportDir is where history exports are written.
	ExportDir string
	// Now is the clock (tests pin it).
	Now func() time.Time
	// Suggest are addresses to offer as recipients when there are no recent ones (the embedded
	// service's demo accounts).
	Suggest []string
	// Timeout bounds one call from a screen (the client has its own per-call deadline too).
	Timeout time.Duration
}

// Styles is the theme in use: components draw with it (components.Styled).
func (c *Common) Styles() *theme.Theme { return c.Theme }

// call returns a context for one client call made from a command.
func (c *Common) call() (context.Context, context.CancelFunc) {
	ctx := c.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	d := c.Timeout
	if d <= 0 {
		d = 45 * time.Second
	}
	return context.WithTimeout(ctx, d)
}

func (c *Common) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}
