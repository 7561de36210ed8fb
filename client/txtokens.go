package client

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// Transaction (delegation) tokens: a token lets its recipient create transactions from the
// caller's account (CreateDelegated, on the recipient's side) until it expires, within the
// limits set here (issue 13). The token itself is returned once, at creation; the service lists
// tokens without it.

// TokenRequest is a token to create. Zero MaxAmount or MaxUses means no such limit; zero
// ExpiresIn means the service's token lifetime (whole seconds are sent).
type TokenRequest struct {
	Recipient string
	MaxAmount money.Micros
	MaxUses   int64
	ExpiresIn time.Duration
}

func (r TokenRequest) limited() bool { return r.MaxAmount != 0 || r.MaxUses != 0 || r.ExpiresIn != 0 }

// CreatedToken is a token just made. Info is what the service recorded (nil from a service
// that does not record tokens, which only happens when no limit was asked for).
type CreatedToken struct {
	Token string
	Info  *api.TokenInfo
}

// CreateToken creates a transaction token for r.Recipient with r's limits. A service that does
// not know limits (the compatible layer alone, or an older service) would hand out a token
// without them: then CreateToken asks for none and returns an *UnsupportedError, or, when the
// service ignored them, drops the token unshown and returns the same error.
func (c *Client) CreateToken(ctx context.Context, r TokenRequest) (out CreatedToken, err error) {
	defer func() { c.record(AuditToken, "", r.Recipient, 0, "", err) }()
	if r.Recipient, err = c.checkRecipient("recipientEmail", r.Recipient); err != nil {
		return out, err
	}
	req := api.CreateTokenRequest{RecipientEmail: r.Recipient}
	if r.MaxAmount != 0 {
		m := r.MaxAmount
		if _, e := api.CheckAmount("maxAmount", &m); e != nil {
			return out, invalid(e)
		}
		req.MaxAmount = &m
	}
	if r.MaxUses != 0 {
		if r.MaxUses < 1 || r.MaxUses > api.MaxTokenUses {
			return out, &ValidationError{Field: "maxUses", Message: "The number of uses must be from 1 to 1,000,000."}
		}
		n := r.MaxUses
		req.MaxUses = &n
	}
	if r.ExpiresIn != 0 {
		s := int64(r.ExpiresIn / time.Second)
		if s < 1 {
			return out, &ValidationError{Field: "expiresIn", Message: "A token must last at least one second."}
		}
		req.ExpiresIn = &s
	}
	path := "/transactions/token"
	if c.Legacy() {
		if r.limited() {
			return out, &UnsupportedError{Feature: "limits on transaction tokens"}
		}
		path = "/token/create"
	}
	var body api.TokenBody
	if err = c.do(ctx, &call{method: http.MethodPost, path: path, auth: authUser, recipient: r.Recipient,
		body: req}, &body); err != nil {
		return out, err
	}
	if body.TokenInfo == nil && r.limited() {
		return out, &UnsupportedError{Feature: "limits on transaction tokens (the token it made was not shown)"}
	}
	return CreatedToken{Token: body.Token, Info: body.TokenInfo}, nil
}

// CreateTransactionToken creates a token without limits for recipient.
func (c *Client) CreateTransactionToken(ctx context.Context, recipient string) (string, error) {
	t, err := c.CreateToken(ctx, TokenRequest{Recipient: recipient})
	return t.Token, err
}

// Tokens lists the tokens the caller created, newest first (never the tokens themselves).
func (c *Client) Tokens(ctx context.Context) ([]api.TokenInfo, error) {
	if c.Legacy() {
		return nil, &UnsupportedError{Feature: "listing transaction tokens"}
	}
	var out api.TokensBody
	err := c.do(ctx, &call{method: http.MethodGet, path: "/transactions/tokens", auth: authUser}, &out)
	return out.Tokens, err
}

// RevokeToken ends one of the caller's tokens at once; what it already created stays as it is.
func (c *Client) RevokeToken(ctx context.Context, id string) (api.TokenInfo, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return api.TokenInfo{}, &ValidationError{Field: "id", Message: "A token id is required."}
	}
	if c.Legacy() {
		return api.TokenInfo{}, &UnsupportedError{Feature: "revoking transaction tokens"}
	}
	var out api.TokenInfoBody
	err := c.do(ctx, &call{method: http.MethodPost, path: idPath("/transactions/tokens/", id, "/revoke"),
		auth: authUser}, &out)
	return out.Token, err
}
