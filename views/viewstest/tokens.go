package viewstest

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// The fake's transaction (delegation) tokens: what the Tokens screen calls.

// FakeToken is the token the fake makes for recipient: shaped like the service's (a JWT of about
// 300 characters), deterministic for golden frames.
func FakeToken(recipient string) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(
		`{"id":"tok_fake-%s","senderEmail":"me@example.com","recipientEmail":%q,"iat":1796036064,"exp":1796122464}`,
		recipient, recipient)))
	return "eyJhbGciOiJFZERTQSIsImtpZCI6ImZqbFBTZ0RpY0c4IiwidHlwIjoidHhuK2p3dCJ9." + payload + "." +
		strings.Repeat("c2lnbmF0dXJl", 7)
}

// CreateToken implements views.TokenClient: it records the token, as the service does.
func (c *Client) CreateToken(ctx context.Context, r client.TokenRequest) (client.CreatedToken, error) {
	return locked(c, ctx, "CreateToken", func() (client.CreatedToken, error) {
		c.seq++
		life := r.ExpiresIn
		if life == 0 {
			life = 24 * time.Hour
		}
		info := api.TokenInfo{ID: fmt.Sprintf("tok_%d", c.seq), SenderEmail: c.me, RecipientEmail: r.Recipient,
			State: api.TokenActive, CreatedAt: api.At(c.Now()), ExpiresAt: api.At(c.Now().Add(life)), Currency: "USD"}
		if r.MaxAmount != 0 {
			m := r.MaxAmount
			info.MaxAmount = &m
		}
		if r.MaxUses != 0 {
			n := r.MaxUses
			info.MaxUses = &n
		}
		c.tokens = append([]api.TokenInfo{info}, c.tokens...)
		out := info
		return client.CreatedToken{Token: FakeToken(r.Recipient), Info: &out}, nil
	})
}

// AddToken lists a token as if it had been made and used (golden frames, list tests).
func (c *Client) AddToken(t api.TokenInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens = append(c.tokens, t)
}

// Tokens implements views.TokenClient.
func (c *Client) Tokens(ctx context.Context) ([]api.TokenInfo, error) {
	return locked(c, ctx, "Tokens", func() ([]api.TokenInfo, error) {
		return slices.Clone(c.tokens), nil
	})
}

// RevokeToken implements views.TokenClient.
func (c *Client) RevokeToken(ctx context.Context, id string) (api.TokenInfo, error) {
	return locked(c, ctx, "RevokeToken", func() (api.TokenInfo, error) {
		for i := range c.tokens {
			if c.tokens[i].ID == id {
				at := api.At(c.Now())
				c.tokens[i].State, c.tokens[i].RevokedAt = api.TokenRevoked, &at
				return c.tokens[i], nil
			}
		}
		return api.TokenInfo{}, &client.NotFoundError{}
	})
}
