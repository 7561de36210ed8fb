package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
)

func TestHealthzAndRequestIDs(t *testing.T) {
	e := newEnv(t)
	a := e.do("GET", "/healthz", nil).want(t, 200)
	b := e.do("GET", "/healthz", nil).want(t, 200)
	if string(a.body) != "{\"status\":\"ok\"}\n" {
		t.Fatalf("body %q", a.body)
	}
	if a.header.Get(api.HeaderRequestID) == b.header.Get(api.HeaderRequestID) {
		t.Fatal("request ids repeat")
	}
}

func TestRoutingErrorsAreJSON(t *testing.T) {
	e := newEnv(t)
	before := e.snapshot()
	e.do("GET", "/nope", nil).want(t, 404, api.CodeNotFound)
	e.do("GET", "/", nil).want(t, 404, api.CodeNotFound)
	e.do("GET", "/users/", nil).want(t, 404, api.CodeNotFound)
	e.do("GET", "//users", nil).want(t, 404, api.CodeNotFound)
	e.do("POST", "/transaction/../users", "{}").want(t, 404, api.CodeNotFound)
	r := e.do("DELETE", "/payments", nil).want(t, 405, api.CodeMethodNotAllowed)
	if !strings.Contains(r.header.Get("Allow"), "POST") {
		t.Fatalf("Allow %q", r.header.Get("Allow"))
	}
	r = e.do("POST", "/transactions", "{}").want(t, 405, api.CodeMethodNotAllowed)
	if !strings.Contains(r.header.Get("Allow"), "GET") {
		t.Fatalf("Allow %q", r.header.Get("Allow"))
	}
	e.unchanged(before, "ledger changed")
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	// Generated password: returned once, and it works.
	r := e.do("POST", "/user/create", `{"email":" Ada@Example.com ","password":null,"organization":"OpenMined"}`).want(t, 201)
	var cr api.CreateUserResponse
	r.decode(t, &cr)
	if cr.Password == nil || len(*cr.Password) < 22 {
		t.Fatalf("generated password %v", cr.Password)
	}
	if cr.User.Email != "ada@example.com" || cr.User.Balance != 0 || cr.User.Organization == nil ||
		*cr.User.Organization != "OpenMined" || cr.User.Currency != "USD" || cr.User.ID == "" {
		t.Fatalf("user %+v", cr.User)
	}
	ada := &user{e: e, email: "ada@example.com", pw: *cr.Password}
	if got := ada.info(); got.ID != cr.User.ID {
		t.Fatalf("my-info %+v", got)
	}
	// Chosen password: echoed as null.
	r = e.do("POST", "/user/create", map[string]any{"email": "grace@example.com", "password": testPassword}).want(t, 201)
	var raw map[string]json.RawMessage
	r.decode(t, &raw)
	if string(raw["password"]) != "null" {
		t.Fatalf("password %s", raw["password"])
	}
	// Duplicates, in any case; the system address is taken too.
	e.do("POST", "/user/create", `{"email":"ADA@example.com"}`).want(t, 409, api.CodeAccountExists)
	e.do("POST", "/user/create", `{"email":"system@syftbox.org"}`).want(t, 409, api.CodeAccountExists)

	before := e.snapshot()
	e.do("POST", "/user/create", `{"email":"nobody@host.local"}`).want(t, 400, api.CodeInvalidRequest, "email")
	e.do("POST", "/user/create", `{"email":"x@example.com","password":"short"}`).want(t, 400, api.CodeInvalidRequest, "password")
	e.do("POST", "/user/create", `{"email":5}`).want(t, 400, api.CodeInvalidRequest, "email")
	e.do("POST", "/user/create", `{"email":"x@example.com","organization":["a"]}`).want(t, 400, api.CodeInvalidRequest, "organization")
	e.do("POST", "/user/create", `{"email":"x@example.com"`).want(t, 400, api.CodeInvalidRequest)
	e.do("POST", "/user/create", ``).want(t, 400, api.CodeInvalidRequest)
	e.do("POST", "/user/create", `[]`).want(t, 400, api.CodeInvalidRequest)
	e.do("POST", "/user/create", `{"email":"x@example.com"} {}`).want(t, 400, api.CodeInvalidRequest)
	e.unchanged(before, "ledger changed")
}

func TestWelcomeCredit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.WelcomeCredit = 25_000_000 })
	u := e.newUser("ada@example.com", "")
	if got := u.info(); got.Balance != 25_000_000 {
		t.Fatalf("balance %s", got.Balance)
	}
}

