// Package ledger is the accounting service's book of accounts: a double-entry ledger in integer
// micro-units behind one interface, so the embedded SQLite store and a PostgreSQL store are
// interchangeable. Every movement of money is a transfer between two accounts inside one database
// transaction that checks the sender's available balance, records the idempotency key and what to
// keep for it, and appends one event per party to the events outbox with a gap-free per-account seq.
//
// Money calls answer with domain outcomes: a Receipt (the transactions made, whether the call was a
// replay) or a typed error (ErrInsufficientFunds, ErrUnknownRecipient, ...). What an idempotency
// key keeps is opaque bytes that the caller renders (Idempotency.Keep) and the ledger only stores
// and hands back (Receipt.Kept), so a replay is the first answer byte for byte whatever form the
// caller gives it; the ledger never looks inside. The HTTP server puts a status and a body in
// them (server/idempotency.go); rows kept in the older form, a status and a body column, were
// wrapped into the server's envelope by one migration of each store (sqlite 0008, postgres 0005).
//
// It knows the wire shapes of package api (it snapshots transactions into events) but nothing of
// HTTP (no status codes), authentication schemes, WebSockets or Bubble Tea. SQL lives only in the
// implementations: the rules in ledger/ledgersql, the engines in ledger/sqlite and ledger/postgres.
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// Ledger is the whole store of the accounting service. Implementations are safe for concurrent
// use; writes may be committed in groups, but each call returns only after its effects are durable.
type Ledger interface {
	// Accounts.
	CreateAccount(ctx context.Context, a NewAccount) (Account, error)
	AccountByEmail(ctx context.Context, email string) (Account, error)
	AccountByID(ctx context.Context, id string) (Account, error)
	Accounts(ctx context.Context) ([]Account, error)
	SetPassword(ctx context.Context, accountID, passwordHash string) (Account, error)
	SetOrganization(ctx context.Context, accountID string, org *string) (Account, error)

	// Money. Each returns a Receipt or a typed error: ErrInsufficientFunds, ErrUnknownRecipient,
	// ErrSelfPayment, ErrKeyReused; made with an API key (APIKeyID), also ErrRevoked, ErrExpired
	// or *SpendLimitExceeded (see APIKeyStore). With an idempotency key, Receipt.Kept is what the
	// key keeps (see Idempotency), also beside an insufficient-funds error.
	Pay(ctx context.Context, p Payment) (Receipt, error)
	PayBatch(ctx context.Context, b Batch) (Receipt, error)
	Hold(ctx context.Context, h Hold) (Receipt, error)
	Resolve(ctx context.Context, r Resolution) (Transaction, error)
	Credit(ctx context.Context, c Credit) (Account, Transaction, error)

	// Reads.
	Transaction(ctx context.Context, id string) (Transaction, error)
	Transactions(ctx context.Context, accountID string, q Query) (Page, error)
	Idempotent(ctx context.Context, accountID, key string) (*Kept, error)
	// BalanceHistory is the account's balance now and the net of its completed transfers on each
	// day of q, from one query (GET /account/balance-history). ErrNotFound for an unknown account.
	BalanceHistory(ctx context.Context, accountID string, q BalanceQuery) (BalanceHistory, error)

	// Events outbox. EventsAfter returns ErrResync when events after `after` were already pruned.
	EventsAfter(ctx context.Context, accountID string, after int64, limit int) ([]Event, error)
	LatestSeq(ctx context.Context, accountID string) (int64, error)
	// AppendEvent adds a non-money event (security.*, session.revoked) for one account.
	AppendEvent(ctx context.Context, accountID, typ string, data any) (Event, error)

	// Delegation tokens (tokens.go). CreateToken records a token before it is handed out and
	// appends token.created to its sender; Tokens lists a sender's recorded tokens, newest first
	// (expired ones are pruned with the events); RevokeToken ends one of the sender's tokens at
	// once (token.revoked; a token already revoked is returned as it is, with no event; another
	// account's or an unknown id is ErrNotFound). Holds made with it stay as they are.
	CreateToken(ctx context.Context, t NewToken) (Token, error)
	Tokens(ctx context.Context, senderID string) ([]Token, error)
	RevokeToken(ctx context.Context, senderID, tokenID string) (Token, error)

	// Check verifies the ledger's invariants (see Invariants); for tests and operators.
	Check(ctx context.Context) (Invariants, error)
	Close() error
}

