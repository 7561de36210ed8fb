package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/syftbox/syftwallet/api"
)

// Recovery codes after two-factor is on: how many are left, and a new set.

// RecoveryCodeUsedError: the code was one of the account's recovery codes, and it was used
// already (at sign-in, VerifyMFA; at DisableMFA). It counts as a wrong code at the service, and
// it unwraps to the *ValidationError on "code" that any wrong code is, so a caller that knows only
// wrong codes handles it the same; one that knows it can say "already used".
type RecoveryCodeUsedError struct {
	*ValidationError
}

func (e *RecoveryCodeUsedError) Unwrap() error { return e.ValidationError }

// MFAStatus says whether two-factor authentication is on and how many unused recovery codes are
// left. A service from before recovery codes could be counted answers *UnsupportedError.
func (c *Client) MFAStatus(ctx context.Context) (api.MFAStatus, error) {
	var out api.MFAStatus
	if c.Legacy() {
		return out, &UnsupportedError{Feature: "two-factor authentication"}
	}
	err := c.do(ctx, &call{method: http.MethodGet, path: "/auth/mfa", auth: authUser}, &out)
	return out, olderService(err, "counting recovery codes")
}

// RegenerateRecoveryCodes replaces every recovery code of the account (used or not) with new
// ones, returned this once. code must be a current code from the authenticator app: a recovery
// code cannot make new ones (a *ValidationError on "code").
func (c *Client) RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error) {
	if c.Legacy() {
		return nil, &UnsupportedError{Feature: "two-factor authentication"}
	}
	if code == "" {
		return nil, &ValidationError{Field: "code", Message: "Enter the code from your authenticator app.", code: api.CodeInvalidRequest}
	}
	var out api.RecoveryCodes
	err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/mfa/recovery-codes", auth: authUser,
		body: api.MFACode{Code: code}}, &out)
	if err != nil {
		return nil, olderService(err, "new recovery codes")
	}
	return out.RecoveryCodes, nil
}

// olderService turns the 404 of a route this service does not have into *UnsupportedError.
func olderService(err error, feature string) error {
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return &UnsupportedError{Feature: feature}
	}
	return err
}
