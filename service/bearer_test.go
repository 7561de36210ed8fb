package service

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// A request with a Bearer access token the service has checked before reads no account (its
// Principal carries the id and email only): what it shows or decides on balances and the
// password is read afresh, on the instance that answers. On PostgreSQL with three instances, the
// balance moved by the first is what every one shows next, and a password changed through the
// first is the one the last checks.
func TestBearerRequestsSeeTheCurrentAccount(t *testing.T) {
	for _, st := range served {
		t.Run(st.name, func(t *testing.T) {
			urls := startServed(t, st.instances)
			last := urls[len(urls)-1]
			hc := &http.Client{Timeout: 30 * time.Second}
			const email, pw = "ada@example.com", "password-of-ada-1"
			if code, body, err := call(hc, "POST", urls[0]+"/user/create", "", map[string]any{"email": email, "password": pw}, nil); err != nil || code != 201 {
				t.Fatalf("create: %d %s %v", code, body, err)
			}
			code, body, err := call(hc, "POST", urls[0]+"/auth/login", "", api.Credentials{Email: email, Password: pw}, nil)
			if err != nil || code != 200 {
				t.Fatalf("login: %d %s %v", code, body, err)
			}
			var lr api.LoginResponse
			if err := json.Unmarshal(body, &lr); err != nil {
				t.Fatal(err)
			}
			bearer := "Bearer " + lr.AccessToken
			balance := func(url string) api.User {
				t.Helper()
				code, body, err := call(hc, "GET", url+"/user/my-info", bearer, nil, nil)
				var u api.UserBody
				if err != nil || code != 200 || json.Unmarshal(body, &u) != nil {
					t.Fatalf("my-info: %d %s %v", code, body, err)
				}
				return u.User
			}
			for _, url := range urls { // every instance has checked the token once
				if u := balance(url); u.Email != email || u.Balance != 0 {
					t.Fatalf("my-info before the credit: %+v", u)
				}
			}
			if code, body, err := call(hc, "POST", urls[0]+"/user/add-balance", "Bearer admin-key",
				map[string]any{"recipientEmail": email, "amount": 7}, nil); err != nil || code != 200 {
				t.Fatalf("add-balance: %d %s %v", code, body, err)
			}
			for _, url := range urls {
				if u := balance(url); u.Balance != 7_000_000 || u.AvailableBalance != 7_000_000 {
					t.Errorf("my-info on %s after a credit of 7: %+v", url, u)
				}
			}
			// The password changed through the first instance is the one the last one checks.
			if code, body, err := call(hc, "POST", urls[0]+"/auth/password", bearer,
				api.PasswordChange{OldPassword: pw, NewPassword: "password-of-ada-2"}, nil); err != nil || code != 204 {
				t.Fatalf("password change: %d %s %v", code, body, err)
			}
			if code, body, err := call(hc, "POST", last+"/auth/password", bearer,
				api.PasswordChange{OldPassword: pw, NewPassword: "password-of-ada-3"}, nil); err != nil || code != 400 {
				t.Errorf("password change with the old password on the last instance: %d %s %v, want 400", code, body, err)
			}
			if code, body, err := call(hc, "POST", last+"/auth/password", bearer,
				api.PasswordChange{OldPassword: "password-of-ada-2", NewPassword: "password-of-ada-3"}, nil); err != nil || code != 204 {
				t.Errorf("password change with the new password on the last instance: %d %s %v", code, body, err)
			}
		})
	}
}
