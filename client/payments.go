package client

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// PayRequest is one payment.
type PayRequest struct {
	Recipient string
	Amount    money.Micros
	Memo      string            // at most 280 characters; not sent in legacy mode
	Metadata  map[string]string // at most 20 values; not sent in legacy mode
	// IdempotencyKey makes resubmitting the same payment safe: the service
	// pays once per key and replays its answer. Empty: one is generated for
	// this call (and reused by its retries). The TUI generates one per review
	// screen with NewIdempotencyKey so that pressing "pay" twice pays once;
	// after a definite refusal (insufficient funds is kept and replayed by
	// the service) a new attempt needs a new key.
	IdempotencyKey string
	// AppName and AppEpPath label a payment from an app; the compatible
	// layer's transactions carry them (legacy mode only).
	AppName, AppEpPath string
}

// NewIdempotencyKey returns a fresh random key (128 bits, URL-safe).
func NewIdempotencyKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("client: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Pay sends a payment, completed at once (POST /payments with an
// Idempotency-Key; in legacy mode a hold and its confirmation). Before
// sending it checks the recipient and amount, refuses paying yourself, and
// refuses a payment the cached available balance cannot cover with an
// *InsufficientFundsError carrying both amounts. A successful payment drops
// the cached account. With audit logging on it appends one line.
func (c *Client) Pay(ctx context.Context, p PayRequest) (tx api.Transaction, err error) {
	key := p.IdempotencyKey
	if key == "" {
		key = NewIdempotencyKey()
	}
	defer func() { c.record(AuditPay, key, p.Recipient, p.Amount, tx.ID, err) }()

	if p.Recipient, err = c.checkRecipient("recipientEmail", p.Recipient); err != nil {
		return tx, err
	}
	if _, e := api.CheckAmount("amount", &p.Amount); e != nil {
		return tx, invalid(e)
	}
	var memo *string
	if p.Memo != "" {
		memo = &p.Memo
		if e := api.CheckMemo("memo", memo); e != nil {
			return tx, invalid(e)
		}
	}
	if e := api.CheckMetadata("metadata", p.Metadata); e != nil {
		return tx, invalid(e)
	}
	if e := api.CheckIdempotencyKey("idempotencyKey", key); e != nil {
		return tx, invalid(e)
	}
	if err := c.checkFunds(p.Amount); err != nil {
		return tx, err
	}
	if c.Legacy() {
		tx, err = c.legacyPay(ctx, c.me(), p, key)
	} else {
		amount := p.Amount
		var out api.TransactionBody
		err = c.do(ctx, &call{method: http.MethodPost, path: "/payments", auth: authUser, idemKey: key,
			recipient: p.Recipient, needed: p.Amount,
			body: api.PaymentRequest{RecipientEmail: p.Recipient, Amount: &amount, Memo: memo, Metadata: p.Metadata}}, &out)
		tx = out.Transaction
	}
	return tx, c.afterMoney(ctx, err)
}

// BatchPayment is one payment of a batch.
type BatchPayment struct {
	Recipient string
	Amount    money.Micros
	Memo      string
	Metadata  map[string]string
}

// BatchPay sends 1 to 100 payments as one request, all or nothing
// (POST /transactions/batch). An error about one payment names it in its
// field, "payments[3].amount". idempotencyKey is optional, as for Pay. Not
// available in legacy mode.
func (c *Client) BatchPay(ctx context.Context, payments []BatchPayment, idempotencyKey string) (txs []api.Transaction, err error) {
	key := idempotencyKey
	if key == "" {
		key = NewIdempotencyKey()
	}
	var total money.Micros
	for _, p := range payments {
		total += p.Amount
	}
	defer func() {
		id := ""
		if len(txs) > 0 {
			id = txs[0].ID
		}
		c.record(AuditBatch, key, batchCounterparty(payments), total, id, err)
	}()
	if c.Legacy() {
		return nil, &UnsupportedError{Feature: "batch payments"}
	}
	if len(payments) == 0 || len(payments) > api.MaxBatch {
		return nil, &ValidationError{Field: "payments", Message: fmt.Sprintf("A batch holds 1 to %d payments.", api.MaxBatch)}
	}
	items := make([]api.BatchItem, len(payments))
	for i, p := range payments {
		prefix := fmt.Sprintf("payments[%d].", i)
		rcpt, err := c.checkRecipient(prefix+"recipientEmail", p.Recipient)
		if err != nil {
			return nil, err
		}
		amount := p.Amount
		if _, e := api.CheckAmount(prefix+"amount", &amount); e != nil {
			return nil, invalid(e)
		}
		var memo *string
		if p.Memo != "" {
			memo = &p.Memo
			if e := api.CheckMemo(prefix+"memo", memo); e != nil {
				return nil, invalid(e)
			}
		}
		if e := api.CheckMetadata(prefix+"metadata", p.Metadata); e != nil {
			return nil, invalid(e)
		}
		items[i] = api.BatchItem{RecipientEmail: rcpt, Amount: &amount, Memo: memo, Metadata: p.Metadata}
	}
	if total > money.MaxAmount {
		return nil, &ValidationError{Field: "payments", Message: "The batch's total is too large."}
	}
	if e := api.CheckIdempotencyKey("idempotencyKey", key); e != nil {
		return nil, invalid(e)
	}
	if err := c.checkFunds(total); err != nil {
		return nil, err
	}
	var out api.TransactionsBody
	err = c.do(ctx, &call{method: http.MethodPost, path: "/transactions/batch", auth: authUser, idemKey: key,
		needed: total, body: api.BatchRequest{Payments: items}}, &out)
	var unknown *UnknownRecipientError
	if errors.As(err, &unknown) {
		var i int
		if _, scanErr := fmt.Sscanf(unknown.Field, "payments[%d]", &i); scanErr == nil && i >= 0 && i < len(items) {
			unknown.Email = items[i].RecipientEmail
		}
	}
	return out.Transactions, c.afterMoney(ctx, err)
}

func batchCounterparty(ps []BatchPayment) string {
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.Recipient] = true
	}
	if len(seen) == 1 {
		return ps[0].Recipient
	}
	return fmt.Sprintf("%d recipients", len(seen))
}

