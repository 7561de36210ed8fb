package server

import (
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
)

func TestAdminWithoutKeyIsNotFound(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AdminKey = "" })
	e.newUser("ada@example.com", "")
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":1}`},
		{"GET", "/user/ada@example.com", ""},
		{"GET", "/users", ""},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		e.do(c.method, c.path, body).want(t, 404, api.CodeNotFound)
		e.do(c.method, c.path, body, "Authorization", "Bearer ").want(t, 404, api.CodeNotFound)
		e.do(c.method, c.path, body, "Authorization", "Bearer anything").want(t, 404, api.CodeNotFound)
	}
}

func TestAdmin(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	before := e.snapshot()
	for _, c := range []struct{ method, path string }{{"POST", "/user/add-balance"}, {"GET", "/user/ada@example.com"}, {"GET", "/users"}} {
		var body any
		if c.method == "POST" {
			body = `{"recipientEmail":"ada@example.com","amount":1}`
		}
		e.do(c.method, c.path, body).want(t, 401, api.CodeUnauthenticated)
		e.do(c.method, c.path, body, "Authorization", "Bearer wrong-key").want(t, 401, api.CodeUnauthenticated)
		e.do(c.method, c.path, body, "Authorization", "Bearer "+testAdminKey+"x").want(t, 401, api.CodeUnauthenticated)
		e.do(c.method, c.path, body, "Authorization", "Bearer "+testAdminKey[:10]).want(t, 401, api.CodeUnauthenticated)
		ada.do(c.method, c.path, body).want(t, 403, api.CodeForbidden)
	}
	e.admin("POST", "/user/add-balance", `{"recipientEmail":"nobody@example.com","amount":1}`).want(t, 400, api.CodeInvalidRequest, "recipientEmail")
	e.admin("POST", "/user/add-balance", `{"recipientEmail":"system@syftbox.org","amount":1}`).want(t, 400, api.CodeInvalidRequest, "recipientEmail")
	e.admin("POST", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":0}`).want(t, 400, api.CodeInvalidRequest, "amount")
	e.admin("POST", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":1.0000001}`).want(t, 400, api.CodeInvalidRequest, "amount")
	e.admin("POST", "/user/add-balance", `{"recipientEmail":"ada@example.com","amount":"1e13"}`).want(t, 400, api.CodeInvalidRequest, "amount")
	e.unchanged(before, "ledger changed")

	var ub api.UserBody
	e.admin("POST", "/user/add-balance", `{"recipientEmail":"ADA@example.com","amount":100.25}`).want(t, 200).decode(t, &ub)
	if ub.User.Balance != 100_250_000 || ub.User.Email != "ada@example.com" {
		t.Fatalf("%+v", ub.User)
	}
	var tb api.TransactionsBody
	ada.do("GET", "/transactions", nil).want(t, 200).decode(t, &tb)
	if len(tb.Transactions) != 1 || tb.Transactions[0].CreatedBy != api.PartySystem ||
		tb.Transactions[0].SenderEmail != "system@syftbox.org" || tb.Transactions[0].Status != api.StatusCompleted {
		t.Fatalf("%+v", tb.Transactions)
	}

	e.admin("GET", "/user/Ada@Example.com", nil).want(t, 200).decode(t, &ub)
	if ub.User.Balance != 100_250_000 {
		t.Fatalf("%+v", ub.User)
	}
	e.admin("GET", "/user/nobody@example.com", nil).want(t, 404, api.CodeNotFound)
	e.admin("GET", "/user/system@syftbox.org", nil).want(t, 404, api.CodeNotFound)
	e.admin("GET", "/user/not-an-email", nil).want(t, 400, api.CodeInvalidRequest, "email")
	e.newUser("bob@example.com", "")
	var us api.UsersBody
	r := e.admin("GET", "/users", nil).want(t, 200)
	r.decode(t, &us)
	if len(us.Users) != 2 || strings.Contains(string(r.body), "system@") {
		t.Fatalf("%s", r.body)
	}
	// The admin may also create users (the SDK's AdminClient does).
	e.admin("POST", "/user/create", `{"email":"carol@example.com","password":null,"organization":"x"}`).want(t, 201)
}
