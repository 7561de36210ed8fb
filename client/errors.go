package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// Every failure a person can act on has its own error type. Error() is one
// short sentence that is safe to show: it never holds a secret, and never
// the service's internals (only a validation message, which the contract
// makes a human sentence, is passed on, and only when it looks like one).
// Use errors.As to tell them apart, and [Code] for the wire code of any of
// them (the audit log and the scripting commands' --json use it).
//
// How api.Error bodies are mapped, by status and code (and field):
//
//	401 unauthenticated                 → *UnauthenticatedError
//	401 or 400 with reason recovery_code_used (a spent recovery code)
//	                                    → *RecoveryCodeUsedError (unwraps to the
//	                                      *ValidationError on "code" of any wrong code)
//	403 mfa_required                    → *MFARequiredError
//	403 forbidden                       → *ForbiddenError{Scope}
//	402 insufficient_funds              → *InsufficientFundsError
//	402 spend_limit_exceeded            → *SpendLimitError{Remaining}
//	400 invalid_request, field recipientEmail (or payments[i].recipientEmail)
//	    on a call whose recipient already passed the client's own checks
//	    (syntax, not yourself)          → *UnknownRecipientError
//	400 any other invalid_request, unsupported_currency; 413 too_large
//	                                    → *ValidationError{Field, Message}
//	404 not_found                       → *NotFoundError
//	409 conflict, account_exists; 422 idempotency_key_reused
//	                                    → *ConflictError (Code says which)
//	409 idempotency_in_progress         → *IdempotencyInProgressError
//	429 rate_limited                    → *RateLimitedError{RetryAfter}
//	503, connection refused, DNS, timeouts, an open breaker
//	                                    → *UnavailableError{Reason}
//	any other 5xx                       → *ServerError{Status}
//
// The contract gives an unknown recipient and an invalid address the same
// code and field; the client refuses a malformed address and self-payment
// itself before sending, so what the service still refuses on that field is
// an address without an account.

// UnauthenticatedError: the session is gone or the password is wrong.
type UnauthenticatedError struct {
	// BadCredentials is set when a sign-in was refused (wrong email or
	// password, wrong code), as opposed to a session that ended.
	BadCredentials bool
	// APIKey is set when the refused credential was an API key (Config.APIKey): revoked,
	// expired or mistyped. A key is never refreshed.
	APIKey bool
}

func (e *UnauthenticatedError) Error() string {
	if e.APIKey {
		return "The API key was refused: it was revoked, has expired or is mistyped (check SYFTWALLET_API_KEY)."
	}
	if e.BadCredentials {
		return "The email or password is wrong."
	}
	return "You are signed out; sign in again."
}

// MFARequiredError: the account has two-factor authentication on. From a
// Login, Challenge holds what VerifyMFA needs; from a legacy (Basic auth)
// service there is no way to pass the second factor.
type MFARequiredError struct {
	Challenge *MFAChallenge
}

func (e *MFARequiredError) Error() string {
	if e.Challenge == nil {
		return "This account has two-factor authentication on; this service cannot sign it in without a second factor."
	}
	return "Enter the code from your authenticator app (or a recovery code)."
}

// ForbiddenError: the caller may not do this (e.g. draw on another account
// without a token, or an API key without the scope).
type ForbiddenError struct {
	// Scope is the scope an API key lacks (api.ScopeRead, api.ScopePay), from the service.
	Scope string
	// APIKey is set when the call was made with an API key (Config.APIKey).
	APIKey bool
}

func (e *ForbiddenError) Error() string {
	switch {
	case e.Scope != "" && api.ValidScope(e.Scope):
		return fmt.Sprintf("This API key does not have the %q scope; create one that has it (syftwallet apikey create --scope %s).", e.Scope, e.Scope)
	case e.APIKey:
		return "An API key cannot do that: sign in with your password (unset SYFTWALLET_API_KEY) instead."
	}
	return "You are not allowed to do that."
}

// SpendLimitError: the payment would pass the API key's spend limit for the current period.
type SpendLimitError struct {
	// Remaining is what the key may still spend this period; -1 when the service did not say.
	Remaining money.Micros
}

func (e *SpendLimitError) Error() string {
	if e.Remaining < 0 {
		return "This would pass the API key's spend limit for this period."
	}
	return fmt.Sprintf("This would pass the API key's spend limit: %s is left for this period.", e.Remaining.Grouped())
}

// InsufficientFundsError: the payment needs more than is available.
type InsufficientFundsError struct {
	// Available is what the account could spend, as last known. When the
	// service refused the payment, the client reads the account again to
	// fill it in; -1 means it could not.
	Available money.Micros
	// Needed is what the payment (or batch) needs.
	Needed money.Micros
}

