package api

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/money"
)

// API keys (issue 12): long-lived secrets for scripts, CI jobs and SyftBox apps, created by a
// signed-in person with POST /auth/api-keys and sent as `Authorization: Bearer swk_…`. A key is
// limited to its scopes, optionally to a spend limit per period, and always expires.

// APIKeyPrefix starts every API key, so a key is told from an access token (a JWT) at a glance.
const APIKeyPrefix = "swk_"

// Scopes an API key can carry. They are independent: pay does not imply read.
const (
	// ScopeRead: GET /account, /user/my-info, GET /transactions, GET /payments/{id}, GET /events.
	ScopeRead = "read"
	// ScopePay: POST /payments, /transactions/batch, /transaction/create (direct and delegated),
	// /transaction/confirm, /transaction/cancel, /transactions/token, /token/create.
	ScopePay = "pay"
)

// Spend-limit periods: calendar periods in UTC (a day from 00:00, a week from Monday 00:00, a
// month from the 1st 00:00).
const (
	PeriodDay   = "day"
	PeriodWeek  = "week"
	PeriodMonth = "month"
)

// Limits of API keys.
const (
	MaxAPIKeyLifetime = 366 * 24 * time.Hour // "at most a year", a leap year included
	MaxAPIKeyNameLen  = 64                   // characters
	MaxAPIKeys        = 100                  // live (unrevoked, unexpired) keys per account
)

// Event types about API keys; data is the APIKey (never the key itself).
const (
	EventAPIKeyCreated = "security.api_key_created"
	EventAPIKeyRevoked = "security.api_key_revoked"
)

// SpendLimit caps what a key may spend (payments, batch items, holds) in one period.
type SpendLimit struct {
	Amount *money.Micros `json:"amount"`
	Period string        `json:"period"`
}

// CreateAPIKeyRequest is POST /auth/api-keys.
type CreateAPIKeyRequest struct {
	Name       string      `json:"name"`
	Scopes     []string    `json:"scopes"`
	SpendLimit *SpendLimit `json:"spendLimit,omitempty"`
	// ExpiresAt: absent or null, the longest lifetime (MaxAPIKeyLifetime from now); otherwise in
	// the future and at most MaxAPIKeyLifetime away.
	ExpiresAt *Time `json:"expiresAt,omitempty"`
	// Code: a fresh TOTP code (6 digits), required when the account has two-factor on.
	Code string `json:"code,omitempty"`
}

// APIKey is a key as GET /auth/api-keys lists it, and the data of the security.api_key_* events.
type APIKey struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Scopes     []string    `json:"scopes"`
	SpendLimit *SpendLimit `json:"spendLimit"` // null: no limit
	ExpiresAt  Time        `json:"expiresAt"`
	CreatedAt  Time        `json:"createdAt"`
	LastUsedAt *Time       `json:"lastUsedAt"` // null: never used
	// SpentInPeriod is what the key spent in the current period of its limit (0 without a limit).
	SpentInPeriod money.Micros `json:"spentInPeriod"`
	// PeriodEndsAt is when SpentInPeriod goes back to 0 (null without a limit).
	PeriodEndsAt *Time `json:"periodEndsAt"`
}

// NewAPIKey is the 201 of POST /auth/api-keys: the APIKey and, this once, the key itself.
type NewAPIKey struct {
	APIKey
	Key string `json:"key"`
}

// APIKeysBody is GET /auth/api-keys: the account's live keys, newest first.
type APIKeysBody struct {
	APIKeys []APIKey `json:"apiKeys"`
}

// ValidScope reports whether s names a scope.
func ValidScope(s string) bool { return s == ScopeRead || s == ScopePay }

// CheckAPIKeyName requires 1 to MaxAPIKeyNameLen characters of printable text (trimmed).
func CheckAPIKeyName(field, name string) (string, *Error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxAPIKeyNameLen {
		return "", Invalid(field, "A key needs a name of 1 to 64 characters.")
	}
	if e := CheckPrintable(field, "The name", name); e != nil {
		return "", e
	}
	return name, nil
}

// CheckScopes requires at least one scope, each known; duplicates are dropped and the result is
// in canonical order (read, pay).
func CheckScopes(field string, scopes []string) ([]string, *Error) {
	var read, pay bool
	for _, s := range scopes {
		switch s {
		case ScopeRead:
			read = true
		case ScopePay:
			pay = true
		default:
			return nil, Invalid(field, `Scopes are "read" and "pay".`)
		}
	}
	out := make([]string, 0, 2)
	if read {
		out = append(out, ScopeRead)
	}
	if pay {
		out = append(out, ScopePay)
	}
	if len(out) == 0 {
		return nil, Invalid(field, `A key needs at least one scope: "read", "pay" or both.`)
	}
	return out, nil
}

// CheckSpendLimit checks an optional limit: an amount as CheckAmount wants it and a known period.
func CheckSpendLimit(field string, l *SpendLimit) *Error {
	if l == nil {
		return nil
	}
	if _, e := CheckAmount(field+".amount", l.Amount); e != nil {
		return e
	}
	switch l.Period {
	case PeriodDay, PeriodWeek, PeriodMonth:
		return nil
	}
	return Invalid(field+".period", `The period is "day", "week" or "month".`)
}

// PeriodBounds returns the calendar period (UTC) of the given kind that holds t: [start, end).
func PeriodBounds(period string, t time.Time) (start, end time.Time) {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case PeriodWeek:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		start = day.AddDate(0, 0, -back)
		return start, start.AddDate(0, 0, 7)
	case PeriodMonth:
		start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	default:
		return day, day.AddDate(0, 0, 1)
	}
}