// Payment returns one transaction the caller is a party to.
func (c *Client) Payment(ctx context.Context, id string) (api.Transaction, error) {
	if id == "" {
		return api.Transaction{}, &ValidationError{Field: "id", Message: "A transaction id is required."}
	}
	if c.Legacy() {
		return c.legacyPayment(ctx, id)
	}
	var out api.TransactionBody
	err := c.do(ctx, &call{method: http.MethodGet, path: idPath("/payments/", id, ""), auth: authUser}, &out)
	return out.Transaction, err
}

// DelegatedRequest draws on a payer's account with a token the payer made
// for the caller.
type DelegatedRequest struct {
	Sender         string // the payer, who created the token
	Amount         money.Micros
	Token          string
	AppName        string
	AppEpPath      string
	IdempotencyKey string // optional, as for Pay
}

// CreateDelegated creates a PENDING transaction from the payer to the
// caller with the payer's token; the amount is held until Confirm or Cancel.
// A zero amount is allowed: it records a free call and holds nothing.
func (c *Client) CreateDelegated(ctx context.Context, d DelegatedRequest) (tx api.Transaction, err error) {
	key := d.IdempotencyKey
	if key == "" {
		key = NewIdempotencyKey()
	}
	defer func() { c.record(AuditDelegated, key, d.Sender, d.Amount, tx.ID, err) }()
	sender, e := api.NormalizeEmail("senderEmail", d.Sender)
	if e != nil {
		return tx, invalid(e)
	}
	if sender == c.me() {
		return tx, &ValidationError{Field: "senderEmail", Message: "You cannot pay yourself.", code: api.CodeInvalidRequest}
	}
	amount := d.Amount
	if amount != 0 { // a delegated 0.00 records a free call (issue 13)
		if _, e := api.CheckAmount("amount", &amount); e != nil {
			return tx, invalid(e)
		}
	}
	if d.Token == "" {
		return tx, &ValidationError{Field: "token", Message: "A token is required."}
	}
	req := api.CreateTransactionRequest{SenderEmail: sender, RecipientEmail: c.me(), Amount: &amount, Token: &d.Token}
	if d.AppName != "" {
		req.AppName = &d.AppName
	}
	if d.AppEpPath != "" {
		req.AppEpPath = &d.AppEpPath
	}
	var out api.TransactionBody
	err = c.do(ctx, &call{method: http.MethodPost, path: "/transaction/create", auth: authUser, idemKey: key,
		needed: amount, body: req}, &out)
	var unknown *UnknownRecipientError
	if errors.As(err, &unknown) {
		unknown.Email = sender
	}
	return out.Transaction, err
}

