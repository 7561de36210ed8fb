package ledger

import (
	"errors"
	"fmt"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// Delegation tokens with limits (issue 13). The token itself (a signed JWT) is the server's; the
// ledger keeps what it may still do: its limits, how much of them its transactions took, and
// whether it was revoked, so that every delegated Hold is checked and counted in the same
// database transaction that holds the money. A store must make the check and the count one
// step with respect to other Holds of the same token (SQLite: its single writer; PostgreSQL:
// lock the token's row, SELECT … FOR UPDATE), so that concurrent redemptions can never take a
// token past its limits.
//
// What counts: UsedCount is every transaction the token created (a cancelled one included:
// maxUses is how many transactions it may create, so a single-use token stays spent, as before
// limits existed); UsedAmount is the sum of its transactions that are not cancelled (cancelling
// gives the amount back to maxAmount).

// NewToken is what CreateToken records. Zero MaxAmount or MaxUses means no such limit.
type NewToken struct {
	ID             string // the token's id claim
	SenderID       string // the payer, who creates it
	RecipientEmail string
	MaxAmount      money.Micros
	MaxUses        int64
	ExpiresAt      time.Time
}

// Token is a delegation token as the ledger keeps it.
type Token struct {
	ID             string
	SenderID       string
	SenderEmail    string
	RecipientEmail string
	MaxAmount      money.Micros // 0: no limit
	MaxUses        int64        // 0: no limit
	UsedAmount     money.Micros
	UsedCount      int64
	CreatedAt      time.Time
	ExpiresAt      time.Time
	RevokedAt      time.Time // zero while not revoked
}

// State is the token's state at now: revoked, expired, used up, or active.
func (t Token) State(now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return api.TokenRevoked
	case !now.Before(t.ExpiresAt):
		return api.TokenExpired
	case t.MaxUses > 0 && t.UsedCount >= t.MaxUses, t.MaxAmount > 0 && t.UsedAmount >= t.MaxAmount:
		return api.TokenUsedUp
	}
	return api.TokenActive
}

// API is the token as the wire describes it (never the token itself).
func (t Token) API(now time.Time, currency string) api.TokenInfo {
	out := api.TokenInfo{
		ID: t.ID, SenderEmail: t.SenderEmail, RecipientEmail: t.RecipientEmail,
		UsedAmount: t.UsedAmount, UsedCount: t.UsedCount, State: t.State(now),
		CreatedAt: api.At(t.CreatedAt), ExpiresAt: api.At(t.ExpiresAt), Currency: currency,
	}
	if t.MaxAmount > 0 {
		m := t.MaxAmount
		out.MaxAmount = &m
	}
	if t.MaxUses > 0 {
		n := t.MaxUses
		out.MaxUses = &n
	}
	if !t.RevokedAt.IsZero() {
		r := api.At(t.RevokedAt)
		out.RevokedAt = &r
	}
	return out
}

// Token refusals of a delegated Hold (besides ErrTokenUsed, for a token issued before the ledger
// recorded tokens: those stay single use).
var (
	ErrTokenRevoked = errors.New("ledger: token revoked")
	ErrTokenExpired = errors.New("ledger: token expired")
	// ErrTokenLimit matches any *TokenLimit with errors.Is.
	ErrTokenLimit = errors.New("ledger: token limit reached")
)

// TokenLimit: the Hold would take the token past its maxUses (Uses) or its maxAmount.
type TokenLimit struct {
	Uses      bool
	MaxUses   int64
	MaxAmount money.Micros
	Remaining money.Micros // of MaxAmount, before this Hold
	Needed    money.Micros
}

func (e *TokenLimit) Error() string {
	if e.Uses {
		return fmt.Sprintf("ledger: token used %d of %d times", e.MaxUses, e.MaxUses)
	}
	return fmt.Sprintf("ledger: token allows %s more, needed %s", e.Remaining, e.Needed)
}

// Is lets errors.Is(err, ErrTokenLimit) match.
func (e *TokenLimit) Is(target error) bool { return target == ErrTokenLimit }