func TestBasicAuth(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	for name, hdr := range map[string]string{
		"wrong password": basic("ada@example.com", "wrong password!"),
		"unknown email":  basic("who@example.com", testPassword),
		"bad email":      basic("not an email", testPassword),
		"system account": basic("system@syftbox.org", testPassword),
		"not base64":     "Basic !!!",
		"no colon":       "Basic " + "YWRh",
		"empty":          "",
		"other scheme":   "Digest abc",
		"bearer":         "Bearer not-a-token",
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("GET", "/user/my-info", nil, "Authorization", hdr).want(t, 401, api.CodeUnauthenticated)
			if r.apiErr(t).Message == "" || r.header.Get("WWW-Authenticate") == "" {
				t.Fatalf("401 without message or challenge: %s", r.body)
			}
		})
	}
	// Wrong password and unknown email read the same.
	a := e.do("GET", "/account", nil, "Authorization", basic("ada@example.com", "wrong password!"))
	b := e.do("GET", "/account", nil, "Authorization", basic("who@example.com", "wrong password!"))
	if a.apiErr(t) != b.apiErr(t) {
		t.Fatalf("different refusals: %s / %s", a.body, b.body)
	}
	// Upper-case email works (normalised), repeatedly (cached).
	for range 3 {
		e.do("GET", "/account", nil, "Authorization", basic("ADA@example.com", testPassword)).want(t, 200)
	}
	// An MFA account refuses Basic, even with the right password; a wrong one is still 401.
	e.led.mfa.Store("ada@example.com", true)
	ada.do("GET", "/user/my-info", nil).want(t, 403, api.CodeMFARequired)
	e.do("GET", "/user/my-info", nil, "Authorization", basic("ada@example.com", "wrong password!")).want(t, 401, api.CodeUnauthenticated)
}

func TestAccountAndMyInfo(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "12.5")
	var a, b map[string]any
	ada.do("GET", "/user/my-info", nil).want(t, 200).decode(t, &a)
	ada.do("GET", "/account", nil).want(t, 200).decode(t, &b)
	ua, _ := json.Marshal(a)
	ub, _ := json.Marshal(b)
	if string(ua) != string(ub) {
		t.Fatalf("%s != %s", ua, ub)
	}
	u := a["user"].(map[string]any)
	for _, k := range []string{"id", "email", "balance", "organization", "availableBalance", "currency", "mfaEnabled", "createdAt"} {
		if _, ok := u[k]; !ok {
			t.Errorf("user lacks %s: %v", k, u)
		}
	}
	if !strings.Contains(string(ua), `"balance":12.5`) {
		t.Fatalf("balance not exact: %s", ua)
	}
}

func TestUpdatePassword(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	ada.info() // cached now
	before := e.snapshot()
	ada.do("PUT", "/user/update-password", `{"oldPassword":"wrong password!","newPassword":"a new password"}`).
		want(t, 400, api.CodeInvalidRequest, "oldPassword")
	ada.do("PUT", "/user/update-password", map[string]string{"oldPassword": testPassword, "newPassword": "short"}).
		want(t, 400, api.CodeInvalidRequest, "newPassword")
	ada.do("PUT", "/user/update-password", `{"oldPassword":1}`).want(t, 400, api.CodeInvalidRequest, "oldPassword")
	if after := e.snapshot(); after != before {
		t.Fatalf("ledger changed")
	}
	var b api.UserBody
	ada.do("PUT", "/user/update-password", map[string]string{"oldPassword": testPassword, "newPassword": "a new password"}).
		want(t, 200).decode(t, &b)
	if b.User.Email != "ada@example.com" {
		t.Fatalf("%+v", b.User)
	}
	ada.do("GET", "/user/my-info", nil).want(t, 401, api.CodeUnauthenticated) // the cache forgot the old one
	ada.pw = "a new password"
	ada.info()
}

func TestUpdateOrganization(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	var b api.UserBody
	ada.do("PUT", "/user/update-organization", `{"organization":"OpenMined"}`).want(t, 200).decode(t, &b)
	if b.User.Organization == nil || *b.User.Organization != "OpenMined" {
		t.Fatalf("%+v", b.User)
	}
	ada.do("PUT", "/user/update-organization", `{"organization":null}`).want(t, 200).decode(t, &b)
	if b.User.Organization != nil {
		t.Fatalf("%+v", b.User)
	}
	ada.do("PUT", "/user/update-organization", `{"organization":"`+strings.Repeat("x", 300)+`"}`).
		want(t, 400, api.CodeInvalidRequest, "organization")
	ada.do("POST", "/user/update-organization", `{}`).want(t, 405, api.CodeMethodNotAllowed)
}
