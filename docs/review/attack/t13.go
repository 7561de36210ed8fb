package main

import (
	"fmt"
	"strings"

	"github.com/pquerna/otp/totp"
)

// t13: fuzz every endpoint for 500s and non-JSON.
func t13() {
	tag := runTag()
	src := "127.0.26.1"
	pw := "fuzz-password-1"
	a, b, ba, bt := fundedPair(src, tag, pw, "fz", "fy")
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	bodies := []string{"null", "[]", `"x"`, "1", "{}", `{"amount":1e400}`, `{"amount":"-0"}`, `{"amount":"0.0000001"}`, `{"amount":[1]}`,
		`{"amount":-1}`, `{"amount":"NaN"}`, `{"amount":"Infinity"}`, `{"amount":"1e12"}`, `{"amount":"1e13"}`, `{"amount":1000000000000.000001}`,
		`{"recipientEmail":null,"amount":1}`, `{"recipientEmail":"` + b + `","amount":1,"metadata":{"a":null}}`, `{"recipientEmail":"` + b + `","amount":1,"metadata":[]}`,
		`{"recipientEmail":"` + b + `","amount":1,"memo":123}`, `{"payments":null}`, `{"payments":[null]}`, `{"payments":[1]}`, `{"payments":[{}]}`,
		deep, "\xef\xbb\xbf{}", `{"recipientEmail":"` + b + "\xff" + `","amount":1}`, `{"a":1,"a":2}`, `{"currency":null,"recipientEmail":"` + b + `","amount":1}`,
		`{"idempotencyKey":"\u0000","recipientEmail":"` + b + `","amount":1}`, `{"code":"٠١٢٣٤٥"}`, `{"challengeId":"` + strings.Repeat("A", 60000) + `","code":"123456"}`,
		`{"refreshToken":{"a":1}}`, `{"email":"a@b.co\u0000","password":"xxxxxxxxxx"}`, `{"email":"ü@exämple.com","password":"xxxxxxxxxx"}`,
		`{"organization":""}`, `{"organization":null}`, `{"email":"` + strings.Repeat("a", 250) + `@example.com","password":"xxxxxxxxxx"}`,
		`{"transactionId":null}`, `{"transactionId":"` + strings.Repeat("z", 5000) + `"}`, `{"transactionId":1}`, `{"senderEmail":"` + a + `","recipientEmail":"` + b + `","amount":1,"token":""}`,
		`{"senderEmail":"` + a + `","recipientEmail":"` + b + `","amount":1,"token":"` + strings.Repeat("x.", 2000) + `"}`,
		`{"oldPassword":"` + pw + `","newPassword":"` + strings.Repeat("p", 2000) + `"}`, `{"oldPassword":"` + strings.Repeat("p", 5000) + `","newPassword":"newpassword1"}`,
		`{"email":"a@example.com","password":"` + strings.Repeat("p", 5000) + `"}`, `{"code":"` + strings.Repeat("9", 100) + `"}`,
		`{"code":" 1 2 3 4 5 6 "}`, `{"code":"abcdef-ghijkl-mnopqr-stuvwx"}`,
		`{"recipientEmail":"system@syftbox.org","amount":1}`, `{"recipientEmail":"` + strings.ToUpper(a) + `","amount":1}`,
		`{"payments":[` + strings.TrimSuffix(strings.Repeat(`{"recipientEmail":"`+b+`","amount":0.01},`, 101), ",") + `]}`,
	}
	eps := []struct {
		m, p string
		h    map[string]string
	}{
		{"POST", "/user/create", nil}, {"POST", "/auth/register", nil}, {"PUT", "/user/update-password", ba}, {"PUT", "/user/update-organization", ba},
		{"POST", "/transaction/create", ba}, {"POST", "/transaction/confirm", ba}, {"POST", "/transaction/cancel", ba}, {"POST", "/token/create", ba},
		{"POST", "/transactions/token", bt}, {"POST", "/payments", ba}, {"POST", "/transactions/batch", bt}, {"POST", "/user/add-balance", admin()},
		{"POST", "/auth/login", nil}, {"POST", "/auth/mfa/initiate", nil}, {"POST", "/auth/mfa/verify", nil}, {"POST", "/auth/refresh", nil},
		{"POST", "/auth/mfa/enroll", bt}, {"POST", "/auth/mfa/enable", bt}, {"POST", "/auth/mfa/disable", bt}, {"POST", "/auth/password", bt},
	}
	n := 0
	for i, body := range bodies {
		for j, e := range eps {
			do(fmt.Sprintf("127.1.%d.%d", i, j+1), e.m, e.p, body, withKey(e.h, fmt.Sprintf("fz-%s-%d-%d", tag, i, j)))
			n++
		}
	}
	gets := []string{"/transactions?limit=0", "/transactions?limit=-1", "/transactions?limit=201", "/transactions?limit=abc", "/transactions?cursor=garbage",
		"/transactions?limit=5&cursor=" + strings.Repeat("A", 3000), "/transactions?since=bad", "/transactions?minAmount=1e400", "/transactions?q=" + strings.Repeat("q", 300),
		"/transactions?status=weird", "/transactions?direction=x", "/transactions?offset=-1", "/transactions?offset=100000000000000000000", "/transactions?counterparty=bad",
		"/transactions?since=2026-01-01T00:00:00Z&until=2020-01-01T00:00:00Z", "/transactions?limit=2&offset=1&cursor=x", "/transactions?minAmount=5&maxAmount=1",
		"/payments/garbage", "/payments/%00", "/payments/" + strings.Repeat("a", 3000), "/transaction/history?limit=1", "/account?x=%zz",
		"/transactions?q=%ff%fe", "/transactions?counterparty=%e2%80%ae@example.com", "/transactions?limit=1&limit=2"}
	for _, g := range gets {
		do(src, "GET", g, nil, ba)
		do(src, "GET", g, nil, bt)
		n += 2
	}
	for _, g := range []string{"/user/garbage", "/user/%ff", "/user/" + a, "/user/" + strings.ToUpper(a), "/users?limit=1", "/user/system@syftbox.org"} {
		r := do(src, "GET", g, nil, admin())
		n++
		if g == "/user/system@syftbox.org" {
			fmt.Printf("13 GET %s (admin) -> %d %.80s\n", g, r.Status, r.Body)
		}
	}
	_ = totp.GenerateCode
	fmt.Printf("13 %d fuzz requests sent\n", n)
}
