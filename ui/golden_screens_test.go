package ui

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// signedIn signs in and waits for the dashboard.
func signedIn(t *testing.T, tm *teatest.TestModel) {
	signInKeys(t, tm)
	waitText(t, tm, "Recent transactions")
}

func payForm(t *testing.T, tm *teatest.TestModel, amount string) {
	signedIn(t, tm)
	keys(tm, "2")
	waitText(t, tm, "Pay someone") // the recipient has the focus
	typeInto(tm, "ada@example.com")
	keys(tm, "tab")
	typeInto(tm, amount)
	keys(tm, "tab")
	typeInto(tm, "book club 📚")
}

// screenScenes are the golden frames of the signed-in screens beyond the dashboard.
func screenScenes() []scene {
	return []scene{
		{name: "pay-form", drive: func(t *testing.T, tm *teatest.TestModel) { payForm(t, tm, "12.50") }, ready: "📚"},
		{name: "pay-review", drive: func(t *testing.T, tm *teatest.TestModel) {
			payForm(t, tm, "12.50")
			keys(tm, "enter")
		}, ready: "Review payment"},
		{name: "pay-review-large", setup: func(fc *viewstest.Client) {
			fc.AddTx("ada@example.com", "me@example.com", 2000*money.Scale, api.StatusCompleted, "invoice 42",
				viewstest.Epoch.Add(-40*24*time.Hour))
		}, drive: func(t *testing.T, tm *teatest.TestModel) {
			payForm(t, tm, "1,000")
			keys(tm, "enter")
		}, ready: "type the amount again"},
		{name: "pay-error", drive: func(t *testing.T, tm *teatest.TestModel) {
			payForm(t, tm, "500")
			keys(tm, "enter")
		}, ready: "is available"},
		{name: "pay-done", drive: func(t *testing.T, tm *teatest.TestModel) {
			payForm(t, tm, "12.50")
			keys(tm, "enter")
			waitText(t, tm, "Review payment")
			keys(tm, "y")
		}, ready: "new payment"},
		{name: "tokens", drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "4")
		}, ready: "Transaction tokens"},
		{name: "tokens-created", drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "4")
			waitText(t, tm, "Transaction tokens") // the recipient has the focus
			typeInto(tm, "grace@example.com")
			keys(tm, "enter")
		}, ready: "✓ Token for"},
		{name: "tokens-list", setup: tokenList, drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "4")
			waitText(t, tm, "router@example.com")
			keys(tm, "esc", "j")
		}, ready: " select"},
		{name: "tokens-revoke", setup: tokenList, drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "4")
			waitText(t, tm, "router@example.com")
			keys(tm, "esc", "j", "x")
		}, ready: "Revoke the token for"},
		// History and Security.
		{name: "history", drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "3")
		}, ready: "row 1 of 6"},
		{name: "history-detail", drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "3")
			waitText(t, tm, "row 1 of 6")
			keys(tm, "j", "j", "enter")
		}, ready: "esc closes"},
		{name: "history-confirm", drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "3")
			waitText(t, tm, "row 1 of 6")
			keys(tm, "j", "j", "x")
		}, ready: "keep it as it is"},
		{name: "history-filter-error", drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "3")
			waitText(t, tm, "row 1 of 6")
			keys(tm, "/")
			typeInto(tm, "in status:sideways")
			keys(tm, "enter")
		}, ready: "sideways: the status"},
		{name: "security", drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "5")
		}, ready: "✗ off"},
		{name: "security-apikeys", setup: func(fc *viewstest.Client) {
			limit := money.Micros(50 * money.Scale)
			used := api.At(viewstest.Epoch.Add(-3 * time.Hour))
			fc.APIKeys = []api.APIKey{
				{ID: "key-ci", Name: "ci", Scopes: []string{"read", "pay"},
					SpendLimit: &api.SpendLimit{Amount: &limit, Period: api.PeriodDay}, SpentInPeriod: 12_500_000,
					ExpiresAt: api.At(viewstest.Epoch.Add(90 * 24 * time.Hour)), LastUsedAt: &used},
				{ID: "key-reports", Name: "nightly reports", Scopes: []string{"read"},
					ExpiresAt: api.At(viewstest.Epoch.Add(300 * 24 * time.Hour))},
			}
		}, drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "5")
			waitText(t, tm, "✗ off")
			keys(tm, "a")
		}, ready: "LAST USED"},
		{name: "security-enroll", drive: func(t *testing.T, tm *teatest.TestModel) {
			signedIn(t, tm)
			keys(tm, "5")
			waitText(t, tm, "✗ off")
			keys(tm, "m")
		}, ready: "6 digits · 30 s"},
		{name: "security-mfa-on", setup: mfaOn(3), drive: securityMFAOn, ready: ": new recovery codes"},
		{name: "security-recovery-codes", setup: mfaOn(3), drive: func(t *testing.T, tm *teatest.TestModel) {
			securityMFAOn(t, tm)
			waitText(t, tm, ": new recovery codes")
			keys(tm, "r")
			waitText(t, tm, "New recovery codes")
			typeInto(tm, "123456")
		}, ready: "I have stored them"},
	}
}

// mfaOn turns two-factor on for the signed-in account, with left recovery codes.
func mfaOn(left int) func(fc *viewstest.Client) {
	return func(fc *viewstest.Client) {
		fc.SetMFA("me@example.com", true)
		fc.RecoveryLeft = left
	}
}

// securityMFAOn signs in with a code and opens Security.
func securityMFAOn(t *testing.T, tm *teatest.TestModel) {
	signInKeys(t, tm)
	waitText(t, tm, "attempts left")
	typeInto(tm, "123456")
	waitText(t, tm, "Recent transactions")
	keys(tm, "5")
}

// tokenList gives the account three tokens: one in use with limits, one used up, one expired
// (which the list leaves out).
func tokenList(fc *viewstest.Client) {
	one, five, limit := int64(1), int64(5), money.Micros(10*money.Scale)
	exp := api.At(viewstest.Epoch.Add(3 * time.Hour))
	fc.AddToken(api.TokenInfo{ID: "tok_a", RecipientEmail: "router@example.com", MaxUses: &five, MaxAmount: &limit,
		UsedCount: 2, UsedAmount: 1_250_000, State: api.TokenActive, ExpiresAt: exp})
	fc.AddToken(api.TokenInfo{ID: "tok_b", RecipientEmail: "app@example.com", MaxUses: &one, UsedCount: 1,
		UsedAmount: 500_000, State: api.TokenUsedUp, ExpiresAt: api.At(viewstest.Epoch.Add(30 * time.Hour))})
	fc.AddToken(api.TokenInfo{ID: "tok_c", RecipientEmail: "old@example.com", State: api.TokenExpired,
		ExpiresAt: api.At(viewstest.Epoch.Add(-time.Hour))})
}
