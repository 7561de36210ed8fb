package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server/auth"
)

// canonicalHold is what a /transaction/create fingerprint is computed over.
type canonicalHold struct {
	Sender    string  `json:"s"`
	Recipient string  `json:"r"`
	Amount    int64   `json:"a"`
	CreatedBy string  `json:"b"`
	TokenID   string  `json:"t,omitempty"`
	AppName   *string `json:"n"`
	AppEpPath *string `json:"p"`
}

// POST /transaction/create: 201 {transaction} PENDING, the amount held from the sender.
//
// Direct: {senderEmail: caller, recipientEmail, amount}; a senderEmail other than the caller
// without a token is 403 forbidden. Delegated: {senderEmail: payer, recipientEmail: caller,
// amount (0 allowed), token}; the token must verify, be unexpired and issued by senderEmail for
// the caller (else 400 naming token); its state and limits are the ledger's (409 conflict when it
// is revoked or a limit would be passed: tokens.go).
func (s *Server) createTransaction(w http.ResponseWriter, r *http.Request, p *Principal) error {
	body, e := readBody(r)
	if e != nil {
		return e
	}
	var req api.CreateTransactionRequest
	if e := decodeJSON(body, &req, "", "amount"); e != nil {
		return e
	}
	// api.CreateTransactionRequest has no idempotencyKey field; read it on its own.
	var extra struct {
		IdempotencyKey *string `json:"idempotencyKey"`
	}
	if e := decodeJSON(body, &extra, "", "amount"); e != nil {
		return e
	}
	bodyKey := ""
	if extra.IdempotencyKey != nil {
		bodyKey = *extra.IdempotencyKey
	}
	key, e := idempotencyKey(r, bodyKey)
	if e != nil {
		return e
	}
	if e := s.checkCurrency("currency", req.Currency); e != nil {
		return e
	}
	token := ""
	if req.Token != nil {
		token = strings.TrimSpace(*req.Token)
	}
	amount, e := holdAmount(req.Amount, token != "")
	if e != nil {
		return e
	}
	appName, e := cleanText("appName", "The app name", req.AppName)
	if e != nil {
		return e
	}
	appEpPath, e := cleanText("appEpPath", "The app endpoint", req.AppEpPath)
	if e != nil {
		return e
	}
	hold := ledger.Hold{Amount: amount, AppName: appName, AppEpPath: appEpPath, APIKeyID: p.apiKeyID()}
	me := p.Account.Email
	if token != "" {
		if err := s.delegatedHold(r, p, &req, token, &hold); err != nil {
			return err
		}
	} else {
		if req.SenderEmail != "" {
			sender, e := api.NormalizeEmail("senderEmail", req.SenderEmail)
			if e != nil {
				return e
			}
			if sender != me {
				return &api.Error{Code: api.CodeForbidden, Message: "You can only send from your own " +
					"account; drawing on someone else's needs a token they created for you."}
			}
		}
		to, err := s.counterparty(r.Context(), "recipientEmail", req.RecipientEmail, &p.Account)
		if err != nil {
			return err
		}
		hold.SenderEmail, hold.RecipientEmail, hold.CreatedBy = me, to.Email, api.PartySender
	}
	fp := fingerprint("POST /transaction/create", canonicalHold{
		Sender: hold.SenderEmail, Recipient: hold.RecipientEmail, Amount: int64(hold.Amount),
		CreatedBy: hold.CreatedBy, TokenID: hold.TokenID, AppName: hold.AppName, AppEpPath: hold.AppEpPath,
	})
	respond := s.respondWith(http.StatusCreated, func(txs []ledger.Transaction) any {
		return api.TransactionBody{Transaction: txs[0].API(p.Account.ID, s.cfg.Currency)}
	})
	return s.runMoney(w, r, p, key, fp, respond, func(idem *ledger.Idempotency) (ledger.Receipt, error) {
		h := hold
		h.Idem = idem
		return s.ledger.Hold(r.Context(), h)
	})
}

