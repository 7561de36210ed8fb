package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"runtime/debug"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// statusOf is the HTTP status of each error code of api.md.
func statusOf(code string) int {
	switch code {
	case api.CodeInvalidRequest, api.CodeUnsupportedCurrency:
		return http.StatusBadRequest
	case api.CodeUnauthenticated:
		return http.StatusUnauthorized
	case api.CodeInsufficientFunds, api.CodeSpendLimitExceeded:
		return http.StatusPaymentRequired
	case api.CodeForbidden, api.CodeMFARequired:
		return http.StatusForbidden
	case api.CodeNotFound:
		return http.StatusNotFound
	case api.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case api.CodeAccountExists, api.CodeIdempotencyInProgress, api.CodeConflict:
		return http.StatusConflict
	case api.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case api.CodeIdempotencyKeyReused:
		return http.StatusUnprocessableEntity
	case api.CodeRateLimited:
		return http.StatusTooManyRequests
	case api.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// render is the one way a body becomes bytes, so a kept idempotent response and a fresh one are
// written identically.
func render(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("server: cannot render a response body") // our wire types always marshal
	}
	return append(b, '\n')
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) { writeBody(w, status, render(v)) }

// writeNoContent answers 204: no body (so no Content-Type), and nothing to cache.
func writeNoContent(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNoContent)
}

