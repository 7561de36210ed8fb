package client

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/syftbox/syftwallet/api"
)

// Legacy mode is the client against a service that has only the compatible
// layer of api.md (the SyftBox accounting API), set with cfg.Legacy or found
// at sign-in (POST /auth/login answers 404):
//
//   - every call carries Basic auth; the password is kept in memory and in
//     the token store (Secret.Password), never in a file;
//   - Account reads GET /user/my-info;
//   - Pay is POST /transaction/create (a hold) then POST
//     /transaction/confirm. The create carries an Idempotency-Key and is
//     retried like POST /payments; the confirm is not retried. If the
//     confirm fails the hold stays PENDING: the error is returned and the
//     transaction shows in History, where it can be confirmed or cancelled;
//   - History reads GET /transactions (every transaction) and filters and
//     pages on the client; the cursor names the last transaction seen, so
//     paging stays stable while new ones arrive;
//   - Payment(id) looks the id up in that list;
//   - BatchPay, MFA, LogoutAll and bearer tokens are UnsupportedError, and
//     EventsAvailable reports false so the UI polls.

// legacyLogin checks email and password with one Basic call and keeps them.
func (c *Client) legacyLogin(ctx context.Context, email, password string) (Session, error) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+password))
	var out api.UserBody
	r, err := c.doRaw(ctx, &call{method: http.MethodGet, path: "/user/my-info", authz: basic})
	if err == nil {
		err = jsonDecode(r, &out)
	}
	if err != nil {
		var mfa *MFARequiredError
		if errors.As(err, &mfa) {
			return Session{}, &MFARequiredError{} // Basic cannot pass a second factor
		}
		return Session{}, signInError(err)
	}
	tm := c.tokens
	tm.mu.Lock()
	tm.email, tm.password, tm.user = email, password, out.User
	tm.access, tm.refresh = "", ""
	tm.mu.Unlock()
	tm.save(email, Secret{Password: password})
	c.account.store(out.User, c.now())
	return c.Session(), nil
}

// legacyPay is Pay on the compatible layer: create a hold, then confirm it.
func (c *Client) legacyPay(ctx context.Context, me string, p PayRequest, key string) (api.Transaction, error) {
	amount := p.Amount
	req := api.CreateTransactionRequest{SenderEmail: me, RecipientEmail: p.Recipient, Amount: &amount}
	if p.AppName != "" {
		req.AppName = &p.AppName
	}
	if p.AppEpPath != "" {
		req.AppEpPath = &p.AppEpPath
	}
	var created api.TransactionBody
	if err := c.do(ctx, &call{method: http.MethodPost, path: "/transaction/create", auth: authUser, body: req,
		idemKey: key, recipient: p.Recipient, needed: p.Amount}, &created); err != nil {
		return api.Transaction{}, err
	}
	if created.Transaction.Status == api.StatusCompleted {
		return created.Transaction, nil // a replay of a hold that was confirmed already
	}
	tx, err := c.resolve(ctx, created.Transaction.ID, true)
	var conflict *ConflictError
	if errors.As(err, &conflict) {
		// A replayed create answers with the hold as it was kept (PENDING) even when an earlier
		// attempt already confirmed it: that is the payment done, not a conflict.
		if done, lerr := c.legacyPayment(ctx, created.Transaction.ID); lerr == nil && done.Status == api.StatusCompleted {
			return done, nil
		}
	}
	return tx, err
}

// legacyTransactions reads every transaction of the caller.
func (c *Client) legacyTransactions(ctx context.Context) ([]api.Transaction, error) {
	var out api.TransactionsBody
	err := c.do(ctx, &call{method: http.MethodGet, path: "/transactions", auth: authUser}, &out)
	return out.Transactions, err
}

// legacyPayment finds one transaction by id in the full list.
func (c *Client) legacyPayment(ctx context.Context, id string) (api.Transaction, error) {
	txs, err := c.legacyTransactions(ctx)
	if err != nil {
		return api.Transaction{}, err
	}
	for _, tx := range txs {
		if tx.ID == id {
			return tx, nil
		}
	}
	return api.Transaction{}, &NotFoundError{}
}

// legacyHistory applies q to the full list, newest first, and cuts a page.
func (c *Client) legacyHistory(ctx context.Context, q HistoryQuery) (HistoryPage, error) {
	txs, err := c.legacyTransactions(ctx)
	if err != nil {
		return HistoryPage{}, err
	}
	me := c.Session().Email
	var kept []api.Transaction
	for _, tx := range txs {
		if tx.Direction == "" { // an old service does not say
			tx.Direction = api.DirectionIn
			if strings.EqualFold(tx.SenderEmail, me) {
				tx.Direction = api.DirectionOut
			}
		}
		if q.Matches(tx) {
			kept = append(kept, tx)
		}
	}
	start := 0
	if q.Cursor != "" {
		id, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(q.Cursor, legacyCursorPrefix))
		if err != nil || !strings.HasPrefix(q.Cursor, legacyCursorPrefix) {
			return HistoryPage{}, &ValidationError{Field: "cursor", Message: "The cursor is not valid: use the NextCursor of a previous page.",
				code: api.CodeInvalidRequest}
		}
		start = len(kept) // the transaction is gone: nothing after it
		for i, tx := range kept {
			if tx.ID == string(id) {
				start = i + 1
				break
			}
		}
	}
	start += q.Offset
	if start > len(kept) {
		start = len(kept)
	}
	end := len(kept)
	if q.Limit > 0 && start+q.Limit < end {
		end = start + q.Limit
	}
	page := HistoryPage{Transactions: kept[start:end]}
	if q.Limit > 0 && end < len(kept) {
		page.HasMore = true
		page.NextCursor = legacyCursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(kept[end-1].ID))
	}
	return page, nil
}

// legacyCursorPrefix marks a cursor made by the client, not the service.
const legacyCursorPrefix = "l."
