package server

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

func txOf(t *testing.T, r resp) api.Transaction {
	t.Helper()
	var b api.TransactionBody
	r.decode(t, &b)
	return b.Transaction
}

func TestDirectTransactionLifecycle(t *testing.T) {
	e := newEnv(t)
	ada, bob, eve := e.payerPayeeAndStranger("100")

	before := e.snapshot()
	ada.refuses(t, "POST", "/transaction/create", []refusal{
		{`{"senderEmail":"ada@example.com","recipientEmail":"ada@example.com","amount":1}`, 400, api.CodeInvalidRequest, "recipientEmail"},
		{`{"senderEmail":"ada@example.com","recipientEmail":"nobody@example.com","amount":1}`, 400, api.CodeInvalidRequest, "recipientEmail"},
		{`{"senderEmail":"ada@example.com","recipientEmail":"system@syftbox.org","amount":1}`, 400, api.CodeInvalidRequest, "recipientEmail"},
		{`{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":1.0000001}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":0}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":-5}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":1000000000001}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":"ten"}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com"}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"senderEmail":"ada@example.com","recipientEmail":true,"amount":1}`, 400, api.CodeInvalidRequest, "recipientEmail"},
		{`{"senderEmail":"bob@example.com","recipientEmail":"eve@example.com","amount":1}`, 403, api.CodeForbidden, ""},
		{`{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":100.000001}`, 402, api.CodeInsufficientFunds, ""},
	})
	e.unchanged(before, "refused requests changed the ledger")

	tx := txOf(t, ada.do("POST", "/transaction/create",
		`{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":"10.50","appName":"pay-app","appEpPath":null}`).want(t, 201))
	if tx.Status != api.StatusPending || tx.CreatedBy != api.PartySender || tx.ResolvedBy != nil || tx.ResolvedAt != nil ||
		tx.Amount != 10_500_000 || tx.Direction != api.DirectionOut || tx.AppName == nil || *tx.AppName != "pay-app" {
		t.Fatalf("%+v", tx)
	}
	if u := ada.info(); u.Balance != 100*money.Scale || u.AvailableBalance != 89_500_000 {
		t.Fatalf("hold not applied: %+v", u)
	}
	// A stranger sees nothing.
	eve.do("GET", "/payments/"+tx.ID, nil).want(t, 404, api.CodeNotFound)
	eve.do("POST", "/transaction/confirm", map[string]string{"transactionId": tx.ID}).want(t, 404, api.CodeNotFound)
	eve.do("POST", "/transaction/cancel", map[string]string{"transactionId": tx.ID}).want(t, 404, api.CodeNotFound)
	bob.do("POST", "/transaction/confirm", `{"transactionId":"no-such-id"}`).want(t, 404, api.CodeNotFound)
	bob.do("POST", "/transaction/confirm", `{}`).want(t, 400, api.CodeInvalidRequest, "transactionId")

	// The recipient confirms; it happens once.
	done := txOf(t, bob.do("POST", "/transaction/confirm", map[string]string{"transactionId": tx.ID}).want(t, 200))
	if done.Status != api.StatusCompleted || done.ResolvedBy == nil || *done.ResolvedBy != api.PartyRecipient ||
		done.ResolvedAt == nil || done.Direction != api.DirectionIn {
		t.Fatalf("%+v", done)
	}
	ada.do("POST", "/transaction/confirm", map[string]string{"transactionId": tx.ID}).want(t, 409, api.CodeConflict)
	ada.do("POST", "/transaction/cancel", map[string]string{"transactionId": tx.ID}).want(t, 409, api.CodeConflict)
	if u := bob.info(); u.Balance != 10_500_000 {
		t.Fatalf("bob %+v", u)
	}
	if u := ada.info(); u.Balance != 89_500_000 || u.AvailableBalance != 89_500_000 {
		t.Fatalf("ada %+v", u)
	}

	// The sender cancels another; the hold is released.
	tx2 := txOf(t, ada.do("POST", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":5}`).want(t, 201))
	c := txOf(t, ada.do("POST", "/transaction/cancel", map[string]string{"transactionId": tx2.ID}).want(t, 200))
	if c.Status != api.StatusCancelled || *c.ResolvedBy != api.PartySender {
		t.Fatalf("%+v", c)
	}
	if u := ada.info(); u.AvailableBalance != u.Balance {
		t.Fatalf("hold kept: %+v", u)
	}
	bob.do("POST", "/transaction/confirm", map[string]string{"transactionId": tx2.ID}).want(t, 409, api.CodeConflict)
	e.snapshot() // invariants hold
}

func TestDelegatedTransaction(t *testing.T) {
	e := newEnv(t)
	ada, bob, eve := e.payerPayeeAndStranger("50")

	var tb api.TokenBody
	ada.do("POST", "/token/create", `{"recipientEmail":"bob@example.com"}`).want(t, 201).decode(t, &tb)
	if strings.Count(tb.Token, ".") != 2 {
		t.Fatalf("token %q", tb.Token)
	}
	ada.do("POST", "/token/create", `{"recipientEmail":"ada@example.com"}`).want(t, 400, api.CodeInvalidRequest, "recipientEmail")
	ada.do("POST", "/token/create", `{"recipientEmail":"nobody@example.com"}`).want(t, 400, api.CodeInvalidRequest, "recipientEmail")
	var tb2 api.TokenBody
	ada.do("POST", "/transactions/token", `{"recipientEmail":"bob@example.com"}`).want(t, 201).decode(t, &tb2)

	before := e.snapshot()
	draw := func(u *user, sender, recipient, token string, amount string) resp {
		return u.do("POST", "/transaction/create", fmt.Sprintf(
			`{"senderEmail":%q,"recipientEmail":%q,"amount":%s,"token":%q}`, sender, recipient, amount, token))
	}
	draw(eve, "ada@example.com", "eve@example.com", tb.Token, "1").want(t, 400, api.CodeInvalidRequest, "token")
	draw(eve, "ada@example.com", "bob@example.com", tb.Token, "1").want(t, 403, api.CodeForbidden)
	draw(bob, "eve@example.com", "bob@example.com", tb.Token, "1").want(t, 400, api.CodeInvalidRequest, "token")
	draw(bob, "ada@example.com", "bob@example.com", "garbage", "1").want(t, 400, api.CodeInvalidRequest, "token")
	draw(bob, "ada@example.com", "bob@example.com", tb.Token[:len(tb.Token)-2]+"xx", "1").want(t, 400, api.CodeInvalidRequest, "token")
	draw(bob, "bob@example.com", "bob@example.com", tb.Token, "1").want(t, 400, api.CodeInvalidRequest, "senderEmail")
	draw(bob, "ada@example.com", "bob@example.com", tb.Token, "1.1234567").want(t, 400, api.CodeInvalidRequest, "amount")
	e.unchanged(before, "ledger changed")

	tx := txOf(t, draw(bob, "ADA@example.com", "bob@example.com", tb.Token, "7.25").want(t, 201))
	if tx.Status != api.StatusPending || tx.CreatedBy != api.PartyRecipient || tx.SenderEmail != "ada@example.com" ||
		tx.Direction != api.DirectionIn {
		t.Fatalf("%+v", tx)
	}
	// Reusable until it expires (issue 13); a token made with maxUses 1 is single use.
	again := txOf(t, draw(bob, "ada@example.com", "bob@example.com", tb.Token, "1").want(t, 201))
	bob.do("POST", "/transaction/cancel", map[string]string{"transactionId": again.ID}).want(t, 200)
	var once api.TokenBody
	ada.do("POST", "/token/create", `{"recipientEmail":"bob@example.com","maxUses":1}`).want(t, 201).decode(t, &once)
	draw(bob, "ada@example.com", "bob@example.com", once.Token, "1").want(t, 201)
	draw(bob, "ada@example.com", "bob@example.com", once.Token, "1").want(t, 409, api.CodeConflict)
	// Either party may resolve it: the sender confirms.
	done := txOf(t, ada.do("POST", "/transaction/confirm", map[string]string{"transactionId": tx.ID}).want(t, 200))
	if done.Status != api.StatusCompleted || *done.ResolvedBy != api.PartySender {
		t.Fatalf("%+v", done)
	}
	// An expired token is refused.
	e.skew.Store(int64(25 * time.Hour))
	draw(bob, "ada@example.com", "bob@example.com", tb2.Token, "1").want(t, 400, api.CodeInvalidRequest, "token")
	e.skew.Store(0)
	draw(bob, "ada@example.com", "bob@example.com", tb2.Token, "100").want(t, 402, api.CodeInsufficientFunds)
	e.snapshot()
}

func TestListTransactions(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "1000")
	bob := e.newUser("bob@example.com", "1000")
	eve := e.newUser("eve@example.com", "")
	// ada: credit(in), then 6 payments out to bob/eve, one pending, one in from bob.
	for i, to := range []string{"bob", "eve", "bob", "eve", "bob", "eve"} {
		ada.do("POST", "/payments", fmt.Sprintf(`{"recipientEmail":"%s@example.com","amount":%d,"memo":"rent %d"}`, to, i+1, i)).want(t, 201)
	}
	pend := txOf(t, ada.do("POST", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":50,"appName":"Weather"}`).want(t, 201))
	bob.do("POST", "/payments", `{"recipientEmail":"ada@example.com","amount":"0.5"}`).want(t, 201)

	list := func(query string) []api.Transaction {
		t.Helper()
		var b api.TransactionsBody
		ada.do("GET", "/transactions"+query, nil).want(t, 200).decode(t, &b)
		return b.Transactions
	}
	all := list("")
	if len(all) != 9 {
		t.Fatalf("%d transactions", len(all))
	}
	if all[0].SenderEmail != "bob@example.com" || all[0].Direction != api.DirectionIn || all[1].ID != pend.ID ||
		all[8].CreatedBy != api.PartySystem {
		t.Fatalf("not newest first: %+v", all)
	}
	if n := len(list("?direction=in")); n != 2 {
		t.Fatalf("in: %d", n)
	}
	if n := len(list("?direction=OUT")); n != 7 {
		t.Fatalf("out: %d", n)
	}
	if got := list("?status=pending"); len(got) != 1 || got[0].ID != pend.ID {
		t.Fatalf("pending: %+v", got)
	}
	if n := len(list("?counterparty=Eve@example.com")); n != 3 {
		t.Fatalf("eve: %d", n)
	}
	if n := len(list("?minAmount=2&maxAmount=4.0")); n != 3 {
		t.Fatalf("amounts: %d", n)
	}
	if n := len(list("?q=rent")); n != 6 {
		t.Fatalf("q rent: %d", n)
	}
	if n := len(list("?q=weath")); n != 1 {
		t.Fatalf("q appName: %d", n)
	}
	since := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	until := url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339Nano))
	if n := len(list("?since=" + since + "&until=" + until)); n != 9 {
		t.Fatalf("since/until: %d", n)
	}
	if n := len(list("?until=" + since)); n != 0 {
		t.Fatalf("until: %d", n)
	}
	if n := len(list("?offset=7")); n != 2 {
		t.Fatalf("offset: %d", n)
	}

	// Cursor paging walks everything once, in order.
	var seen []string
	query := "?limit=4"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		var p api.TransactionsPage
		r := ada.do("GET", "/transactions"+query, nil).want(t, 200)
		r.decode(t, &p)
		if !strings.Contains(string(r.body), `"nextCursor"`) || !strings.Contains(string(r.body), `"hasMore"`) {
			t.Fatalf("page shape: %s", r.body)
		}
		for _, tx := range p.Transactions {
			seen = append(seen, tx.ID)
		}
		if p.NextCursor == nil {
			if p.HasMore {
				t.Fatal("hasMore without cursor")
			}
			break
		}
		// New transactions while paging do not disturb it.
		bob.do("POST", "/payments", `{"recipientEmail":"ada@example.com","amount":"0.01"}`).want(t, 201)
		query = "?limit=4&cursor=" + url.QueryEscape(*p.NextCursor)
	}
	if len(seen) != 9 {
		t.Fatalf("paged %d", len(seen))
	}
	for i := range seen {
		if seen[i] != all[i].ID {
			t.Fatalf("page order differs at %d", i)
		}
	}

	for q, field := range map[string]string{
		"?limit=0": "limit", "?limit=201": "limit", "?limit=x": "limit", "?offset=-1": "offset",
		"?direction=sideways": "direction", "?status=DONE": "status", "?counterparty=nope": "counterparty",
		"?since=yesterday": "since", "?until=2026-13-01T00:00:00Z": "until", "?minAmount=-1": "minAmount",
		"?maxAmount=0.0000001": "maxAmount", "?minAmount=5&maxAmount=1": "maxAmount",
		"?cursor=not-a-cursor": "cursor", "?q=" + strings.Repeat("x", 300): "q",
		"?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z": "until",
	} {
		ada.do("GET", "/transactions"+q, nil).want(t, 400, api.CodeInvalidRequest, field)
	}
	// Someone with no history gets an empty list, not null.
	r := eve.do("GET", "/transactions?direction=out", nil).want(t, 200)
	if string(r.body) != "{\"transactions\":[]}\n" {
		t.Fatalf("%s", r.body)
	}
	r = eve.do("GET", "/transactions?direction=out&limit=5", nil).want(t, 200)
	if string(r.body) != "{\"transactions\":[],\"nextCursor\":null,\"hasMore\":false}\n" {
		t.Fatalf("%s", r.body)
	}
}