// Confirm completes a PENDING transaction the caller is a party to.
func (c *Client) Confirm(ctx context.Context, id string) (tx api.Transaction, err error) {
	defer func() { c.record(AuditConfirm, "", tx.Counterparty(), tx.Amount, id, err) }()
	return c.resolve(ctx, id, true)
}

// Cancel cancels a PENDING transaction; the held amount is released.
func (c *Client) Cancel(ctx context.Context, id string) (tx api.Transaction, err error) {
	defer func() { c.record(AuditCancel, "", tx.Counterparty(), tx.Amount, id, err) }()
	return c.resolve(ctx, id, false)
}

func (c *Client) resolve(ctx context.Context, id string, confirm bool) (api.Transaction, error) {
	if id == "" {
		return api.Transaction{}, &ValidationError{Field: "transactionId", Message: "A transaction id is required."}
	}
	path := "/transaction/cancel"
	if confirm {
		path = "/transaction/confirm"
	}
	var out api.TransactionBody
	err := c.do(ctx, &call{method: http.MethodPost, path: path, auth: authUser,
		body: api.TransactionRef{TransactionID: id}}, &out)
	if err == nil {
		c.account.invalidate()
	}
	return out.Transaction, err
}

// checkRecipient normalises an address and refuses the caller's own.
func (c *Client) checkRecipient(field, email string) (string, error) {
	email, e := api.NormalizeEmail(field, email)
	if e != nil {
		return "", invalid(e)
	}
	if me := c.me(); me != "" && email == me {
		return "", &ValidationError{Field: field, Message: "You cannot pay yourself.", code: api.CodeInvalidRequest}
	}
	return email, nil
}

// me is the signed-in email, or the configured one.
func (c *Client) me() string {
	if s := c.Session(); s.Email != "" {
		return s.Email
	}
	e, _ := api.NormalizeEmail("email", c.cfg.Email)
	return e
}

// checkFunds refuses what the cached balance cannot cover. With nothing
// cached it lets the service decide. (A service with only the compatible
// layer may not send availableBalance; the balance bounds it then.)
func (c *Client) checkFunds(needed money.Micros) error {
	u, ok := c.cachedAvailable()
	if !ok {
		return nil
	}
	avail := u.AvailableBalance
	if c.Legacy() && avail == 0 {
		avail = u.Balance
	}
	if avail < needed {
		return &InsufficientFundsError{Available: avail, Needed: needed}
	}
	return nil
}

// afterMoney drops the cached account after a money call; when the service
// refused for lack of funds it reads the account again to say what is
// available.
func (c *Client) afterMoney(ctx context.Context, err error) error {
	c.account.invalidate()
	var funds *InsufficientFundsError
	if errors.As(err, &funds) && funds.Available < 0 {
		if u, aerr := c.Account(ctx); aerr == nil {
			funds.Available = u.AvailableBalance
		}
	}
	return err
}

// record appends one audit line; a failure to write is logged, never fatal.
func (c *Client) record(action AuditAction, key, counterparty string, amount money.Micros, txID string, err error) {
	if !c.audit.Enabled() {
		return
	}
	e := AuditEntry{Time: c.now(), Action: action, IdempotencyKey: key, Counterparty: counterparty,
		Outcome: Code(err), TransactionID: txID}
	if amount != 0 {
		e.Amount = amount.Fixed(2)
	}
	if rerr := c.audit.Record(e); rerr != nil {
		c.log.Warn("audit log", "error", rerr.Error())
	}
}
