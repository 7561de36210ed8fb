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
	if err := c.enter(ctx, "RegenerateRecoveryCodes"); err != nil {
		return nil, err
	}
	if code != "123456" {
		return nil, &client.ValidationError{Field: "code", Message: "The code is wrong or was already used."}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.accounts[c.me].mfa {
		return nil, &client.ConflictError{Code: api.CodeConflict, Message: "Two-factor authentication is not on."}
	}
	c.RecoveryLeft = 10
	codes := make([]string, 10)
	for i := range codes {
		codes[i] = fmt.Sprintf("zyxwvu-tsrqp%d-onmlkj-ihgfe%d", i, i)
	}
	return codes, nil
}
