package api

import (
	"encoding/json"
	"time"

	"github.com/syftbox/syftwallet/money"
)

// TimeLayout is RFC 3339 in UTC with milliseconds, as every time on the wire is written.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Time is a time on the wire: RFC 3339, UTC, milliseconds.
type Time struct{ time.Time }

// At wraps t, truncated to milliseconds in UTC.
func At(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// MarshalJSON writes 2026-11-29T10:54:24.123Z.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v.UTC()
	return nil
}

// Transaction statuses, parties and directions, upper case on the wire as the compatible layer has them.
const (
	StatusPending   = "PENDING"
	StatusCompleted = "COMPLETED"
	StatusCancelled = "CANCELLED"

	PartySystem    = "SYSTEM"
	PartySender    = "SENDER"
	PartyRecipient = "RECIPIENT"

	DirectionIn  = "in"
	DirectionOut = "out"
)

// User is an account as GET /user/my-info and GET /account return it.
type User struct {
	ID               string       `json:"id"`
	Email            string       `json:"email"`
	Balance          money.Micros `json:"balance"`
	Organization     *string      `json:"organization"`
	AvailableBalance money.Micros `json:"availableBalance"`
	Currency         string       `json:"currency"`
	MFAEnabled       bool         `json:"mfaEnabled"`
	CreatedAt        Time         `json:"createdAt"`
}

// Transaction is one movement of money between two accounts.
type Transaction struct {
	ID             string            `json:"id"`
	SenderEmail    string            `json:"senderEmail"`
	RecipientEmail string            `json:"recipientEmail"`
	Amount         money.Micros      `json:"amount"`
	Status         string            `json:"status"`
	CreatedBy      string            `json:"createdBy"`
	ResolvedBy     *string           `json:"resolvedBy"`
	CreatedAt      Time              `json:"createdAt"`
	ResolvedAt     *Time             `json:"resolvedAt"`
	AppName        *string           `json:"appName"`
	AppEpPath      *string           `json:"appEpPath"`
	Memo           *string           `json:"memo"`
	Metadata       map[string]string `json:"metadata"`
	Currency       string            `json:"currency"`
	Direction      string            `json:"direction,omitempty"`
	// APIKeyID is the API key the transaction was created with, shown only to the key's owner
	// (absent when it was made with a session or Basic, and for the other party).
	APIKeyID *string `json:"apiKeyId,omitempty"`
}

// Counterparty is the other party's email as seen by the caller.
func (t Transaction) Counterparty() string {
	if t.Direction == DirectionOut {
		return t.RecipientEmail
	}
	return t.SenderEmail
}

// Wrapped bodies of the compatible layer.
type (
	UserBody struct {
		User User `json:"user"`
	}
	UsersBody struct {
		Users []User `json:"users"`
	}
	TransactionBody struct {
		Transaction Transaction `json:"transaction"`
	}
	TransactionsBody struct {
		Transactions []Transaction `json:"transactions"`
	}
	// TokenBody is a created token; TokenInfo (enhanced, ignored by old clients) describes it.
	TokenBody struct {
		Token     string     `json:"token"`
		TokenInfo *TokenInfo `json:"tokenInfo,omitempty"`
	}
)

// TransactionsPage is GET /transactions when the caller asked for a limit.
type TransactionsPage struct {
	Transactions []Transaction `json:"transactions"`
	NextCursor   *string       `json:"nextCursor"`
	HasMore      bool          `json:"hasMore"`
}

// CreateUserRequest is POST /user/create and POST /auth/register.
type CreateUserRequest struct {
	Email        string  `json:"email"`
	Password     *string `json:"password"`
	Organization *string `json:"organization"`
}

// CreateUserResponse carries the generated password exactly once (null when the caller chose one).
type CreateUserResponse struct {
	User     User    `json:"user"`
	Password *string `json:"password"`
}

// PasswordChange is PUT /user/update-password and POST /auth/password.
type PasswordChange struct {
	OldPassword string `json:"oldPassword"`
	NewPassword string `json:"newPassword"`
}

// OrganizationUpdate is PUT /user/update-organization.
type OrganizationUpdate struct {
	Organization *string `json:"organization"`
}

// CreateTransactionRequest is POST /transaction/create, direct (no token) or delegated (token).
type CreateTransactionRequest struct {
	SenderEmail    string        `json:"senderEmail"`
	RecipientEmail string        `json:"recipientEmail"`
	Amount         *money.Micros `json:"amount"`
	Token          *string       `json:"token"`
	AppName        *string       `json:"appName"`
	AppEpPath      *string       `json:"appEpPath"`
	Currency       *string       `json:"currency,omitempty"` // absent: the deployment's (api.CheckCurrency)
	IdempotencyKey string        `json:"idempotencyKey,omitempty"`
}

// TransactionRef names a transaction: POST /transaction/confirm and /transaction/cancel.
type TransactionRef struct {
	TransactionID string `json:"transactionId"`
}

