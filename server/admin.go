package server

import (
	"errors"
	"net/http"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// Admin endpoints: "Authorization: Bearer <admin key>" (see requireAdmin). They exist only when an
// admin key is configured.

// POST /user/add-balance {recipientEmail, amount}: 200 {user}. Money is created by a COMPLETED
// SYSTEM transfer from the system account.
func (s *Server) addBalance(w http.ResponseWriter, r *http.Request) error {
	var req api.AddBalanceRequest
	if e := decode(r, &req); e != nil {
		return e
	}
	if e := s.checkCurrency("currency", req.Currency); e != nil {
		return e
	}
	to, err := s.counterparty(r.Context(), "recipientEmail", req.RecipientEmail, nil)
	if err != nil {
		return err
	}
	amount, e := api.CheckAmount("amount", req.Amount)
	if e != nil {
		return e
	}
	acct, _, err := s.ledger.Credit(r.Context(), ledger.Credit{RecipientEmail: to.Email, Amount: amount})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.UserBody{User: s.userJSON(acct)})
	return nil
}

// GET /user/{email}: 200 {user}; 404 for an unknown address and for the system account.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	email, e := api.NormalizeEmail("email", r.PathValue("email"))
	if e != nil {
		return e
	}
	acct, err := s.ledger.AccountByEmail(r.Context(), email)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && acct.System) {
		return &api.Error{Code: api.CodeNotFound, Message: "No account has that email address."}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.UserBody{User: s.userJSON(acct)})
	return nil
}

// GET /users: 200 {users}, people's accounts only (the system account is not a user).
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	accts, err := s.ledger.Accounts(r.Context())
	if err != nil {
		return err
	}
	users := make([]api.User, 0, len(accts))
	for _, a := range accts {
		if !a.System {
			users = append(users, s.userJSON(a))
		}
	}
	writeJSON(w, http.StatusOK, api.UsersBody{Users: users})
	return nil
}