// SystemEmail is the default address of the system account, the only account whose balance may
// go below zero: it is where money created by add-balance comes from.
const SystemEmail = "system@syftbox.org"

// Account is one account. Held is the sum of its PENDING outgoing transactions; Balance-Held is
// what it can spend.
type Account struct {
	ID           string
	Email        string
	PasswordHash string
	Organization *string
	Balance      money.Micros
	Held         money.Micros
	MFAEnabled   bool
	System       bool
	CreatedAt    time.Time
}

// Available is what the account can spend now.
func (a Account) Available() money.Micros { return a.Balance - a.Held }

// API is the account as the wire shows it.
func (a Account) API(currency string) api.User {
	return api.User{
		ID: a.ID, Email: a.Email, Balance: a.Balance, Organization: a.Organization,
		AvailableBalance: a.Available(), Currency: currency, MFAEnabled: a.MFAEnabled,
		CreatedAt: api.At(a.CreatedAt),
	}
}

// NewAccount is what CreateAccount needs. WelcomeCredit, when above zero, is paid from the
// system account in the same database transaction (the embedded wallet's welcome money).
type NewAccount struct {
	Email         string
	PasswordHash  string
	Organization  *string
	WelcomeCredit money.Micros
}

// Transaction is one transfer as the ledger keeps it.
type Transaction struct {
	ID             string
	SenderID       string
	RecipientID    string
	SenderEmail    string
	RecipientEmail string
	Amount         money.Micros
	Status         string // api.StatusPending, StatusCompleted, StatusCancelled
	CreatedBy      string // api.PartySystem, PartySender, PartyRecipient
	ResolvedBy     string // "" while pending
	CreatedAt      time.Time
	ResolvedAt     time.Time // zero while pending
	AppName        *string
	AppEpPath      *string
	Memo           *string
	Metadata       map[string]string
	// APIKeyID is the API key the transaction was created with ("" for none): a key of the
	// sender when CreatedBy is SENDER, of the recipient when it is RECIPIENT (a delegated hold).
	APIKeyID string
}

// API is the transaction as the wire shows it to viewer (sets direction in/out; apiKeyId only
// for the owner of the key it was made with).
func (t Transaction) API(viewerID, currency string) api.Transaction {
	out := api.Transaction{
		ID: t.ID, SenderEmail: t.SenderEmail, RecipientEmail: t.RecipientEmail, Amount: t.Amount,
		Status: t.Status, CreatedBy: t.CreatedBy, CreatedAt: api.At(t.CreatedAt),
		AppName: t.AppName, AppEpPath: t.AppEpPath, Memo: t.Memo, Metadata: t.Metadata,
		Currency: currency,
	}
	if t.ResolvedBy != "" {
		rb := t.ResolvedBy
		out.ResolvedBy = &rb
	}
	if !t.ResolvedAt.IsZero() {
		ra := api.At(t.ResolvedAt)
		out.ResolvedAt = &ra
	}
	switch viewerID {
	case t.SenderID:
		out.Direction = api.DirectionOut
	case t.RecipientID:
		out.Direction = api.DirectionIn
	}
	if t.APIKeyID != "" && (t.CreatedBy == api.PartySender && viewerID == t.SenderID ||
		t.CreatedBy == api.PartyRecipient && viewerID == t.RecipientID) {
		id := t.APIKeyID
		out.APIKeyID = &id
	}
	return out
}