func (e *InsufficientFundsError) Error() string {
	if e.Available < 0 {
		return fmt.Sprintf("Insufficient funds: this needs %s.", e.Needed.Grouped())
	}
	return fmt.Sprintf("Insufficient funds: %s is available and this needs %s.", e.Available.Grouped(), e.Needed.Grouped())
}

// UnknownRecipientError: no account has that address.
type UnknownRecipientError struct {
	Email string
	// Field is where it was named, e.g. "recipientEmail" or "payments[3].recipientEmail".
	Field string
}

func (e *UnknownRecipientError) Error() string {
	if e.Email == "" {
		return "No account has that email address."
	}
	return fmt.Sprintf("No account has the address %s.", e.Email)
}

// ValidationError: a value was refused, locally or by the service.
type ValidationError struct {
	Field   string // the request field at fault, e.g. "amount", "payments[3].amount"; may be empty
	Message string // one human sentence
	code    string
}

func (e *ValidationError) Error() string {
	if e.Message == "" {
		return "That request is not valid."
	}
	return e.Message
}

// NotFoundError: the transaction (or other thing asked for) does not exist,
// or is not yours.
type NotFoundError struct{}

func (e *NotFoundError) Error() string { return "Not found: it does not exist or is not yours." }

// ConflictError: the request clashes with what already happened. Code is
// api.CodeConflict (already confirmed or cancelled, a token already used),
// api.CodeAccountExists or api.CodeIdempotencyKeyReused.
type ConflictError struct {
	Code string
	// Message is the service's own sentence for a conflict (a token revoked, or a token limit
	// reached, says which and how much is left), when it sent one.
	Message string
}

func (e *ConflictError) Error() string {
	switch e.Code {
	case api.CodeAccountExists:
		return "An account with this email address already exists; sign in instead."
	case api.CodeIdempotencyKeyReused:
		return "This request was already sent with different details; start a new one."
	}
	if e.Message != "" {
		return e.Message
	}
	return "That was already done: the transaction is resolved or the token was used."
}

// IdempotencyInProgressError: the same payment is still being processed.
type IdempotencyInProgressError struct{}

func (e *IdempotencyInProgressError) Error() string {
	return "This payment is still being processed; check your history before trying again."
}

// RateLimitedError: too many requests; wait RetryAfter.
type RateLimitedError struct {
	RetryAfter time.Duration
	// Local is set when the client's own limiter refused before sending.
	Local bool
}

func (e *RateLimitedError) Error() string {
	if e.RetryAfter <= 0 {
		return "Too many requests; wait a moment and try again."
	}
	return fmt.Sprintf("Too many requests; try again in %s.", roundUp(e.RetryAfter))
}

// UnavailableReason says why the service could not be reached.
type UnavailableReason string

// Reasons for an UnavailableError.
const (
	ReasonOffline     UnavailableReason = "offline"      // connection refused or reset, DNS, no network
	ReasonTimeout     UnavailableReason = "timeout"      // no answer before the deadline
	ReasonBreakerOpen UnavailableReason = "breaker_open" // too many recent failures: the client waits before trying again
	ReasonUnavailable UnavailableReason = "unavailable"  // the service said 503
)

// UnavailableError: the service cannot be reached or said it is unavailable.
// The call may be tried again later.
type UnavailableError struct {
	Reason     UnavailableReason
	RetryAfter time.Duration // when known (503 Retry-After, the breaker's cool-down)
	cause      error
}

func (e *UnavailableError) Error() string {
	switch e.Reason {
	case ReasonTimeout:
		return "The service did not answer in time; try again."
	case ReasonBreakerOpen:
		return "The service is failing; waiting a few seconds before trying again."
	case ReasonUnavailable:
		return "The service is not available right now; try again shortly."
	}
	return "Cannot reach the service; check your connection."
}

// Unwrap gives the underlying network error, for logs only.
func (e *UnavailableError) Unwrap() error { return e.cause }

// ServerError: the service failed (a 5xx other than 503).
type ServerError struct {
	Status    int
	RequestID string // the service's X-Request-Id, for a support request
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("The service had a problem (HTTP %d); try again later.", e.Status)
}

// UnsupportedError: the service only has the compatible layer, which lacks
// this feature (MFA, logout-all, batches).
type UnsupportedError struct {
	Feature string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("This service does not support %s.", e.Feature)
}

// coded is a client error that knows its wire code: every error type above.
type coded interface {
	error
	wireCode() string
}

