package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// Line breaks from someone else's memo are controls like the others: the human output of
// history and events shows them as the visible escapes the wallet and the CSV show (\r, \u0085,
// \u2028), never turned into a space as if nothing had been there.
func TestHumanOutputShowsLineBreaksAsEscapes(t *testing.T) {
	e := newEnv(t)
	e.account("ada@example.com", "10")
	e.account("grace@example.com", "100")
	e.signIn("ada@example.com")
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan result, 1)
	go func() {
		done <- e.do(call{args: []string{"events", "--since", "0"}, ctx: ctx, stdout: &out, stderr: &errb})
	}()
	waitFor(t, "grace's payment event", func() bool { return strings.Contains(out.String(), "from grace@example.com") })
	cancel()
	<-done
	if !strings.Contains(out.String(), want) {
		t.Errorf("events does not show %s:\n%s", want, out.String())
	}
}

// A cancelled transaction moved no money: the human output of history and events shows its
// amount without a sign, as every screen of the wallet does (the CSV and --json keep the
// direction's sign: they are data, with the status beside it).
func TestHumanOutputShowsCancelledWithoutSign(t *testing.T) {
	e := newEnv(t)
	e.account("ada@example.com", "100")
	e.account("grace@example.com", "10")
	e.signIn("ada@example.com")
	body := e.http("POST", "/transaction/create", basicAuth("ada@example.com"),
		map[string]any{"senderEmail": "ada@example.com", "recipientEmail": "grace@example.com", "amount": "7.25"}, 201)
	var created struct {
		Transaction api.Transaction `json:"transaction"`
	}
	decode(t, string(body), &created)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan result, 1)
	go func() { done <- e.do(call{args: []string{"events"}, ctx: ctx, stdout: &out, stderr: &errb}) }()
	waitFor(t, "ready", func() bool { return strings.Contains(errb.String(), "Ready:") })
	e.http("POST", "/transaction/cancel", basicAuth("ada@example.com"), map[string]any{"transactionId": created.Transaction.ID}, 200)
	waitFor(t, "the cancel event", func() bool { return strings.Contains(out.String(), "transaction.cancelled") })
	cancel()
	<-done

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
		"events": lineOf(out.String(), "transaction.cancelled")} {
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
