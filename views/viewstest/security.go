package viewstest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// The fake's answers to the Security screen: two-factor on and off, the password, signing out
// everywhere and the API keys (the recovery codes are in recovery.go).

// EnrollMFA implements views.SecurityClient.
func (c *Client) EnrollMFA(ctx context.Context) (api.MFAEnrollment, error) {
	if err := c.enter(ctx, "EnrollMFA"); err != nil {
		return api.MFAEnrollment{}, err
	}
	return c.Enrollment, nil
}

// EnableMFA implements views.SecurityClient: "123456" is the right code.
func (c *Client) EnableMFA(ctx context.Context, code string) ([]string, error) {
	if err := c.codeCall(ctx, "EnableMFA", code); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts[c.me].mfa, c.accounts[c.me].user.MFAEnabled = true, true
	c.RecoveryLeft = 10
	return codes("abcdef-ghijk%d-mnopqr-stuvw%d"), nil
}

// DisableMFA implements views.SecurityClient.
func (c *Client) DisableMFA(ctx context.Context, code string) error {
	if err := c.codeCall(ctx, "DisableMFA", code); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts[c.me].mfa, c.accounts[c.me].user.MFAEnabled = false, false
	return nil
}

// ChangePassword implements views.SecurityClient.
func (c *Client) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	return c.do(ctx, "ChangePassword", func() error {
		if c.accounts[c.me].password != oldPassword {
			return &client.UnauthenticatedError{BadCredentials: true}
		}
		if len(newPassword) < 8 {
			return &client.ValidationError{Field: "newPassword", Message: "A password needs at least 8 characters."}
		}
		c.accounts[c.me].password = newPassword
		return nil
	})
}

// LogoutAll implements views.SecurityClient.
func (c *Client) LogoutAll(ctx context.Context) error {
	return c.do(ctx, "LogoutAll", func() error {
		c.me = ""
		return nil
	})
}

// ListAPIKeys implements views.APIKeyClient.
func (c *Client) ListAPIKeys(ctx context.Context) ([]api.APIKey, error) {
	return locked(c, ctx, "ListAPIKeys", func() ([]api.APIKey, error) {
		return slices.Clone(c.APIKeys), nil
	})
}

// CreateAPIKey implements views.APIKeyClient: with two-factor on, "123456" is the right code.
// The key is "swk_" and the key's id repeated.
func (c *Client) CreateAPIKey(ctx context.Context, r client.APIKeyRequest) (api.NewAPIKey, error) {
	return locked(c, ctx, "CreateAPIKey", func() (api.NewAPIKey, error) {
		if c.accounts[c.me] != nil && c.accounts[c.me].mfa && r.Code != "123456" {
			return api.NewAPIKey{}, &client.ValidationError{Field: "code", Message: "That code is not valid; try again."}
		}
		c.seq++
		now := c.Now()
		exp := r.ExpiresAt
		if exp.IsZero() {
			exp = now.Add(api.MaxAPIKeyLifetime)
		}
		k := api.APIKey{ID: fmt.Sprintf("key-%d", c.seq), Name: r.Name, Scopes: slices.Clone(r.Scopes),
			SpendLimit: r.SpendLimit, ExpiresAt: api.At(exp), CreatedAt: api.At(now)}
		c.APIKeys = append([]api.APIKey{k}, c.APIKeys...)
		return api.NewAPIKey{APIKey: k, Key: "swk_" + strings.Repeat(k.ID, 8)}, nil
	})
}

// RevokeAPIKey implements views.APIKeyClient.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	return c.do(ctx, "RevokeAPIKey", func() error {
		for i, k := range c.APIKeys {
			if k.ID == id {
				c.APIKeys = slices.Delete(c.APIKeys, i, i+1)
				return nil
			}
		}
		return &client.NotFoundError{}
	})
}

// SetTxAPIKey marks the transaction id as made with the API key keyID.
func (c *Client) SetTxAPIKey(id, keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.txs {
		if c.txs[i].ID == id {
			c.txs[i].APIKeyID = &keyID
		}
	}
}