// Idempotency makes a money-moving call safe to repeat. The ledger looks the key up inside the
// writing transaction: the same fingerprint gets what the key kept back (Receipt{Replayed: true,
// Kept}) and moves no money; another fingerprint gets ErrKeyReused. Otherwise the call runs, and
// Keep renders what to keep from its outcome, in the same database transaction: the transactions
// made, or the business refusal that stopped it after it started (insufficient funds, as Stripe
// keeps a decline: the call then returns Receipt{Kept} and the *InsufficientFunds error). Other
// errors (unknown recipient, a revoked API key, ...) are not kept: nothing is written for the key
// and the same request may be retried with it.
//
// The bytes Keep returns are opaque to the ledger: it stores them and hands the same bytes back,
// never reads them. Keep must not be nil and must return at least one byte (Receipt.Kept is nil
// only when nothing was kept).
type Idempotency struct {
	Key         string
	Fingerprint []byte
	Keep        func(txs []Transaction, err error) []byte
}

// Kept is what an idempotency key keeps: the request's fingerprint and the bytes Keep rendered.
type Kept struct {
	Fingerprint []byte
	Response    []byte // opaque: as Idempotency.Keep returned it
	CreatedAt   time.Time
}

// Receipt is the outcome of a money-moving call: the transactions it made (none on a replay).
// With an idempotency key, Kept is what the key keeps, just rendered by Keep or, when Replayed,
// as it was kept by the first call; nil without a key.
type Receipt struct {
	Transactions []Transaction
	Replayed     bool
	Kept         []byte
}

// Payment is a transfer completed at once (POST /payments).
type Payment struct {
	SenderID       string
	RecipientEmail string
	Amount         money.Micros
	Memo           *string
	Metadata       map[string]string
	Idem           *Idempotency
	APIKeyID       string // the API key the call is made with, "" for none (see APIKeyStore)
}

// Batch is up to api.MaxBatch payments from one sender, all applied or none.
type Batch struct {
	SenderID string
	Items    []BatchItem
	Idem     *Idempotency
	APIKeyID string // the API key the call is made with, "" for none (see APIKeyStore)
}

// BatchItem is one payment of a Batch.
type BatchItem struct {
	RecipientEmail string
	Amount         money.Micros
	Memo           *string
	Metadata       map[string]string
}

// Hold creates a PENDING transaction and holds its amount from the sender's available balance
// (POST /transaction/create). Direct: CreatedBy SENDER, the caller is the sender, Amount above
// zero. Delegated: CreatedBy RECIPIENT, the caller is the recipient and TokenID names the token
// the sender issued (its signature verified by the caller of Hold). A recorded token (CreateToken)
// is checked in the same database transaction: ErrTokenRevoked, ErrTokenExpired, *TokenLimit;
// then the use is counted and token.used appended to the sender. A token the ledger has no record
// of (issued before tokens were recorded) is single use: ErrTokenUsed the second time. A
// delegated Amount may be zero: the transaction is recorded and nothing is held.
type Hold struct {
	SenderEmail    string
	RecipientEmail string
	Amount         money.Micros
	CreatedBy      string
	TokenID        string
	AppName        *string
	AppEpPath      *string
	Idem           *Idempotency
	// APIKeyID is the API key the call is made with, "" for none (see APIKeyStore): the caller's,
	// so the sender's for a direct hold (its spend limit applies) and the recipient's for a
	// delegated one (recorded only: the money is not the key owner's).
	APIKeyID string
}

// Resolution confirms (moves the money) or cancels (releases the hold) a PENDING transaction.
// ActorID must be its sender or recipient. Cancelling a delegated transaction gives its amount
// back to its token's maxAmount (not its use: see tokens.go).
type Resolution struct {
	TransactionID string
	ActorID       string
	Confirm       bool
}

// Credit is the admin's add-balance: a COMPLETED SYSTEM transfer from the system account.
type Credit struct {
	RecipientEmail string
	Amount         money.Micros
}