// holdAmount checks a /transaction/create amount: above zero, except that a delegated one may be
// 0.00 (a free call that SyftBox apps record; nothing is held).
func holdAmount(m *money.Micros, delegated bool) (money.Micros, *api.Error) {
	if delegated && m != nil && *m == 0 {
		return 0, nil
	}
	return api.CheckAmount("amount", m)
}

// delegatedHold checks a delegated create: the caller is the recipient and holds a token the
// sender issued for them.
func (s *Server) delegatedHold(r *http.Request, p *Principal, req *api.CreateTransactionRequest, token string,
	hold *ledger.Hold) error {
	me := p.Account.Email
	if req.RecipientEmail != "" {
		rcpt, e := api.NormalizeEmail("recipientEmail", req.RecipientEmail)
		if e != nil {
			return e
		}
		if rcpt != me {
			return &api.Error{Code: api.CodeForbidden,
				Message: "With a token, the transaction's recipient must be you, the caller."}
		}
	}
	sender, e := api.NormalizeEmail("senderEmail", req.SenderEmail)
	if e != nil {
		return e
	}
	if sender == me {
		return errSelfPayment("senderEmail")
	}
	claims, err := s.issuer.VerifyTransactionToken(token)
	if errors.Is(err, auth.ErrTokenExpired) {
		return api.Invalid("token", "The token has expired; ask the sender for a new one.")
	}
	if err != nil {
		return api.Invalid("token", "The token is not valid.")
	}
	if strings.ToLower(claims.SenderEmail) != sender || strings.ToLower(claims.RecipientEmail) != me {
		return api.Invalid("token", "This token was not issued by senderEmail for you.")
	}
	from, err := s.counterparty(r.Context(), "senderEmail", sender, nil)
	if err != nil {
		return err
	}
	hold.SenderEmail, hold.RecipientEmail = from.Email, me
	hold.CreatedBy, hold.TokenID = api.PartyRecipient, claims.ID
	return nil
}

// POST /transaction/confirm {transactionId}: 200 {transaction} COMPLETED.
func (s *Server) confirmTransaction(w http.ResponseWriter, r *http.Request, p *Principal) error {
	return s.resolve(w, r, p, true)
}

// POST /transaction/cancel {transactionId}: 200 {transaction} CANCELLED.
func (s *Server) cancelTransaction(w http.ResponseWriter, r *http.Request, p *Principal) error {
	return s.resolve(w, r, p, false)
}

// resolve lets either party confirm or cancel a PENDING transaction once: 409 conflict when it
// is already resolved, 404 for a stranger (as for an unknown id).
func (s *Server) resolve(w http.ResponseWriter, r *http.Request, p *Principal, confirm bool) error {
	var req api.TransactionRef
	if e := decode(r, &req); e != nil {
		return e
	}
	id := strings.TrimSpace(req.TransactionID)
	if id == "" {
		return api.Invalid("transactionId", "transactionId is required.")
	}
	if _, err := s.partyTransaction(r, p, id); err != nil {
		return err
	}
	tx, err := s.ledger.Resolve(r.Context(), ledger.Resolution{TransactionID: id, ActorID: p.Account.ID, Confirm: confirm})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.TransactionBody{Transaction: tx.API(p.Account.ID, s.cfg.Currency)})
	return nil
}

