package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// canonicalPayment is what a payment's idempotency fingerprint is computed over.
type canonicalPayment struct {
	Recipient string            `json:"r"`
	Amount    int64             `json:"a"`
	Currency  string            `json:"c,omitempty"`
	Memo      *string           `json:"m"`
	Metadata  map[string]string `json:"d"`
}

// POST /payments {recipientEmail, amount, currency?, memo?, metadata?} (+ optional idempotency
// key): 201 {transaction}, COMPLETED at once.
func (s *Server) pay(w http.ResponseWriter, r *http.Request, p *Principal) error {
	var req api.PaymentRequest
	if e := decode(r, &req); e != nil {
		return e
	}
	key, e := idempotencyKey(r, req.IdempotencyKey)
	if e != nil {
		return e
	}
	item, err := s.checkPayment(r, p, "", req.RecipientEmail, req.Amount, req.Currency, req.Memo, req.Metadata, nil)
	if err != nil {
		return err
	}
	fp := fingerprint("POST /payments", canonicalPayment{
		Recipient: item.RecipientEmail, Amount: int64(item.Amount), Memo: item.Memo, Metadata: item.Metadata,
	})
	respond := s.respondWith(http.StatusCreated, func(txs []ledger.Transaction) any {
		return api.TransactionBody{Transaction: txs[0].API(p.Account.ID, s.cfg.Currency)}
	})
	return s.runMoney(w, r, p, key, fp, respond, func(idem *ledger.Idempotency) (ledger.Receipt, error) {
		return s.ledger.Pay(r.Context(), ledger.Payment{
			SenderID: p.Account.ID, RecipientEmail: item.RecipientEmail, Amount: item.Amount,
			Memo: item.Memo, Metadata: item.Metadata, Idem: idem, APIKeyID: p.apiKeyID(),
		})
	})
}

// checkPayment validates one payment (prefix names its place in a batch, "payments[3].").
func (s *Server) checkPayment(r *http.Request, p *Principal, prefix, recipient string, amount *money.Micros,
	currency, memo *string, md map[string]string, known map[string]bool) (ledger.BatchItem, error) {
	if e := s.checkCurrency(prefix+"currency", currency); e != nil {
		return ledger.BatchItem{}, e
	}
	if _, e := api.NormalizeEmail(prefix+"recipientEmail", recipient); e != nil {
		return ledger.BatchItem{}, e
	}
	amt, e := api.CheckAmount(prefix+"amount", amount)
	if e != nil {
		return ledger.BatchItem{}, e
	}
	if e := api.CheckMemo(prefix+"memo", memo); e != nil {
		return ledger.BatchItem{}, e
	}
	if memo != nil && *memo == "" {
		memo = nil
	}
	if e := api.CheckMetadata(prefix+"metadata", md); e != nil {
		return ledger.BatchItem{}, e
	}
	if len(md) == 0 {
		md = nil
	}
	email, _ := api.NormalizeEmail("", recipient)
	if known[email] {
		return ledger.BatchItem{RecipientEmail: email, Amount: amt, Memo: memo, Metadata: md}, nil
	}
	if email != p.Account.Email && s.payees.known(email) { // a person's account (payees.go)
		if known != nil {
			known[email] = true
		}
		return ledger.BatchItem{RecipientEmail: email, Amount: amt, Memo: memo, Metadata: md}, nil
	}
	to, err := s.counterparty(r.Context(), prefix+"recipientEmail", recipient, &p.Account)
	if err != nil {
		return ledger.BatchItem{}, err
	}
	s.payees.add(to.Email)
	if known != nil {
		known[to.Email] = true
	}
	return ledger.BatchItem{RecipientEmail: to.Email, Amount: amt, Memo: memo, Metadata: md}, nil
}

// checkCurrency is the one currency check of every request that names an amount
// (/transaction/create, /user/add-balance, /payments, a batch and each of its items): absent or
// the deployment's currency in any letter case, else 400 unsupported_currency naming field. It
// runs with the other validation, before the ledger, so a refused request moves nothing and does
// not consume its idempotency key.
func (s *Server) checkCurrency(field string, c *string) *api.Error {
	return api.CheckCurrency(field, c, s.cfg.Currency)
}

// GET /payments/{id}: 200 {transaction} for either party, 404 for anyone else.
func (s *Server) getPayment(w http.ResponseWriter, r *http.Request, p *Principal) error {
	tx, err := s.partyTransaction(r, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.TransactionBody{Transaction: tx.API(p.Account.ID, s.cfg.Currency)})
	return nil
}

// partyTransaction reads a transaction the caller is a party to; a stranger gets the same 404 as
// for an id that does not exist.
func (s *Server) partyTransaction(r *http.Request, p *Principal, id string) (ledger.Transaction, error) {
	if id == "" || len(id) > 128 {
		return ledger.Transaction{}, notFound()
	}
	tx, err := s.ledger.Transaction(r.Context(), id)
	if err != nil {
		return tx, err
	}
	if tx.SenderID != p.Account.ID && tx.RecipientID != p.Account.ID {
		return ledger.Transaction{}, notFound()
	}
	return tx, nil
}

// POST /transactions/batch {payments: [...]} (+ optional idempotency key): 201 {transactions},
// all or nothing; an error names the item, "payments[3].amount".
func (s *Server) payBatch(w http.ResponseWriter, r *http.Request, p *Principal) error {
	body, e := readBody(r)
	if e != nil {
		return e
	}
	// Items are decoded one by one so that a wrong type names its item.
	var req struct {
		Payments       []json.RawMessage `json:"payments"`
		Currency       *string           `json:"currency"`
		IdempotencyKey string            `json:"idempotencyKey"`
	}
	if e := decodeJSON(body, &req, "", "amount"); e != nil {
		return e
	}
	key, e := idempotencyKey(r, req.IdempotencyKey)
	if e != nil {
		return e
	}
	if e := s.checkCurrency("currency", req.Currency); e != nil {
		return e
	}
	if len(req.Payments) == 0 || len(req.Payments) > api.MaxBatch {
		return api.Invalid("payments", fmt.Sprintf("A batch holds 1 to %d payments.", api.MaxBatch))
	}
	items := make([]ledger.BatchItem, len(req.Payments))
	known := map[string]bool{} // recipients already found in this batch: look each up once
	canon := make([]canonicalPayment, len(req.Payments))
	for i, raw := range req.Payments {
		prefix := fmt.Sprintf("payments[%d].", i)
		var bi api.BatchItem
		if e := decodeJSON(raw, &bi, prefix, "amount"); e != nil {
			return e
		}
		item, err := s.checkPayment(r, p, prefix, bi.RecipientEmail, bi.Amount, bi.Currency, bi.Memo, bi.Metadata, known)
		if err != nil {
			return err
		}
		items[i] = item
		canon[i] = canonicalPayment{Recipient: item.RecipientEmail, Amount: int64(item.Amount),
			Memo: item.Memo, Metadata: item.Metadata}
	}
	fp := fingerprint("POST /transactions/batch", canon)
	respond := s.respondWith(http.StatusCreated, func(txs []ledger.Transaction) any {
		out := make([]api.Transaction, len(txs))
		for i, tx := range txs {
			out[i] = tx.API(p.Account.ID, s.cfg.Currency)
		}
		return api.TransactionsBody{Transactions: out}
	})
	return s.runMoney(w, r, p, key, fp, respond, func(idem *ledger.Idempotency) (ledger.Receipt, error) {
		return s.ledger.PayBatch(r.Context(), ledger.Batch{SenderID: p.Account.ID, Items: items, Idem: idem,
			APIKeyID: p.apiKeyID()})
	})
}