// RecipientRequest names a recipient (CreateTokenRequest is POST /token/create's whole body).
type RecipientRequest struct {
	RecipientEmail string `json:"recipientEmail"`
}

// AddBalanceRequest is the admin's POST /user/add-balance.
type AddBalanceRequest struct {
	RecipientEmail string        `json:"recipientEmail"`
	Amount         *money.Micros `json:"amount"`
	Currency       *string       `json:"currency,omitempty"` // absent: the deployment's
}

// PaymentRequest is POST /payments: a payment completed at once.
type PaymentRequest struct {
	RecipientEmail string            `json:"recipientEmail"`
	Amount         *money.Micros     `json:"amount"`
	Currency       *string           `json:"currency,omitempty"`
	Memo           *string           `json:"memo,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	IdempotencyKey string            `json:"idempotencyKey,omitempty"`
}

// BatchItem is one payment of POST /transactions/batch.
type BatchItem struct {
	RecipientEmail string            `json:"recipientEmail"`
	Amount         *money.Micros     `json:"amount"`
	Currency       *string           `json:"currency,omitempty"` // absent: the batch's, else the deployment's
	Memo           *string           `json:"memo,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
}

// BatchRequest is POST /transactions/batch: 1 to MaxBatch payments, all or nothing.
type BatchRequest struct {
	Payments       []BatchItem `json:"payments"`
	Currency       *string     `json:"currency,omitempty"` // absent: the deployment's
	IdempotencyKey string      `json:"idempotencyKey,omitempty"`
}

// Credentials is POST /auth/login and POST /auth/mfa/initiate.
type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Tokens is what a successful sign-in or refresh returns.
type Tokens struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	User         User   `json:"user"`
}

// LoginResponse is POST /auth/login: tokens, or an MFA challenge when MFA is on.
type LoginResponse struct {
	Tokens
	MFARequired bool   `json:"mfaRequired,omitempty"`
	ChallengeID string `json:"challengeId,omitempty"`
}

// MFAChallenge is POST /auth/mfa/initiate (and the challenge form of a login).
type MFAChallenge struct {
	MFARequired bool     `json:"mfaRequired,omitempty"`
	ChallengeID string   `json:"challengeId"`
	Methods     []string `json:"methods,omitempty"`
	ExpiresIn   int      `json:"expiresIn"`
}

// MFAVerifyRequest is POST /auth/mfa/verify.
type MFAVerifyRequest struct {
	ChallengeID string `json:"challengeId"`
	Code        string `json:"code"`
}

// RefreshRequest is POST /auth/refresh.
type RefreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

// LogoutRequest is POST /auth/logout.
type LogoutRequest struct {
	RefreshToken *string `json:"refreshToken,omitempty"`
}

// MFAEnrollment is POST /auth/mfa/enroll.
type MFAEnrollment struct {
	Secret     string `json:"secret"`
	OtpauthURL string `json:"otpauthUrl"`
}

// MFACode is POST /auth/mfa/enable and /auth/mfa/disable.
type MFACode struct {
	Code string `json:"code"`
}

// RecoveryCodes is what enabling MFA returns, once.
type RecoveryCodes struct {
	RecoveryCodes []string `json:"recoveryCodes"`
}

// JWK is one public key of GET /auth/jwks.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS is GET /auth/jwks.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// Health is GET /healthz.
type Health struct {
	Status string `json:"status"`
}

// Event is one frame of GET /events.
type Event struct {
	Seq  int64           `json:"seq"`
	Type string          `json:"type"`
	At   *Time           `json:"at,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Event types.
const (
	EventHello                = "hello"
	EventResync               = "resync"
	EventPaymentSent          = "payment.sent"
	EventPaymentReceived      = "payment.received"
	EventTransactionPending   = "transaction.pending"
	EventTransactionCompleted = "transaction.completed"
	EventTransactionCancelled = "transaction.cancelled"
	EventBalanceUpdated       = "balance.updated"
	EventSecurityLogin        = "security.login"
	EventSecurityMFAChanged   = "security.mfa_changed"
	EventSessionRevoked       = "session.revoked"
)

// Balance is the data of a balance.updated event.
type Balance struct {
	Balance          money.Micros `json:"balance"`
	AvailableBalance money.Micros `json:"availableBalance"`
}

// Headers with a meaning in the contract.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderReplayed       = "Idempotent-Replayed"
	HeaderRequestID      = "X-Request-Id"
	HeaderRetryAfter     = "Retry-After"
)

// Limits of the contract.
const (
	MaxBodyBytes      = 64 << 10
	MaxEmailLen       = 254
	MaxMemoRunes      = 280
	MaxMetadataKeys   = 20
	MaxBatch          = 100
	MaxPageLimit      = 200
	MaxIdempotencyKey = 255
)

// WebSocket close codes beyond the standard ones.
const (
	CloseTryAgainLater  = 1013
	CloseSessionRevoked = 4001
	// CloseReplaced: the account opened more event connections than the service keeps for one
	// account, and this one, its oldest, was closed to make room.
	CloseReplaced = 4008
)
