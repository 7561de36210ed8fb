package main

import (
	"encoding/json"
	"fmt"
)

func balanceOf(src, email, pw string) string {
	r := do(src, "GET", "/user/my-info", nil, basicHdr(email, pw))
	var u struct {
		User struct {
			Balance, AvailableBalance json.Number
		}
	}
	json.Unmarshal(r.Body, &u)
	return string(u.User.Balance) + "/" + string(u.User.AvailableBalance)
}

// t4: another currency; and t10s: control characters on every write path.
func t4() {
	tag := runTag()
	src := "127.0.11.1"
	pw := "currency-pw-1"
	a, b := pair(src, tag, pw, "cura", "curb")
	r := fund(src, a, "100")
	must(r.Status == 200, "add-balance %d %s", r.Status, r.Body)
	before := balanceOf(src, a, pw) + " " + balanceOf(src, b, pw)
	ba := basicHdr(a, pw)
	bb := basicHdr(b, pw)
	tokR := do(src, "POST", "/token/create", map[string]any{"recipientEmail": b}, ba)
	dtok := tokR.str("token")
	if dtok == "" {
		var w struct{ Token any }
		json.Unmarshal(tokR.Body, &w)
		fmt.Println("token create:", tokR.Status, string(tokR.Body)[:80])
	}
	for _, cur := range []any{"EUR", "eur", " USD", "US", 840, true, map[string]any{}, "USD\u0000"} {
		cases := []struct {
			name, path string
			body       map[string]any
			h          map[string]string
		}{
			{"transaction/create", "/transaction/create", map[string]any{"senderEmail": a, "recipientEmail": b, "amount": 1, "currency": cur}, ba},
			{"transaction/create delegated", "/transaction/create", map[string]any{"senderEmail": a, "recipientEmail": b, "amount": 1, "token": dtok, "currency": cur}, bb},
			{"add-balance", "/user/add-balance", map[string]any{"recipientEmail": a, "amount": 1, "currency": cur}, admin()},
			{"payments", "/payments", map[string]any{"recipientEmail": b, "amount": 1, "currency": cur}, ba},
			{"batch", "/transactions/batch", map[string]any{"currency": cur, "payments": []any{map[string]any{"recipientEmail": b, "amount": 1}}}, ba},
			{"batch item", "/transactions/batch", map[string]any{"payments": []any{map[string]any{"recipientEmail": b, "amount": 1}, map[string]any{"recipientEmail": b, "amount": 1, "currency": cur}}}, ba},
		}
		for _, c := range cases {
			r := do(src, "POST", c.path, c.body, withKey(c.h, fmt.Sprintf("k-%s-%x-%x", tag, fmt.Sprint(cur), c.name)))
			if r.Status != 400 {
				fmt.Printf("4 %-30s currency %#v -> %d %s\n", c.name, cur, r.Status, r.Body)
			} else {
				fmt.Printf("4 %-30s currency %-10s -> %d %s field=%s\n", c.name, fmt.Sprintf("%#v", cur), r.Status, r.str("code"), r.str("field"))
			}
		}
	}
	after := balanceOf(src, a, pw) + " " + balanceOf(src, b, pw)
	fmt.Printf("4 balances before %s after %s\n", before, after)
	// accepted spellings
	for _, cur := range []any{"USD", "usd", nil, ""} {
		r := do(src, "POST", "/payments", map[string]any{"recipientEmail": b, "amount": "0.01", "currency": cur}, ba)
		fmt.Printf("4 payments currency %#v -> %d\n", cur, r.Status)
	}
}
