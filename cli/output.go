package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/termsafe"
)

// The --json documents. Field names are camelCase; every field is always present (null when it
// has no value), so a script can rely on the shape. Amounts are exact decimal strings with at
// least two fractional digits ("12.50", "0.000001"): never a JSON number, which many tools read
// as a float. Times are RFC 3339 in UTC with milliseconds, as on the wire.

// amount is the text of an amount in every output: exact, at least two decimals.
func amount(m money.Micros) string { return m.Fixed(2) }

// accountJSON is an account: balance, register (user).
type accountJSON struct {
	ID               string   `json:"id"`
	Email            string   `json:"email"`
	Organization     *string  `json:"organization"`
	Balance          string   `json:"balance"`
	AvailableBalance string   `json:"availableBalance"`
	Currency         string   `json:"currency"`
	MFAEnabled       bool     `json:"mfaEnabled"`
	CreatedAt        api.Time `json:"createdAt"`
}

func accountOf(u api.User) accountJSON {
	return accountJSON{
		ID: u.ID, Email: u.Email, Organization: u.Organization,
		Balance: amount(u.Balance), AvailableBalance: amount(u.AvailableBalance),
		Currency: u.Currency, MFAEnabled: u.MFAEnabled, CreatedAt: u.CreatedAt,
	}
}

// transactionJSON is a transaction as the caller sees it: pay, history, events.
type transactionJSON struct {
	ID             string            `json:"id"`
	CreatedAt      api.Time          `json:"createdAt"`
	ResolvedAt     *api.Time         `json:"resolvedAt"`
	Direction      string            `json:"direction"`
	Counterparty   string            `json:"counterparty"`
	SenderEmail    string            `json:"senderEmail"`
	RecipientEmail string            `json:"recipientEmail"`
	Amount         string            `json:"amount"`
	Currency       string            `json:"currency"`
	Status         string            `json:"status"`
	Memo           *string           `json:"memo"`
	AppName        *string           `json:"appName"`
	Metadata       map[string]string `json:"metadata"`
	// APIKeyID is the API key the payment was made with (null: a session, or the other party's).
	APIKeyID *string `json:"apiKeyId"`
}

// transactionOf converts a transaction; me fills in the direction when the service did not.
func transactionOf(t api.Transaction, me string) transactionJSON {
	dir := t.Direction
	if dir == "" {
		dir = api.DirectionIn
		if strings.EqualFold(t.SenderEmail, me) {
			dir = api.DirectionOut
		}
		t.Direction = dir
	}
	md := t.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return transactionJSON{
		ID: t.ID, CreatedAt: t.CreatedAt, ResolvedAt: t.ResolvedAt, Direction: dir,
		Counterparty: t.Counterparty(), SenderEmail: t.SenderEmail, RecipientEmail: t.RecipientEmail,
		Amount: amount(t.Amount), Currency: t.Currency, Status: t.Status,
		Memo: emptyNil(t.Memo), AppName: emptyNil(t.AppName), Metadata: md, APIKeyID: emptyNil(t.APIKeyID),
	}
}

func emptyNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

// errorJSON is what --json prints on stdout when a command fails (the sentence also goes to
// stderr).
type errorJSON struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		ExitCode int    `json:"exitCode"`
	} `json:"error"`
}

// writeJSON writes v as one line of JSON. Strings keep their exact values; what encoding/json
// leaves raw and a terminal could act on (DEL, C1 controls, bidi controls) is written as a
// \u escape, so the document is safe to print and decodes to the same values.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(jsonEscape(b.Bytes()))
	return err
}

// jsonEscape writes every rune termsafe calls unsafe as a JSON \u escape. In encoded JSON such
// runes can only be inside strings (the encoder already escapes C0 controls there), apart from
// the encoder's final line feed, which stays.
func jsonEscape(doc []byte) []byte {
	s := string(doc)
	if termsafe.IsSafe(strings.TrimSuffix(s, "\n")) {
		return doc
	}
	var b strings.Builder
	for _, r := range s {
		if r == '\n' || !termsafe.Unsafe(r) {
			b.WriteRune(r) // encoding/json wrote only valid UTF-8
			continue
		}
		fmt.Fprintf(&b, "\\u%04x", r)
	}
	return []byte(b.String())
}

// places is the number of fractional digits that shows every amount exactly, at least 2.
func places(ms ...money.Micros) int {
	p := 2
	for _, m := range ms {
		s := m.String()
		if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > p {
			p = len(s) - i - 1
		}
	}
	return p
}

// fixed writes m with exactly p decimals (p is at least what m needs: see places).
func fixed(m money.Micros, p int) string { return m.Fixed(p) }

// signed writes a transaction's amount for people: + for money in, - for money out, and no
// sign for a cancelled one, which moved no money (as every screen of the wallet shows it). The
// CSV and --json keep the direction's sign: they are data, with the status beside it.
func signed(m money.Micros, p int, out bool, status string) string {
	switch {
	case status == api.StatusCancelled:
		return fixed(m, p)
	case out:
		return "-" + fixed(m, p)
	}
	return "+" + fixed(m, p)
}

// table writes rows in columns separated by two spaces; the columns listed in right are
// right-aligned (amounts), the others left-aligned. Widths are measured in terminal cells.
func table(w io.Writer, rows [][]string, right map[int]bool) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			row[i] = termsafe.String(cell) // a cell is one line, whatever the service sent
			cell = row[i]
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-ansi.StringWidth(cell))
			if i > 0 {
				b.WriteString("  ")
			}
			if right[i] {
				b.WriteString(pad + cell)
			} else if i < len(row)-1 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString(cell)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// localTime is a time as a person reads it in a table.
func localTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// oneLine makes a memo fit on one line of a table: controls escaped first (line breaks too:
// \r, \u0085 and \u2028 show as such, as in the wallet and the CSV, never as a space), then
// runs of spaces collapsed, then cut (after escaping, which would otherwise keep an escape
// sequence whole as if it had no width).
func oneLine(s string, width int) string {
	s = strings.Join(strings.Fields(termsafe.String(s)), " ")
	return ansi.Truncate(s, width, "…")
}