// GET /transactions: the caller's transactions, newest first. Without limit (and cursor) it is
// every one of them as {transactions}, as the compatible layer expects; with limit or cursor it is
// a page, {transactions, nextCursor, hasMore}.
func (s *Server) listTransactions(w http.ResponseWriter, r *http.Request, p *Principal) error {
	q, paged, e := parseQuery(r.URL.Query())
	if e != nil {
		return e
	}
	page, err := s.ledger.Transactions(r.Context(), p.Account.ID, q)
	if err != nil {
		return err
	}
	txs := make([]api.Transaction, len(page.Transactions))
	for i, tx := range page.Transactions {
		txs[i] = tx.API(p.Account.ID, s.cfg.Currency)
	}
	if !paged {
		writeJSON(w, http.StatusOK, api.TransactionsBody{Transactions: txs})
		return nil
	}
	out := api.TransactionsPage{Transactions: txs, HasMore: page.HasMore}
	if page.NextCursor != "" {
		c := page.NextCursor
		out.NextCursor = &c
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxQueryText bounds the q filter.
const maxQueryText = 256

// parseQuery reads GET /transactions' parameters; a bad one is a 400 naming it. Unknown
// parameters are ignored.
func parseQuery(v url.Values) (ledger.Query, bool, *api.Error) {
	var q ledger.Query
	paged := false
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > api.MaxPageLimit {
			return q, false, api.Invalid("limit", "limit must be a whole number from 1 to 200.")
		}
		q.Limit, paged = n, true
	}
	if s := v.Get("cursor"); s != "" {
		if len(s) > 256 {
			return q, false, api.Invalid("cursor", "The cursor is not valid: use the nextCursor of a previous page.")
		}
		q.Cursor, paged = s, true
	}
	// skip is offset's other name (the SyftBox clients page with skip): each is checked as
	// offset is; both at once must agree.
	offset, set := 0, ""
	for _, name := range []string{"offset", "skip"} {
		s := v.Get(name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1_000_000_000 {
			return q, false, api.Invalid(name, name+" must be a whole number, 0 or more.")
		}
		if set != "" && n != offset {
			return q, false, api.Invalid(name, "skip is another name for offset: give one of them, or the same number to both.")
		}
		offset, set = n, name
	}
	q.Offset = offset
	if s := v.Get("direction"); s != "" {
		switch d := strings.ToLower(s); d {
		case api.DirectionIn, api.DirectionOut:
			q.Direction = d
		default:
			return q, false, api.Invalid("direction", `direction must be "in" or "out".`)
		}
	}
	if s := v.Get("status"); s != "" {
		switch st := strings.ToUpper(s); st {
		case api.StatusPending, api.StatusCompleted, api.StatusCancelled:
			q.Status = st
		default:
			return q, false, api.Invalid("status", "status must be PENDING, COMPLETED or CANCELLED.")
		}
	}
	if s := v.Get("counterparty"); s != "" {
		email, e := api.NormalizeEmail("counterparty", s)
		if e != nil {
			return q, false, e
		}
		q.Counterparty = email
	}
	var e *api.Error
	if q.Since, e = parseTime(v, "since"); e != nil {
		return q, false, e
	}
	if q.Until, e = parseTime(v, "until"); e != nil {
		return q, false, e
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return q, false, api.Invalid("until", "until must not be before since.")
	}
	if q.MinAmount, e = parseAmount(v, "minAmount"); e != nil {
		return q, false, e
	}
	if q.MaxAmount, e = parseAmount(v, "maxAmount"); e != nil {
		return q, false, e
	}
	if q.MinAmount > 0 && q.MaxAmount > 0 && q.MaxAmount < q.MinAmount {
		return q, false, api.Invalid("maxAmount", "maxAmount must not be below minAmount.")
	}
	if s := v.Get("q"); s != "" {
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxQueryText {
			return q, false, api.Invalid("q", "q must be at most 256 characters.")
		}
		q.Text = s
	}
	return q, paged, nil
}

func parseTime(v url.Values, name string) (time.Time, *api.Error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, api.Invalid(name, name+" must be an RFC 3339 time, such as 2026-11-29T10:54:24Z.")
	}
	return t.UTC(), nil
}

func parseAmount(v url.Values, name string) (money.Micros, *api.Error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	m, err := money.Parse(s)
	if err != nil || m < 0 || m > money.MaxAmount {
		return 0, api.Invalid(name, name+" must be a decimal amount of at most 6 decimal places.")
	}
	return m, nil
}
