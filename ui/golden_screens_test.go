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

// onScreen is a scene's drive: sign in, press the screen's key (n) and, once wait is drawn
// (when given), press then.
func onScreen(n, wait string, then ...string) func(t *testing.T, tm *teatest.TestModel) {
	return func(t *testing.T, tm *teatest.TestModel) {
		signedIn(t, tm)
		keys(tm, n)
		if wait != "" {
			waitText(t, tm, wait)
		}
		keys(tm, then...)
	}
}

// typing is a scene's drive: sign in, press the screen's key (n) and, once wait is drawn, press
// before, type text (into the field that has the focus: the tokens' recipient, a filter) and
// press enter.
func typing(n, wait, text string, before ...string) func(t *testing.T, tm *teatest.TestModel) {
	return func(t *testing.T, tm *teatest.TestModel) {
		onScreen(n, wait, before...)(t, tm)
		typeInto(tm, text)
		keys(tm, "enter")
	}
}

// paid is a scene's drive: the Pay form filled in with amount (by fill), then the keys, each
// after the text before it is drawn (wait, key, wait, key...; a "" wait presses at once).
func paid(fill func(t *testing.T, tm *teatest.TestModel, amount string), amount string, steps ...string) func(t *testing.T, tm *teatest.TestModel) {
	return func(t *testing.T, tm *teatest.TestModel) {
		fill(t, tm, amount)
		for i := 0; i+1 < len(steps); i += 2 {
			if steps[i] != "" {
				waitText(t, tm, steps[i])
			}
			keys(tm, steps[i+1])
		}
	}
}

// fillPay signs in, opens Pay and, once it is drawn (the recipient has the focus), presses
// before, then types the recipient, the amount and the memo.
func fillPay(t *testing.T, tm *teatest.TestModel, to, amount, memo string, before ...string) {
	signedIn(t, tm)
	keys(tm, "2")
	waitText(t, tm, "Pay someone")
	keys(tm, before...)
	typeInto(tm, to)
	keys(tm, "tab")
	typeInto(tm, amount)
	keys(tm, "tab")
	typeInto(tm, memo)
}

func payForm(t *testing.T, tm *teatest.TestModel, amount string) {
	fillPay(t, tm, "ada@example.com", amount, "book club 📚")
}

// screenScenes are the golden frames of the signed-in screens beyond the dashboard.
func screenScenes() []scene {
	return []scene{
		{name: "pay-form", drive: func(t *testing.T, tm *teatest.TestModel) { payForm(t, tm, "12.50") }, ready: "📚"},
		{name: "pay-review", drive: paid(payForm, "12.50", "", "enter"), ready: "Review payment"},
		{name: "pay-review-large", setup: func(fc *viewstest.Client) {
			fc.AddTx("ada@example.com", "me@example.com", 2000*money.Scale, api.StatusCompleted, "invoice 42",
				viewstest.Epoch.Add(-40*24*time.Hour))
		}, drive: paid(payForm, "1,000", "", "enter"), ready: "type the amount again"},
		{name: "pay-error", drive: paid(payForm, "500", "", "enter"), ready: "is available"},
		{name: "pay-done", drive: paid(payForm, "12.50", "", "enter", "Review payment", "y"), ready: "new payment"},
		{name: "tokens", drive: onScreen("4", ""), ready: "Transaction tokens"},
		{name: "tokens-created", drive: typing("4", "Transaction tokens", "grace@example.com"), ready: "✓ Token for"},
		{name: "tokens-list", setup: tokenList, drive: onScreen("4", "router@example.com", "esc", "j"), ready: " select"},
		{name: "tokens-revoke", setup: tokenList, drive: onScreen("4", "router@example.com", "esc", "j", "x"), ready: "Revoke the token for"},
		// History and Security.
		{name: "history", drive: onScreen("3", ""), ready: "row 1 of 6"},
		{name: "history-detail", drive: onScreen("3", "row 1 of 6", "j", "j", "enter"), ready: "esc closes"},
		{name: "history-confirm", drive: onScreen("3", "row 1 of 6", "j", "j", "x"), ready: "keep it as it is"},
		{name: "history-filter-error", drive: typing("3", "row 1 of 6", "in status:sideways", "/"), ready: "sideways: the status"},
		{name: "security", drive: onScreen("5", ""), ready: "✗ off"},
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
		}, drive: onScreen("5", "✗ off", "a"), ready: "LAST USED"},
		{name: "security-enroll", drive: onScreen("5", "✗ off", "m"), ready: "6 digits · 30 s"},
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