func writeError(w http.ResponseWriter, e *api.Error) {
	status := statusOf(e.Code)
	switch status {
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		if w.Header().Get(api.HeaderRetryAfter) == "" {
			w.Header().Set(api.HeaderRetryAfter, "1")
		}
	case http.StatusUnauthorized:
		if w.Header().Get("WWW-Authenticate") == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="syftwallet", charset="UTF-8"`)
		}
	}
	writeBody(w, status, render(e))
}

// fail sends err as a JSON error. Errors that are not part of the contract are logged (with the
// request id) and sent as 500 internal_error without their text.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	setRetryAfter(w, err)
	if errors.Is(err, ledger.ErrStorageFull) {
		setStorageRetryAfter(w)
	}
	writeError(w, s.apiError(r.Context(), w.Header().Get(api.HeaderRequestID), err))
}

// apiError maps an error to its wire form. Only fixed sentences reach the body.
func (s *Server) apiError(ctx context.Context, requestID string, err error) *api.Error {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae
	}
	var ie *ledger.ItemError
	if errors.As(err, &ie) {
		inner := *s.apiError(ctx, requestID, ie.Err)
		if inner.Code == api.CodeInternal || inner.Code == api.CodeUnavailable {
			return &inner
		}
		field := inner.Field
		if field == "" {
			field = "amount"
		}
		inner.Field = fmt.Sprintf("payments[%d].%s", ie.Index, field)
		return &inner
	}
	if te := tokenRefusal(err); te != nil {
		return te
	}
	var insufficient *ledger.InsufficientFunds
	var overLimit *ledger.SpendLimitExceeded
	switch {
	case errors.As(err, &overLimit):
		return spendLimitError(overLimit)
	case errors.Is(err, ledger.ErrRevoked):
		// Only a money call made with an API key revoked while the request ran gets here.
		return errKeyRevoked
	case errors.Is(err, ledger.ErrExpired):
		return errKeyExpired
	case errors.As(err, &insufficient):
		return &api.Error{Code: api.CodeInsufficientFunds, Message: fmt.Sprintf(
			"Insufficient funds: %s is available and this needs %s.", insufficient.Available, insufficient.Needed)}
	case errors.Is(err, ledger.ErrInsufficientFunds):
		return &api.Error{Code: api.CodeInsufficientFunds, Message: "Insufficient funds."}
	case errors.Is(err, ledger.ErrNotFound):
		return notFound()
	case errors.Is(err, ledger.ErrAccountExists):
		return errAccountExists()
	case errors.Is(err, ledger.ErrUnknownRecipient):
		return errUnknownAccount("recipientEmail")
	case errors.Is(err, ledger.ErrSelfPayment):
		return errSelfPayment("recipientEmail")
	case errors.Is(err, ledger.ErrConflict):
		return &api.Error{Code: api.CodeConflict, Message: "This transaction was already confirmed or cancelled."}
	case errors.Is(err, ledger.ErrKeyReused):
		return errKeyReused()
	case errors.Is(err, ledger.ErrBalanceLimit):
		return api.Invalid("amount", "This amount would take a balance past the most this ledger can hold.")
	case errors.Is(err, ledger.ErrBadCursor):
		return api.Invalid("cursor", "The cursor is not valid: use the nextCursor of a previous page.")
	case errors.Is(err, ledger.ErrStorageFull):
		s.noteStorageFull(ctx, requestID, err)
		return errStorageFull()
	case errors.Is(err, ledger.ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &api.Error{Code: api.CodeUnavailable, Message: "The service is not available right now; try again."}
	}
	s.log.ErrorContext(ctx, "request failed", "requestId", requestID, "error", err.Error())
	return &api.Error{Code: api.CodeInternal, Message: "Something went wrong on our side."}
}

func errAccountExists() *api.Error {
	return &api.Error{Code: api.CodeAccountExists, Message: "An account with this email address already exists."}
}

func errUnknownAccount(field string) *api.Error {
	return api.Invalid(field, "No account has that email address.")
}

func errSelfPayment(field string) *api.Error {
	return api.Invalid(field, "You cannot pay yourself.")
}

func errKeyReused() *api.Error {
	return &api.Error{Code: api.CodeIdempotencyKeyReused,
		Message: "This idempotency key was already used with a different request."}
}

// readBody reads the whole request body (the outer layer limits it to api.MaxBodyBytes).
func readBody(r *http.Request) ([]byte, *api.Error) {
	if r.Body == nil {
		return nil, api.Invalid("", "A JSON body is required.")
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &api.Error{Code: api.CodeTooLarge, Message: "The request body is too large (at most 64 KiB)."}
		}
		return nil, api.Invalid("", "The request body could not be read.")
	}
	return b, nil
}

// decode reads the request body as one JSON object into v (unknown fields are ignored).
func decode(r *http.Request, v any) *api.Error { return decodeAs(r, v, "amount") }

// decodeAs is decode for a body whose amount field has another name: a malformed amount is blamed
// on amountField.
func decodeAs(r *http.Request, v any, amountField string) *api.Error {
	b, e := readBody(r)
	if e != nil {
		return e
	}
	return decodeJSON(b, v, "", amountField)
}

// decodeJSON decodes one JSON value from b into v. A wrong type is a 400 naming the field
// (prefixed by prefix); a malformed amount is blamed on amountField.
func decodeJSON(b []byte, v any, prefix, amountField string) *api.Error {
	if len(bytes.TrimSpace(b)) == 0 {
		return api.Invalid(trimDot(prefix), "A JSON body is required.")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return api.Invalid(trimDot(prefix), what(prefix)+" must be a single JSON object.")
		}
		return nil
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return api.Invalid(trimDot(prefix), what(prefix)+" must be a JSON object.")
		}
		field := prefix + te.Field
		if te.Field == "metadata" {
			return api.Invalid(field, "metadata must be a flat object of string values.")
		}
		return api.Invalid(field, fmt.Sprintf("%s must be %s.", field, kindOf(te.Type)))
	case errors.Is(err, money.ErrPrecision):
		return api.Invalid(prefix+amountField, "An amount may have at most 6 decimal places.")
	case errors.Is(err, money.ErrRange):
		return api.Invalid(prefix+amountField, "The amount is too large (at most 1,000,000,000,000).")
	case errors.Is(err, money.ErrSyntax):
		return api.Invalid(prefix+amountField, "The amount must be a decimal number, such as 10.5 or \"10.50\".")
	}
	return api.Invalid(trimDot(prefix), what(prefix)+" is not valid JSON.")
}

// what names the JSON value being decoded in a message: the body, or an item of it.
func what(prefix string) string {
	if prefix == "" {
		return "The body"
	}
	return trimDot(prefix)
}

func trimDot(prefix string) string {
	if n := len(prefix); n > 0 && prefix[n-1] == '.' {
		return prefix[:n-1]
	}
	return prefix
}

// kindOf names a Go type the way a JSON client thinks of it.
func kindOf(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map:
		if t.Elem().Kind() == reflect.String {
			return "an object of strings"
		}
		return "an object"
	case reflect.Struct:
		return "an object"
	}
	return "another type"
}

// stack is the current goroutine's stack, for the server log only.
func stack() string { return string(debug.Stack()) }
