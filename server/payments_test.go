package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
)

func TestPayments(t *testing.T) {
	e := newEnv(t)
	ada, bob, eve := e.payerPayeeAndStranger("20")

	before := e.snapshot()
	ada.refuses(t, "POST", "/payments", []refusal{
		{`{"recipientEmail":"ada@example.com","amount":1}`, 400, api.CodeInvalidRequest, "recipientEmail"},
		{`{"recipientEmail":"nobody@example.com","amount":1}`, 400, api.CodeInvalidRequest, "recipientEmail"},
		{`{"recipientEmail":"bob@example.com","amount":"1.0000001"}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"recipientEmail":"bob@example.com","amount":1e13}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"recipientEmail":"bob@example.com","amount":-1}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"recipientEmail":"bob@example.com","amount":{}}`, 400, api.CodeInvalidRequest, "amount"},
		{`{"recipientEmail":"bob@example.com","amount":1,"currency":"EUR"}`, 400, api.CodeUnsupportedCurrency, "currency"},
		{`{"recipientEmail":"bob@example.com","amount":1,"currency":7}`, 400, api.CodeInvalidRequest, "currency"},
		{`{"recipientEmail":"bob@example.com","amount":1,"memo":"` + strings.Repeat("m", 281) + `"}`, 400, api.CodeInvalidRequest, "memo"},
		{`{"recipientEmail":"bob@example.com","amount":1,"metadata":{"a":1}}`, 400, api.CodeInvalidRequest, "metadata"},
		{`{"recipientEmail":"bob@example.com","amount":1,"metadata":"x"}`, 400, api.CodeInvalidRequest, "metadata"},
		{`{"recipientEmail":"bob@example.com","amount":20.000001}`, 402, api.CodeInsufficientFunds, ""},
	})
	md := map[string]string{}
	for i := range 21 {
		md[fmt.Sprint("k", i)] = "v"
	}
	ada.do("POST", "/payments", map[string]any{"recipientEmail": "bob@example.com", "amount": 1, "metadata": md}).
		want(t, 400, api.CodeInvalidRequest, "metadata")
	e.unchanged(before, "ledger changed")

	r := ada.do("POST", "/payments", `{"recipientEmail":"Bob@Example.com","amount":"0.1","currency":"usd","memo":"coffee","metadata":{"order":"42"},"idempotencyKey":null}`).want(t, 201)
	if r.header.Get(api.HeaderReplayed) != "" {
		t.Fatal("fresh payment marked replayed")
	}
	tx := txOf(t, r)
	if tx.Status != api.StatusCompleted || tx.Amount != 100_000 || tx.Direction != api.DirectionOut ||
		tx.Memo == nil || *tx.Memo != "coffee" || tx.Metadata["order"] != "42" || tx.Currency != "USD" ||
		!strings.Contains(string(r.body), `"amount":0.1,`) {
		t.Fatalf("%s", r.body)
	}
	got := txOf(t, bob.do("GET", "/payments/"+tx.ID, nil).want(t, 200))
	if got.Direction != api.DirectionIn || got.ID != tx.ID {
		t.Fatalf("%+v", got)
	}
	ada.do("GET", "/payments/"+tx.ID, nil).want(t, 200)
	eve.do("GET", "/payments/"+tx.ID, nil).want(t, 404, api.CodeNotFound)
	eve.do("GET", "/payments/nope", nil).want(t, 404, api.CodeNotFound)
	if u := bob.info(); u.Balance != 100_000 {
		t.Fatalf("bob %+v", u)
	}
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "10")
	bob := e.newUser("bob@example.com", "10")
	e.newUser("eve@example.com", "")

	// A request failing validation does not consume its key.
	ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":0}`, api.HeaderIdempotencyKey, "k1").
		want(t, 400, api.CodeInvalidRequest, "amount")
	ada.do("POST", "/payments", `{"recipientEmail":"nobody@example.com","amount":1}`, api.HeaderIdempotencyKey, "k1").
		want(t, 400, api.CodeInvalidRequest, "recipientEmail")

	first := ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":1.5}`, api.HeaderIdempotencyKey, "k1").want(t, 201)
	snap := e.snapshot()
	// Same request (same value written differently, key in the body this time): byte-for-byte replay.
	for _, body := range []string{
		`{"recipientEmail":"EVE@example.com","amount":"1.50"}`,
		`{"recipientEmail":"eve@example.com","amount":1.5,"idempotencyKey":"k1"}`,
	} {
		hdr := []string{api.HeaderIdempotencyKey, "k1"}
		if strings.Contains(body, "idempotencyKey") {
			hdr = nil
		}
		again := ada.do("POST", "/payments", body, hdr...).want(t, 201)
		if string(again.body) != string(first.body) || again.header.Get(api.HeaderReplayed) != "true" {
			t.Fatalf("not a replay:\n%s\n%s %v", first.body, again.body, again.header)
		}
	}
	if e.snapshot() != snap {
		t.Fatal("a replay moved money")
	}
	// Same key, different request.
	ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":2}`, api.HeaderIdempotencyKey, "k1").
		want(t, 422, api.CodeIdempotencyKeyReused)
	ada.do("POST", "/transactions/batch", `{"payments":[{"recipientEmail":"eve@example.com","amount":1.5}]}`,
		api.HeaderIdempotencyKey, "k1").want(t, 422, api.CodeIdempotencyKeyReused)
	// Header and field disagree; bad keys.
	ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":1,"idempotencyKey":"a"}`,
		api.HeaderIdempotencyKey, "b").want(t, 400, api.CodeInvalidRequest, "idempotencyKey")
	ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":1}`,
		api.HeaderIdempotencyKey, strings.Repeat("k", 256)).want(t, 400, api.CodeInvalidRequest, "idempotencyKey")
	ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":1,"idempotencyKey":"tab\tkey"}`).
		want(t, 400, api.CodeInvalidRequest, "idempotencyKey")
	if e.snapshot() != snap {
		t.Fatal("refused requests moved money")
	}
	// Keys are per caller: bob's k1 is his own.
	bob.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":1.5}`, api.HeaderIdempotencyKey, "k1").want(t, 201)

	// A business refusal (402) is kept and replayed.
	no := ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":9}`, api.HeaderIdempotencyKey, "k2").
		want(t, 402, api.CodeInsufficientFunds)
	e.admin("POST", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":100}`).want(t, 200)
	again := ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":9}`, api.HeaderIdempotencyKey, "k2").want(t, 402)
	if string(again.body) != string(no.body) || again.header.Get(api.HeaderReplayed) != "true" {
		t.Fatalf("402 not replayed: %s / %s", no.body, again.body)
	}

	// /transaction/create is idempotent too.
	h1 := ada.do("POST", "/transaction/create", `{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":3}`,
		api.HeaderIdempotencyKey, "hold-1").want(t, 201)
	h2 := ada.do("POST", "/transaction/create", `{"senderEmail":"ada@example.com","recipientEmail":"bob@example.com","amount":3,"idempotencyKey":"hold-1"}`).want(t, 201)
	if string(h1.body) != string(h2.body) || h2.header.Get(api.HeaderReplayed) != "true" {
		t.Fatalf("hold not replayed")
	}
	ada.do("POST", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":3,"appName":"x"}`,
		api.HeaderIdempotencyKey, "hold-1").want(t, 422, api.CodeIdempotencyKeyReused)
	ada.do("POST", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":3,"idempotencyKey":5}`).
		want(t, 400, api.CodeInvalidRequest, "idempotencyKey")
	e.snapshot()
}

func TestIdempotencyInFlight(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "10")
	e.newUser("eve@example.com", "")
	ada.info() // warm the credential cache

	finish := holdPay(e, func() resp {
		return ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":1}`, api.HeaderIdempotencyKey, "slow")
	})
	// The first request is inside the ledger now.
	ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":1}`, api.HeaderIdempotencyKey, "slow").
		want(t, 409, api.CodeIdempotencyInProgress)
	// A different request with that key is also told to wait (it cannot be judged yet).
	ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":2}`, api.HeaderIdempotencyKey, "slow").
		want(t, 409, api.CodeIdempotencyInProgress)
	first := finish().want(t, 201)
	again := ada.do("POST", "/payments", `{"recipientEmail":"eve@example.com","amount":1}`, api.HeaderIdempotencyKey, "slow").want(t, 201)
	if string(again.body) != string(first.body) || again.header.Get(api.HeaderReplayed) != "true" {
		t.Fatal("not replayed after the first finished")
	}
	if u := ada.info(); u.Balance != 9_000_000 {
		t.Fatalf("paid more than once: %+v", u)
	}
}

