package views

import (
	"context"
	"errors"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/termsafe"
)

// ErrorField says which form field an error from the client belongs to ("" for the whole screen)
// and the sentence to show. The client's typed errors already read as sentences; the sentence
// is escaped (termsafe), since it may quote the service.
func ErrorField(err error) (field, msg string) {
	field, msg = errorField(err)
	return field, termsafe.String(msg)
}

func errorField(err error) (field, msg string) {
	if err == nil {
		return "", ""
	}
	var (
		rcpt  *client.UnknownRecipientError
		funds *client.InsufficientFundsError
		val   *client.ValidationError
	)
	switch {
	case errors.As(err, &rcpt):
		return "recipient", err.Error()
	case errors.As(err, &funds):
		return "amount", err.Error()
	case errors.As(err, &val):
		switch val.Field {
		case "recipientEmail", "recipient":
			return "recipient", err.Error()
		case "amount", "memo", "email", "password", "oldPassword", "newPassword", "code", "counterparty":
			return val.Field, err.Error()
		}
		return "", err.Error()
	}
	return "", message(err)
}

// Message is an error as one sentence for the screen, escaped (termsafe): it may quote the
// service, whose messages are text from elsewhere like any other.
func Message(err error) string { return termsafe.String(message(err)) }

func message(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return "Cancelled."
	case errors.Is(err, context.DeadlineExceeded):
		return "The service did not answer in time; try again."
	}
	return err.Error()
}

// Retryable reports whether the same request may simply be tried again (the service could not be
// reached, or did not answer): the pay review keeps its idempotency key for that retry.
func Retryable(err error) bool {
	var (
		unav *client.UnavailableError
		rl   *client.RateLimitedError
		srv  *client.ServerError
		inp  *client.IdempotencyInProgressError
	)
	return errors.As(err, &unav) || errors.As(err, &rl) || errors.As(err, &srv) || errors.As(err, &inp) ||
		errors.Is(err, context.DeadlineExceeded)
}
