package main

import "fmt"

// t10s: control and bidi characters on every write path.
func t10s() {
	tag := runTag()
	src := "127.0.12.1"
	pw := "control-pw-1"
	a, b, ba, bearerA := fundedPair(src, tag, pw, "ctla", "ctlb")
	bad := []string{"\x1b]52;c;aGk=\x07", "\x1b[2J", "x\u009by", "\u202eevil", "a\u2066b", "line\nbreak", "tab\tx", "del\x7f", "mark\u200e", "sep\u2028", "nul\x00", "\rcr", "a\u061cb", "\u0085nel"}
	refused, total := 0, 0
	var leaks []string
	for _, s := range bad {
		cases := []struct {
			name, method, path, field string
			body                      map[string]any
			h                         map[string]string
		}{
			{"payments memo", "POST", "/payments", "memo", map[string]any{"recipientEmail": b, "amount": 1, "memo": s}, ba},
			{"payments memo (bearer)", "POST", "/payments", "memo", map[string]any{"recipientEmail": b, "amount": 1, "memo": s}, bearerA},
			{"payments metadata value", "POST", "/payments", "metadata", map[string]any{"recipientEmail": b, "amount": 1, "metadata": map[string]string{"k": s}}, ba},
			{"payments metadata key", "POST", "/payments", "metadata", map[string]any{"recipientEmail": b, "amount": 1, "metadata": map[string]string{"k" + s: "v"}}, ba},
			{"batch memo", "POST", "/transactions/batch", "payments[0].memo", map[string]any{"payments": []any{map[string]any{"recipientEmail": b, "amount": 1, "memo": s}}}, ba},
			{"batch metadata", "POST", "/transactions/batch", "payments[1].metadata", map[string]any{"payments": []any{map[string]any{"recipientEmail": b, "amount": 1}, map[string]any{"recipientEmail": b, "amount": 1, "metadata": map[string]string{"k": s}}}}, ba},
			{"create appName", "POST", "/transaction/create", "appName", map[string]any{"senderEmail": a, "recipientEmail": b, "amount": 1, "appName": s}, ba},
			{"create appEpPath", "POST", "/transaction/create", "appEpPath", map[string]any{"senderEmail": a, "recipientEmail": b, "amount": 1, "appEpPath": s}, ba},
			{"user/create organization", "POST", "/user/create", "organization", map[string]any{"email": "o" + tag + "x@example.com", "organization": s}, nil},
			{"auth/register organization", "POST", "/auth/register", "organization", map[string]any{"email": "o" + tag + "y@example.com", "password": pw, "organization": s}, nil},
			{"update-organization", "PUT", "/user/update-organization", "organization", map[string]any{"organization": s}, ba},
			{"update-organization (bearer)", "PUT", "/user/update-organization", "organization", map[string]any{"organization": s}, bearerA},
		}
		for _, c := range cases {
			total++
			r := do(fmt.Sprintf("127.0.13.%d", 1+total%200), c.method, c.path, c.body, c.h)
			if r.Status == 400 && r.str("field") == c.field {
				refused++
			} else {
				leaks = append(leaks, fmt.Sprintf("%s %q -> %d %.120s", c.name, s, r.Status, r.Body))
			}
		}
	}
	fmt.Printf("10s refused with 400 naming the field: %d of %d\n", refused, total)
	for _, l := range leaks {
		fmt.Println("   ", l)
	}
	// accepted: emoji, RTL without controls, other scripts
	for _, s := range []string{"café ☕", "שלום", "👨‍👩‍👧", "日本語"} {
		r := do(src, "POST", "/payments", map[string]any{"recipientEmail": b, "amount": 1, "memo": s}, ba)
		fmt.Printf("10s memo %q -> %d\n", s, r.Status)
	}
}