// Query selects an account's transactions, newest first.
type Query struct {
	Limit        int // 0: all of them
	Cursor       string
	Offset       int
	Direction    string // api.DirectionIn / DirectionOut
	Status       string // api.Status*
	Counterparty string
	Since, Until time.Time
	MinAmount    money.Micros // 0: no bound
	MaxAmount    money.Micros // 0: no bound
	Text         string       // substring of memo, appName or counterparty
}

// Page is one page of a Query. NextCursor is "" at the end.
type Page struct {
	Transactions []Transaction
	NextCursor   string
	HasMore      bool
}

// Event is one row of an account's events outbox.
type Event struct {
	AccountID string
	Seq       int64
	Type      string
	At        time.Time
	Data      json.RawMessage
}

// API is the event as a frame of GET /events.
func (e Event) API() api.Event {
	at := api.At(e.At)
	return api.Event{Seq: e.Seq, Type: e.Type, At: &at, Data: e.Data}
}

// Invariants is what Check found.
type Invariants struct {
	Accounts      int
	Transactions  int
	Total         money.Micros // sum of every balance, the system account's included: always 0
	Negative      []string     // people's accounts below zero: always none
	OverHeld      []string     // accounts holding more than their balance: always none
	Mismatched    []string     // balances that differ from the sum of their completed transfers
	HeldMismatch  []string     // held amounts that differ from the sum of pending outgoing
	SeqGaps       []string     // accounts whose event seqs are not 1..n without gaps (after pruning)
	SystemBalance money.Micros // minus all the money ever created
}

// OK reports whether every invariant holds.
func (i Invariants) OK() bool {
	return i.Total == 0 && len(i.Negative) == 0 && len(i.OverHeld) == 0 && len(i.Mismatched) == 0 &&
		len(i.HeldMismatch) == 0 && len(i.SeqGaps) == 0
}

// Errors. Wrap them with %w; callers test with errors.Is / errors.As.
var (
	ErrNotFound         = errors.New("ledger: not found")
	ErrAccountExists    = errors.New("ledger: account exists")
	ErrUnknownRecipient = errors.New("ledger: unknown recipient")
	ErrSelfPayment      = errors.New("ledger: payment to self")
	ErrConflict         = errors.New("ledger: transaction already resolved")
	ErrTokenUsed        = errors.New("ledger: token already used")
	ErrKeyReused        = errors.New("ledger: idempotency key reused with another request")
	ErrResync           = errors.New("ledger: events pruned, resync")
	ErrClosed           = errors.New("ledger: closed")
	ErrBadCursor        = errors.New("ledger: malformed cursor")
	// ErrBalanceLimit: the movement would take a balance past what an int64 of micro-units holds
	// (about 9.2 trillion units), for the account or for the system account that creates money.
	ErrBalanceLimit = errors.New("ledger: balance limit")
)

// ErrStorageFull: the ledger's storage is full (its disk, or a size limit), so nothing can be
// written now. The call moved nothing; it may succeed once space is freed, without a restart.
// Stores wrap their own error with it (errors.Is finds it; the wrapped text is for logs only).
var ErrStorageFull = errors.New("ledger: storage full")

// InsufficientFunds is returned (wrapped in ItemError for batches) when the sender's available
// balance is below what the call needs.
type InsufficientFunds struct {
	Available money.Micros
	Needed    money.Micros
}

func (e *InsufficientFunds) Error() string {
	return fmt.Sprintf("ledger: insufficient funds: available %s, needed %s", e.Available, e.Needed)
}

// ErrInsufficientFunds matches any *InsufficientFunds with errors.Is.
var ErrInsufficientFunds = errors.New("ledger: insufficient funds")

// Is lets errors.Is(err, ErrInsufficientFunds) match.
func (e *InsufficientFunds) Is(target error) bool { return target == ErrInsufficientFunds }

// ItemError names the batch item that stopped a batch.
type ItemError struct {
	Index int
	Err   error
}

func (e *ItemError) Error() string { return fmt.Sprintf("payments[%d]: %v", e.Index, e.Err) }
func (e *ItemError) Unwrap() error { return e.Err }