func (*UnauthenticatedError) wireCode() string       { return api.CodeUnauthenticated }
func (*MFARequiredError) wireCode() string           { return api.CodeMFARequired }
func (*ForbiddenError) wireCode() string             { return api.CodeForbidden }
func (*InsufficientFundsError) wireCode() string     { return api.CodeInsufficientFunds }
func (*SpendLimitError) wireCode() string            { return api.CodeSpendLimitExceeded }
func (*UnknownRecipientError) wireCode() string      { return "unknown_recipient" }
func (*NotFoundError) wireCode() string              { return api.CodeNotFound }
func (e *ConflictError) wireCode() string            { return e.Code }
func (*IdempotencyInProgressError) wireCode() string { return api.CodeIdempotencyInProgress }
func (*RateLimitedError) wireCode() string           { return api.CodeRateLimited }
func (*UnavailableError) wireCode() string           { return api.CodeUnavailable }
func (*ServerError) wireCode() string                { return api.CodeInternal }
func (*UnsupportedError) wireCode() string           { return "unsupported" }

func (e *ValidationError) wireCode() string {
	if e.code != "" {
		return e.code
	}
	return api.CodeInvalidRequest
}

// Code returns the wire code (api.Code...) of a client error, "unavailable"
// for the reasons the service could not be reached, "unsupported" for
// UnsupportedError, "canceled" for a cancelled context, or "error".
func Code(err error) string {
	if err == nil {
		return "ok"
	}
	if c, ok := errors.AsType[coded](err); ok {
		return c.wireCode()
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "error"
}

// invalid builds a local ValidationError from an api validation helper's refusal.
func invalid(e *api.Error) *ValidationError {
	return &ValidationError{Field: e.Field, Message: e.Message, code: e.Code}
}

// response is one answer from the service, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorFrom maps a non-2xx answer to a typed error. recipient is the
// address the call named (for UnknownRecipientError), needed the amount it
// moves (for InsufficientFundsError).
func errorFrom(r *response, recipient string, needed money.Micros) error {
	var ae api.Error
	_ = json.Unmarshal(r.body, &ae) // a body that is not ours leaves ae empty: the status decides
	switch {
	case ae.Reason == api.ReasonRecoveryCodeUsed && (r.status == http.StatusUnauthorized || r.status == http.StatusBadRequest):
		return &RecoveryCodeUsedError{&ValidationError{Field: "code", Message: safeSentence(ae.Message), code: ae.Code}}
	case r.status == http.StatusUnauthorized:
		return &UnauthenticatedError{}
	case r.status == http.StatusForbidden && ae.Code == api.CodeMFARequired:
		return &MFARequiredError{}
	case r.status == http.StatusForbidden:
		return &ForbiddenError{Scope: ae.Scope}
	case r.status == http.StatusPaymentRequired && ae.Code == api.CodeSpendLimitExceeded:
		left := money.Micros(-1)
		if ae.Remaining != nil {
			left = *ae.Remaining
		}
		return &SpendLimitError{Remaining: left}
	case r.status == http.StatusPaymentRequired:
		return &InsufficientFundsError{Available: -1, Needed: needed}
	case r.status == http.StatusBadRequest && isRecipientField(ae.Field) && ae.Code != api.CodeUnsupportedCurrency:
		return &UnknownRecipientError{Email: recipient, Field: ae.Field}
	case r.status == http.StatusBadRequest, r.status == http.StatusRequestEntityTooLarge:
		code := ae.Code
		if code == "" {
			code = api.CodeInvalidRequest
		}
		return &ValidationError{Field: ae.Field, Message: safeSentence(ae.Message), code: code}
	case r.status == http.StatusNotFound:
		return &NotFoundError{}
	case r.status == http.StatusConflict && ae.Code == api.CodeIdempotencyInProgress:
		return &IdempotencyInProgressError{}
	case r.status == http.StatusConflict && ae.Code == api.CodeAccountExists:
		return &ConflictError{Code: api.CodeAccountExists}
	case r.status == http.StatusConflict:
		msg := ""
		if ae.Message != "" {
			msg = safeSentence(ae.Message)
		}
		return &ConflictError{Code: api.CodeConflict, Message: msg}
	case r.status == http.StatusUnprocessableEntity:
		return &ConflictError{Code: api.CodeIdempotencyKeyReused}
	case r.status == http.StatusTooManyRequests:
		return &RateLimitedError{RetryAfter: retryAfter(r.header)}
	case r.status == http.StatusServiceUnavailable:
		return &UnavailableError{Reason: ReasonUnavailable, RetryAfter: retryAfter(r.header)}
	case r.status >= 500:
		return &ServerError{Status: r.status, RequestID: r.header.Get(api.HeaderRequestID)}
	}
	return &ValidationError{Message: fmt.Sprintf("The service refused the request (HTTP %d).", r.status),
		code: api.CodeInvalidRequest}
}

func isRecipientField(f string) bool {
	return f == "recipientEmail" || (strings.HasPrefix(f, "payments[") && strings.HasSuffix(f, "].recipientEmail"))
}

// safeSentence passes on a service message only when it looks like one
// short human sentence; anything else is replaced.
func safeSentence(s string) string {
	const generic = "The service refused a value in this request."
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 200 {
		return generic
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return generic
		}
	}
	return s
}

func roundUp(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d.Round(time.Second)
}
