package views

import (
	"context"
	"iter"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// The client calls each screen makes, declared here on the consumer's side so that screens can be
// tested without a network. *client.Client satisfies all of them.

// LoginClient is what the sign-in and create-account screen calls.
type LoginClient interface {
	Login(ctx context.Context, email, password string) (client.Session, error)
	Register(ctx context.Context, email, password string, organization *string) (client.Registration, error)
}

// MFAClient is what the two-factor screen calls.
type MFAClient interface {
	VerifyMFA(ctx context.Context, ch *client.MFAChallenge, code string) (client.Session, error)
}

// AccountClient reads the signed-in account.
type AccountClient interface {
	Account(ctx context.Context) (api.User, error)
	Invalidate()
}

// HistoryClient reads pages of transactions.
type HistoryClient interface {
	History(ctx context.Context, q client.HistoryQuery) (client.HistoryPage, error)
}

// ChartClient reads the daily balance series the service computes (GET /account/balance-history).
type ChartClient interface {
	BalanceHistory(ctx context.Context, days int, loc *time.Location) ([]api.BalanceDay, error)
}

// ExportClient reads every page of a filter, one after another (the history export).
type ExportClient interface {
	HistoryPages(ctx context.Context, q client.HistoryQuery) iter.Seq2[client.HistoryPage, error]
}

// PayClient sends payments.
type PayClient interface {
	Pay(ctx context.Context, p client.PayRequest) (api.Transaction, error)
}

// ResolveClient confirms or cancels pending transactions.
type ResolveClient interface {
	Confirm(ctx context.Context, id string) (api.Transaction, error)
	Cancel(ctx context.Context, id string) (api.Transaction, error)
}

// TokenClient creates, lists and revokes transaction (delegation) tokens.
type TokenClient interface {
	CreateToken(ctx context.Context, r client.TokenRequest) (client.CreatedToken, error)
	Tokens(ctx context.Context) ([]api.TokenInfo, error)
	RevokeToken(ctx context.Context, id string) (api.TokenInfo, error)
}

// SecurityClient manages the second factor, the password and sessions.
type SecurityClient interface {
	EnrollMFA(ctx context.Context) (api.MFAEnrollment, error)
	EnableMFA(ctx context.Context, code string) ([]string, error)
	DisableMFA(ctx context.Context, code string) error
	ChangePassword(ctx context.Context, oldPassword, newPassword string) error
	LogoutAll(ctx context.Context) error
}

// RecoveryClient counts the recovery codes left and makes a new set (the Security screen).
type RecoveryClient interface {
	MFAStatus(ctx context.Context) (api.MFAStatus, error)
	RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error)
}

// APIKeyClient lists, creates and revokes the account's API keys (the Security screen).
type APIKeyClient interface {
	ListAPIKeys(ctx context.Context) ([]api.APIKey, error)
	CreateAPIKey(ctx context.Context, r client.APIKeyRequest) (api.NewAPIKey, error)
	RevokeAPIKey(ctx context.Context, id string) error
}

// SessionClient is what the root calls around a session.
type SessionClient interface {
	Resume(ctx context.Context, email string) (client.Session, error)
	Logout(ctx context.Context) error
	Session() client.Session
	BreakerState() client.BreakerState
	EventsAvailable() bool
	Legacy() bool
	ApplyBalance(b api.Balance)
	AccessToken(ctx context.Context) (string, error)
	Refresh(ctx context.Context) (string, error)
	BaseURL() string
}

// Client is every call the TUI makes.
type Client interface {
	LoginClient
	MFAClient
	AccountClient
	HistoryClient
	ChartClient
	ExportClient
	PayClient
	ResolveClient
	TokenClient
	SecurityClient
	RecoveryClient
	APIKeyClient
	SessionClient
}

var _ Client = (*client.Client)(nil)
