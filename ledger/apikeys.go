package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// APIKeyStore keeps API keys (issue 12): long-lived credentials of one account, limited to
// scopes and optionally to a spend limit per calendar period (api.PeriodBounds). The secret
// arrives hashed; the store never sees it in the clear and looks keys up by that hash.
//
// The spend limit is enforced by the money calls of Ledger, not here: a Payment, Batch or Hold
// with APIKeyID set checks, inside its own database transaction, that the key is live and that
// the amount fits what is left of the limit in the current period, adds the amount to the key's
// spending, and records the key's id on each transaction it writes (Transaction.APIKeyID).
// Cancelling a hold made with a key gives its amount back to the key's period if that period
// has not ended. A store that implements APIKeyStore must do all of that in its money calls.
type APIKeyStore interface {
	// CreateAPIKey stores a new key and appends security.api_key_created (data: the key's
	// api.APIKey) to the owner's outbox. ErrTooManyKeys when the account already has
	// api.MaxAPIKeys live keys.
	CreateAPIKey(ctx context.Context, k NewAPIKey) (APIKey, error)
	// APIKeys lists the account's live keys (neither revoked nor expired), newest first.
	APIKeys(ctx context.Context, accountID string) ([]APIKey, error)
	// APIKeyByHash finds a key by the hash of its secret, revoked or expired ones included (the
	// caller checks Live). ErrNotFound when none has that hash.
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	// RevokeAPIKey revokes a live key of the account at once and appends security.api_key_revoked.
	// ErrNotFound when the account has no live key with that id (another account's key included).
	RevokeAPIKey(ctx context.Context, accountID, id string) (APIKey, error)
	// TouchAPIKey records that the key was used at `at`; LastUsedAt only moves forward.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

// NewAPIKey is what CreateAPIKey needs. Hash is the SHA-256 of the secret. Limit 0 is no limit
// (Period is then ""). Scopes are api.Scope* values, checked by the caller.
type NewAPIKey struct {
	AccountID string
	Name      string
	Scopes    []string
	Hash      []byte
	Limit     money.Micros
	Period    string
	ExpiresAt time.Time
}

// APIKey is a stored key (never its secret). Spent is what it spent in the period that starts at
// PeriodStart; SpentAt tells what it spent in the period of a given time.
type APIKey struct {
	ID          string
	AccountID   string
	Name        string
	Scopes      []string
	Limit       money.Micros // 0: no limit
	Period      string       // api.PeriodDay, PeriodWeek, PeriodMonth; "" without a limit
	CreatedAt   time.Time
	ExpiresAt   time.Time
	LastUsedAt  time.Time // zero: never used
	RevokedAt   time.Time // zero: not revoked
	Spent       money.Micros
	PeriodStart time.Time
}

// Live reports whether the key may be used at now.
func (k APIKey) Live(now time.Time) bool { return k.RevokedAt.IsZero() && now.Before(k.ExpiresAt) }

// Has reports whether the key carries scope.
func (k APIKey) Has(scope string) bool { return slices.Contains(k.Scopes, scope) }

// SpentAt is what the key spent in the period holding now (0 without a limit).
func (k APIKey) SpentAt(now time.Time) money.Micros {
	if k.Limit == 0 {
		return 0
	}
	if start, _ := api.PeriodBounds(k.Period, now); !start.Equal(k.PeriodStart) {
		return 0
	}
	return k.Spent
}

// API is the key as GET /auth/api-keys shows it at now.
func (k APIKey) API(now time.Time) api.APIKey {
	out := api.APIKey{ID: k.ID, Name: k.Name, Scopes: k.Scopes, ExpiresAt: api.At(k.ExpiresAt),
		CreatedAt: api.At(k.CreatedAt)}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	if !k.LastUsedAt.IsZero() {
		t := api.At(k.LastUsedAt)
		out.LastUsedAt = &t
	}
	if k.Limit > 0 {
		limit := k.Limit
		out.SpendLimit = &api.SpendLimit{Amount: &limit, Period: k.Period}
		out.SpentInPeriod = k.SpentAt(now)
		_, end := api.PeriodBounds(k.Period, now)
		e := api.At(end)
		out.PeriodEndsAt = &e
	}
	return out
}

// API key errors.
var (
	// ErrTooManyKeys: the account has api.MaxAPIKeys live keys already.
	ErrTooManyKeys = errors.New("ledger: too many API keys")
	// ErrSpendLimitExceeded matches any *SpendLimitExceeded with errors.Is.
	ErrSpendLimitExceeded = errors.New("ledger: API key spend limit exceeded")
)

// SpendLimitExceeded is returned (wrapped in ItemError for batches) when a money call made with an
// API key would take the key past its spend limit for the period. Remaining is what the key may
// still spend until PeriodEnd.
type SpendLimitExceeded struct {
	Limit     money.Micros
	Remaining money.Micros
	Period    string
	PeriodEnd time.Time
}

func (e *SpendLimitExceeded) Error() string {
	return fmt.Sprintf("ledger: API key spend limit exceeded: %s of %s per %s remaining", e.Remaining, e.Limit, e.Period)
}

// Is lets errors.Is(err, ErrSpendLimitExceeded) match.
func (e *SpendLimitExceeded) Is(target error) bool { return target == ErrSpendLimitExceeded }
