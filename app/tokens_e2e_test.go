package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
)

// tokenOnScreen reads the token the Tokens screen shows, whole over its wrapped lines.
func tokenOnScreen(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		l = strings.Trim(l, " │")
		switch {
		case strings.HasPrefix(l, "eyJ"):
			b.WriteString(l)
		case b.Len() > 0 && l != "" && !strings.Contains(l, " "):
			b.WriteString(l)
		case b.Len() > 0:
			return b.String()
		}
	}
	return b.String()
}

// The wallet makes a token (single use by default), an app redeems the token as shown, the list
// follows the live token.used event, and a revoke with y ends it.
func TestEndToEndTokenMadeUsedAndRevoked(t *testing.T) {
	svc := startService(t)
	ctx := context.Background()
	app := newClient(t, svc)
	register(t, app, "app@example.org", "app-password-1")
	if _, err := app.Login(ctx, "app@example.org", "app-password-1"); err != nil {
		t.Fatal(err)
	}
	me := newClient(t, svc)
	register(t, me, "me@example.org", "my-password-1")
	w := openWallet(t, me)
	w.signIn(t, "me@example.org", "my-password-1")

	w.typeText("4")
	w.waitFor(t, "tokens screen", "Transaction tokens", "Recipient")
	w.typeText("app@example.org")
	w.key(tea.KeyEnter, 0)
	w.waitFor(t, "the token", "✓ Token for app@example.org", "create one pending payment", "0 of 1 use")
	tok := tokenOnScreen(w.screen())
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("no whole token on screen: %q\n%s", tok, w.screen())
	}

	if _, err := app.CreateDelegated(ctx, client.DelegatedRequest{Sender: "me@example.org", Amount: money.Scale, Token: tok}); err != nil {
		t.Fatalf("the app's draw: %v", err)
	}
	w.waitFor(t, "the use, live", "1 of 1 use · 1.00 · used up")
	var conflict *client.ConflictError
	if _, err := app.CreateDelegated(ctx, client.DelegatedRequest{Sender: "me@example.org", Amount: money.Scale, Token: tok}); !errors.As(err, &conflict) {
		t.Fatalf("a single-use token paid twice: %v", err)
	}

	w.key(tea.KeyEscape, 0)
	w.typeText("x")
	w.waitFor(t, "the question", "Revoke the token for app@example.org?")
	w.typeText("y")
	w.waitFor(t, "the empty list", "None: the tokens you make are listed here")
	list, err := me.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].State != "revoked" {
		t.Fatalf("%+v %v", list, err)
	}
}
