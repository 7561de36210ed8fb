package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
)

// TestOtherCurrencyRefusedEverywhere: every request that names an amount and another currency
// than the deployment's is 400 unsupported_currency naming the field, moves nothing and leaves its
// idempotency key unused (issue 11, item 4).
func TestOtherCurrencyRefusedEverywhere(t *testing.T) {
	e := newEnv(t)
	ada, _ := e.payerAndPayee("100")
	batch := func(top string, items ...string) string {
		var ps []string
		for i := 0; i < 5; i++ {
			cur := ""
			if i < len(items) && items[i] != "" {
				cur = `,"currency":` + items[i]
			}
			ps = append(ps, `{"recipientEmail":"bob@example.com","amount":1`+cur+`}`)
		}
		b := `{"payments":[` + strings.Join(ps, ",") + `]`
		if top != "" {
			b += `,"currency":` + top
		}
		return b + "}"
	}
	type call struct {
		name, path, body, field string
		admin                   bool
	}
	refused := []call{
		{"create", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":1,"currency":"EUR"}`, "currency", false},
		{"create delegated", "/transaction/create", `{"senderEmail":"bob@example.com","amount":1,"token":"x","currency":"eur"}`, "currency", false},
		{"add-balance", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":1,"currency":"EUR"}`, "currency", true},
		{"payment", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":"EUR"}`, "currency", false},
		{"payment, spaces", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":" USD"}`, "currency", false},
		{"batch", "/transactions/batch", batch(`"EUR"`), "currency", false},
		{"batch item", "/transactions/batch", batch("", `"USD"`, "", "", `"EUR"`), "payments[3].currency", false},
		{"batch item under USD", "/transactions/batch", batch(`"USD"`, "", "", "", `"GBP"`), "payments[3].currency", false},
	}
	before := e.snapshot()
	for i, c := range refused {
		key := fmt.Sprint("currency-key-", i)
		var r resp
		if c.admin {
			r = e.do("POST", c.path, c.body, "Authorization", "Bearer "+testAdminKey)
		} else {
			r = ada.do("POST", c.path, c.body, api.HeaderIdempotencyKey, key)
		}
		if r.status != 400 {
			t.Errorf("%s: status %d: %s", c.name, r.status, r.body)
			continue
		}
		if ae := r.apiErr(t); ae.Code != api.CodeUnsupportedCurrency || ae.Field != c.field ||
			!strings.Contains(ae.Message, "USD") || strings.Contains(ae.Message, "EUR") {
			t.Errorf("%s: %+v", c.name, ae)
		}
	}
	e.unchanged(before, "a refused currency moved money")

	// The deployment's currency in any letter case, absent, null or empty is accepted; the keys
	// of the refused requests were not consumed.
	accepted := []call{
		{"create", "/transaction/create", `{"recipientEmail":"bob@example.com","amount":1,"currency":"usd"}`, "", false},
		{"add-balance", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":1,"currency":"USD"}`, "", true},
		{"payment", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":"Usd"}`, "", false},
		{"payment, null", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":null}`, "", false},
		{"batch", "/transactions/batch", batch(`"usd"`, `"USD"`, `""`, `null`, `"usd"`), "", false},
		{"batch, none", "/transactions/batch", batch(""), "", false},
	}
	for i, c := range accepted {
		var r resp
		if c.admin {
			r = e.do("POST", c.path, c.body, "Authorization", "Bearer "+testAdminKey)
		} else {
			r = ada.do("POST", c.path, c.body, api.HeaderIdempotencyKey, fmt.Sprint("currency-key-", i))
		}
		if r.status != 200 && r.status != 201 {
			t.Errorf("%s: status %d: %s", c.name, r.status, r.body)
		}
		if r.header.Get(api.HeaderReplayed) != "" {
			t.Errorf("%s: replayed a refused request's key", c.name)
		}
	}
}

// TestCurrencyIsTheDeployments: the rule follows the configured currency, not a fixed USD.
func TestCurrencyIsTheDeployments(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Currency = "eur" })
	ada, _ := e.payerAndPayee("10")
	r := ada.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":"USD"}`).
		want(t, 400, api.CodeUnsupportedCurrency, "currency")
	if ae := r.apiErr(t); !strings.Contains(ae.Message, "EUR") {
		t.Fatalf("message does not name the deployment's currency: %s", r.body)
	}
	var tb api.TransactionBody
	ada.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1,"currency":"eur"}`).
		want(t, 201).decode(t, &tb)
	if tb.Transaction.Currency != "EUR" {
		t.Fatalf("currency %q", tb.Transaction.Currency)
	}
}

func TestCheckCurrency(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		in *string
		ok bool
	}{
		{nil, true}, {s(""), true}, {s("USD"), true}, {s("usd"), true}, {s("uSd"), true},
		{s("EUR"), false}, {s(" USD"), false}, {s("USD "), false}, {s("US"), false}, {s("USDT"), false},
		{s("ＵＳＤ"), false}, // full-width letters are not ASCII case of USD
	} {
		e := api.CheckCurrency("payments[0].currency", c.in, "USD")
		if (e == nil) != c.ok {
			t.Errorf("%v: %v", c.in, e)
		}
		if e != nil {
			b, _ := json.Marshal(e)
			if e.Code != api.CodeUnsupportedCurrency || e.Field != "payments[0].currency" {
				t.Errorf("%s", b)
			}
		}
	}
}
