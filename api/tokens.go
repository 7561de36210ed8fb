package api

import "github.com/syftbox/syftwallet/money"

// Transaction (delegation) tokens with limits (issue 13; docs/api-decisions.md, "Reusable
// transaction tokens"). A token lets its recipient create delegated transactions from its sender
// until it expires, within the limits the sender set when creating it.

// CreateTokenRequest is POST /token/create and POST /transactions/token. The limits are enhanced
// fields: absent or null means no limit (maxAmount, maxUses) or the configured lifetime
// (expiresIn, in seconds, at most that lifetime). Old clients send only recipientEmail.
type CreateTokenRequest struct {
	RecipientEmail string        `json:"recipientEmail"`
	MaxAmount      *money.Micros `json:"maxAmount,omitempty"`
	MaxUses        *int64        `json:"maxUses,omitempty"`
	ExpiresIn      *int64        `json:"expiresIn,omitempty"`
}

// MaxTokenUses bounds maxUses.
const MaxTokenUses = 1_000_000

// Token states, as TokenInfo.State has them.
const (
	TokenActive  = "active"  // may still be used
	TokenUsedUp  = "used_up" // every use taken, or the whole maxAmount taken by live transactions
	TokenExpired = "expired"
	TokenRevoked = "revoked"
)

// TokenInfo describes a token without the token itself: the list of GET /transactions/tokens,
// the tokenInfo of a creation, and the data of the token.* events. UsedAmount is the sum of the
// token's transactions that are not cancelled (a cancelled one gives its amount back);
// UsedCount counts every transaction it created, cancelled ones included.
type TokenInfo struct {
	ID             string        `json:"id"`
	SenderEmail    string        `json:"senderEmail"`
	RecipientEmail string        `json:"recipientEmail"`
	MaxAmount      *money.Micros `json:"maxAmount"`
	MaxUses        *int64        `json:"maxUses"`
	UsedAmount     money.Micros  `json:"usedAmount"`
	UsedCount      int64         `json:"usedCount"`
	State          string        `json:"state"`
	CreatedAt      Time          `json:"createdAt"`
	ExpiresAt      Time          `json:"expiresAt"`
	RevokedAt      *Time         `json:"revokedAt"`
	Currency       string        `json:"currency"`
}

// TokensBody is GET /transactions/tokens: the caller's tokens, newest first.
type TokensBody struct {
	Tokens []TokenInfo `json:"tokens"`
}

// TokenInfoBody is POST /transactions/tokens/{id}/revoke.
type TokenInfoBody struct {
	Token TokenInfo `json:"token"`
}

// Token event types, sent to the token's sender (the payer).
const (
	EventTokenCreated = "token.created"
	EventTokenUsed    = "token.used"
	EventTokenRevoked = "token.revoked"
)
