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
	// Gen counts the root's screen sets (each sign-in, each sign-in form): screens that still
	// tag answers by a bare number (reqs) start their numbers from it.
	Gen int
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

// reqs hands out request ids for the screens whose answers are still plain messages (Security and
// Tokens, until their own pass; the others use Ask and Answer): a screen remembers the one it waits for and drops
// other answers. Those messages go to every screen, so the ids of each set of screens the root
// builds start from its generation (Common.Gen): a screen made for a new session never takes the
// answer to an earlier screen's request because both counted from 1. There is no counter of the
// process: the generation is the root's.
type reqs struct{ base, n int }

// newReqs starts a screen's ids in the root's current generation.
func newReqs(c *Common) reqs { return reqs{base: c.Gen << 32} }

func (r *reqs) next() int {
	r.n++
	return r.base + r.n
}
