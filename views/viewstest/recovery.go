package viewstest

import (
	"context"
	"fmt"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// SpentRecoveryCode is a recovery code that was used already: VerifyMFA answers it as the
// service does a spent one, with a *client.RecoveryCodeUsedError.
const SpentRecoveryCode = "spentx-spentx-spentx-spentx"

func spentRecoveryCode() error {
	return &client.RecoveryCodeUsedError{ValidationError: &client.ValidationError{Field: "code",
		Message: "This recovery code was already used: 4 more tries for this sign-in."}}
}

// MFAStatus implements views.RecoveryClient: RecoveryLeft while two-factor is on.
func (c *Client) MFAStatus(ctx context.Context) (api.MFAStatus, error) {
	if err := c.enter(ctx, "MFAStatus"); err != nil {
		return api.MFAStatus{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.me == "" || !c.accounts[c.me].mfa {
		return api.MFAStatus{}, nil
	}
	return api.MFAStatus{Enabled: true, RecoveryCodesLeft: c.RecoveryLeft}, nil
}

// RegenerateRecoveryCodes implements views.RecoveryClient: "123456" is the right code; ten new
// codes, which RecoveryLeft then counts.
func (c *Client) RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error) {
	if err := c.codeCall(ctx, "RegenerateRecoveryCodes", code); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.accounts[c.me].mfa {
		return nil, &client.ConflictError{Code: api.CodeConflict, Message: "Two-factor authentication is not on."}
	}
	c.RecoveryLeft = 10
	return codes("zyxwvu-tsrqp%d-onmlkj-ihgfe%d"), nil
}

// codeCall enters method and refuses any code but "123456", as the service a wrong code.
func (c *Client) codeCall(ctx context.Context, method, code string) error {
	if err := c.enter(ctx, method); err != nil {
		return err
	}
	if code != "123456" {
		return &client.ValidationError{Field: "code", Message: "That code is not valid; try again."}
	}
	return nil
}

// codes are ten recovery codes of a pattern with two %d (the code's number).
func codes(pattern string) []string {
	out := make([]string, 10)
	for i := range out {
		out[i] = fmt.Sprintf(pattern, i, i)
	}
	return out
}
