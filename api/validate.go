package api

import (
	"strings"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/termsafe"
)

// specialUse are top-level domains that strict validators (pydantic's EmailStr among them)
// refuse, so the service neither accepts nor emits them.
var specialUse = map[string]bool{
	"local": true, "localhost": true, "test": true, "invalid": true, "arpa": true, "onion": true,
	"home": true, "internal": true, "localdomain": true, "lan": true,
}

// NormalizeEmail trims and lower-cases an address and checks it strictly: a dot-atom local part,
// a domain of at least two labels with an alphabetic top-level label that is not special-use.
func NormalizeEmail(field, s string) (string, *Error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", Invalid(field, "An email address is required.")
	}
	if len(s) > MaxEmailLen {
		return "", Invalid(field, "That email address is too long (at most 254 characters).")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || at > 64 || !validLocal(s[:at]) || !validDomain(s[at+1:]) {
		return "", Invalid(field, "That is not a valid email address.")
	}
	return s, nil
}

func validLocal(l string) bool {
	if l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 || len(d) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || specialUse[tld] {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	return true
}

// CheckAmount requires an amount that is present, above zero and at most money.MaxAmount.
// Precision is checked when it is parsed.
func CheckAmount(field string, m *money.Micros) (money.Micros, *Error) {
	switch {
	case m == nil:
		return 0, Invalid(field, "An amount is required.")
	case *m <= 0:
		return 0, Invalid(field, "The amount must be greater than zero.")
	case *m > money.MaxAmount:
		return 0, Invalid(field, "The amount is too large (at most 1,000,000,000,000).")
	}
	return *m, nil
}

// CheckMemo allows at most MaxMemoRunes characters of valid UTF-8, none of them a control or
// bidi character (CheckPrintable).
func CheckMemo(field string, memo *string) *Error {
	if memo == nil {
		return nil
	}
	if !utf8.ValidString(*memo) || utf8.RuneCountInString(*memo) > MaxMemoRunes {
		return Invalid(field, "The memo must be at most 280 characters.")
	}
	return CheckPrintable(field, "The memo", *memo)
}

// CheckPrintable refuses text that a terminal would act on, or show in another order than it
// is stored, when another person's wallet displays it: C0 controls (line breaks and tabs
// included), DEL, C1 controls, bidi overrides, embeddings, isolates and marks, the line and
// paragraph separators, and bytes that are not UTF-8 (the runes termsafe escapes on display).
// what names the value in the sentence ("The memo"). Every free-text field the service stores
// goes through it: memos, metadata, organizations, app names and endpoints.
func CheckPrintable(field, what, s string) *Error {
	if termsafe.IsSafe(s) {
		return nil
	}
	return Invalid(field, what+" must not contain control characters (line breaks, tabs, escape codes) or bidi controls.")
}

// CheckMetadata allows a flat object of at most MaxMetadataKeys string values.
func CheckMetadata(field string, md map[string]string) *Error {
	if len(md) > MaxMetadataKeys {
		return Invalid(field, "Metadata may hold at most 20 values.")
	}
	for k, v := range md {
		if k == "" || len(k) > 40 || len(v) > 500 || !utf8.ValidString(k) || !utf8.ValidString(v) {
			return Invalid(field, "Metadata keys must be 1 to 40 characters and values at most 500.")
		}
		if e := CheckPrintable(field, "Metadata", k); e != nil {
			return e
		}
		if e := CheckPrintable(field, "Metadata", v); e != nil {
			return e
		}
	}
	return nil
}

// CheckIdempotencyKey allows 1 to 255 printable ASCII characters.
func CheckIdempotencyKey(field, key string) *Error {
	if key == "" || len(key) > MaxIdempotencyKey {
		return Invalid(field, "An idempotency key must be 1 to 255 printable characters.")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return Invalid(field, "An idempotency key must be 1 to 255 printable characters.")
		}
	}
	return nil
}

// CheckPassword applies the rule for a password a person chooses: at least 8 characters.
func CheckPassword(field, pw string) *Error {
	if utf8.RuneCountInString(pw) < 8 {
		return Invalid(field, "A password must be at least 8 characters.")
	}
	if len(pw) > 1024 {
		return Invalid(field, "A password must be at most 1024 bytes.")
	}
	return nil
}

// CheckCurrency accepts a request's currency when it is absent (nil or "": the deployment's) or
// names the deployment's currency in any letter case ("usd" is USD, as Stripe reads it). Anything
// else, surrounding spaces included, is 400 unsupported_currency naming field: a request is never
// executed in a currency other than the one it names. The message does not echo what was sent.
func CheckCurrency(field string, c *string, deployment string) *Error {
	if c == nil || *c == "" || strings.EqualFold(*c, deployment) {
		return nil
	}
	return &Error{Code: CodeUnsupportedCurrency, Field: field,
		Message: "This service handles " + deployment + " only: send that currency, or leave currency out."}
}
