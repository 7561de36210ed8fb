package api

import (
	"fmt"

	"github.com/syftbox/syftwallet/money"
)

// Error codes, as api.md lists them.
const (
	CodeInvalidRequest        = "invalid_request"
	CodeUnauthenticated       = "unauthenticated"
	CodeInsufficientFunds     = "insufficient_funds"
	CodeForbidden             = "forbidden"
	CodeMFARequired           = "mfa_required"
	CodeNotFound              = "not_found"
	CodeAccountExists         = "account_exists"
	CodeIdempotencyInProgress = "idempotency_in_progress"
	CodeConflict              = "conflict"
	CodeTooLarge              = "too_large"
	CodeIdempotencyKeyReused  = "idempotency_key_reused"
	CodeRateLimited           = "rate_limited"
	CodeUnavailable           = "unavailable"
	CodeUnsupportedCurrency   = "unsupported_currency"
	// CodeSpendLimitExceeded (402): the API key's spend limit for its period would be passed;
	// Error.Remaining says what the key may still spend in the period.
	CodeSpendLimitExceeded = "spend_limit_exceeded"
	CodeMethodNotAllowed   = "method_not_allowed"
	CodeInternal           = "internal_error"
)

// Error is every error body on the wire: {"message", "code", "field"}.
type Error struct {
	Message string `json:"message"`
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	// Scope is set on a 403 forbidden given to an API key that lacks a scope: the one it lacks.
	Scope string `json:"scope,omitempty"`
	// Remaining is set on a 402 spend_limit_exceeded: what the key may still spend this period.
	Remaining *money.Micros `json:"remaining,omitempty"`
	// Reason narrows the code where a program may act on the difference (ReasonRecoveryCodeUsed).
	Reason string `json:"reason,omitempty"`
}

// ReasonRecoveryCodeUsed is the reason of a refused second factor (401 at /auth/mfa/verify, 400
// on code at /auth/mfa/disable) that was one of the account's recovery codes, already used.
const ReasonRecoveryCodeUsed = "recovery_code_used"

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (%s: %s)", e.Message, e.Code, e.Field)
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.Code)
}

// Invalid is a 400 naming the field at fault.
func Invalid(field, message string) *Error {
	return &Error{Message: message, Code: CodeInvalidRequest, Field: field}
}