func TestBatch(t *testing.T) {
	e := newEnv(t)
	ada, _ := e.payerAndPayee("10")
	e.newUser("eve@example.com", "")

	before := e.snapshot()
	items := func(parts ...string) string { return `{"payments":[` + strings.Join(parts, ",") + `]}` }
	okItem := `{"recipientEmail":"bob@example.com","amount":1}`
	ada.refuses(t, "POST", "/transactions/batch", []refusal{
		{`{"payments":[]}`, 400, api.CodeInvalidRequest, "payments"},
		{`{}`, 400, api.CodeInvalidRequest, "payments"},
		{`{"payments":{}}`, 400, api.CodeInvalidRequest, "payments"},
		{items(okItem, okItem, okItem, `{"recipientEmail":"eve@example.com","amount":1.0000001}`), 400, api.CodeInvalidRequest, "payments[3].amount"},
		{items(okItem, `{"recipientEmail":"eve@example.com","amount":-1}`), 400, api.CodeInvalidRequest, "payments[1].amount"},
		{items(okItem, okItem, `{"recipientEmail":5,"amount":1}`), 400, api.CodeInvalidRequest, "payments[2].recipientEmail"},
		{items(okItem, `{"recipientEmail":"nobody@example.com","amount":1}`), 400, api.CodeInvalidRequest, "payments[1].recipientEmail"},
		{items(`{"recipientEmail":"ada@example.com","amount":1}`), 400, api.CodeInvalidRequest, "payments[0].recipientEmail"},
		{items(okItem, `7`), 400, api.CodeInvalidRequest, "payments[1]"},
		{items(okItem, `{"recipientEmail":"eve@example.com","amount":1,"memo":"`+strings.Repeat("m", 281)+`"}`), 400, api.CodeInvalidRequest, "payments[1].memo"},
		{items(`{"recipientEmail":"bob@example.com","amount":6}`, `{"recipientEmail":"eve@example.com","amount":4}`, okItem), 402, api.CodeInsufficientFunds, "payments[2].amount"},
	})
	var many []string
	for range api.MaxBatch + 1 {
		many = append(many, okItem)
	}
	ada.do("POST", "/transactions/batch", items(many...)).want(t, 400, api.CodeInvalidRequest, "payments")
	e.unchanged(before, "a refused batch changed the ledger")

	body := items(`{"recipientEmail":"bob@example.com","amount":6,"memo":"a"}`, `{"recipientEmail":"eve@example.com","amount":"4","metadata":{"x":"y"}}`)
	r := ada.do("POST", "/transactions/batch", body, api.HeaderIdempotencyKey, "b1").want(t, 201)
	var tb api.TransactionsBody
	r.decode(t, &tb)
	if len(tb.Transactions) != 2 || tb.Transactions[0].RecipientEmail != "bob@example.com" ||
		tb.Transactions[1].Amount != 4_000_000 || tb.Transactions[0].Status != api.StatusCompleted {
		t.Fatalf("%s", r.body)
	}
	again := ada.do("POST", "/transactions/batch", body, api.HeaderIdempotencyKey, "b1").want(t, 201)
	if string(again.body) != string(r.body) || again.header.Get(api.HeaderReplayed) != "true" {
		t.Fatal("batch not replayed")
	}
	if u := ada.info(); u.Balance != 0 {
		t.Fatalf("%+v", u)
	}
}
