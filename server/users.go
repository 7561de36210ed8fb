package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/auth"
)

// maxTextRunes bounds free-text fields that api.md leaves open: organization, appName, appEpPath.
const maxTextRunes = 255

// POST /user/create (no auth; an admin's Bearer header is accepted and changes nothing):
// 201 {user, password}, password being the generated one or null when the caller chose one.
// Registrations per client address are limited (429 with Retry-After; Limits.Register), and a full
// password-hash queue is 503 with Retry-After.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var req api.CreateUserRequest
	if e := decode(r, &req); e != nil {
		return e
	}
	email, e := api.NormalizeEmail("email", req.Email)
	if e != nil {
		return e
	}
	// The SyftBox SDK sends "password": null (and treats "" like no password) to get one generated.
	var generated *string
	password := ""
	if req.Password != nil && *req.Password != "" {
		password = *req.Password
		if e := api.CheckPassword("password", password); e != nil {
			return e
		}
	}
	org, e := cleanText("organization", "The organization", req.Organization)
	if e != nil {
		return e
	}
	if email == s.cfg.SystemEmail {
		return errAccountExists()
	}
	// Fail fast on a taken address before paying for a hash (the ledger checks again).
	if _, err := s.ledger.AccountByEmail(r.Context(), email); err == nil {
		return errAccountExists()
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return err
	}
	if password == "" {
		pw, err := auth.GeneratePassword()
		if err != nil {
			return err
		}
		password, generated = pw, &pw
	}
	// Each registration pays a hash: an address has a budget of them (limits.go).
	refund, err := s.reserveRegistration(r)
	if err != nil {
		return err
	}
	hash, err := s.hasher.Hash(r.Context(), password)
	if err != nil {
		refund()
		return hashFailed(err)
	}
	acct, err := s.ledger.CreateAccount(r.Context(), ledger.NewAccount{
		Email: email, PasswordHash: hash, Organization: org, WelcomeCredit: s.cfg.WelcomeCredit,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, api.CreateUserResponse{User: s.userJSON(acct), Password: generated})
	return nil
}

// GET /user/my-info and GET /account: 200 {user}.
func (s *Server) myInfo(w http.ResponseWriter, r *http.Request, p *Principal) error {
	acct, err := s.current(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.UserBody{User: s.userJSON(acct)})
	return nil
}

// PUT /user/update-password {oldPassword, newPassword}: 200 {user}. The credential cache forgets
// the account, so the old password stops working at once, and every other sign-in session is
// revoked (every Bearer session, for a Basic caller). See changePassword.
func (s *Server) updatePassword(w http.ResponseWriter, r *http.Request, p *Principal) error {
	acct, err := s.changePassword(r, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.UserBody{User: s.userJSON(acct)})
	return nil
}

// PUT /user/update-organization {organization}: 200 {user}; null or "" clears it.
func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request, p *Principal) error {
	var req api.OrganizationUpdate
	if e := decode(r, &req); e != nil {
		return e
	}
	org, e := cleanText("organization", "The organization", req.Organization)
	if e != nil {
		return e
	}
	acct, err := s.ledger.SetOrganization(r.Context(), p.Account.ID, org)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.UserBody{User: s.userJSON(acct)})
	return nil
}

func (s *Server) userJSON(a ledger.Account) api.User { return a.API(s.cfg.Currency) }

// cleanText trims an optional free-text field; empty becomes null. At most maxTextRunes
// characters of valid UTF-8 without control or bidi characters (api.CheckPrintable, whose
// sentence names the value as what: "The organization").
func cleanText(field, what string, v *string) (*string, *api.Error) {
	if v == nil {
		return nil, nil
	}
	t := strings.TrimSpace(*v)
	if t == "" {
		return nil, nil
	}
	if !utf8.ValidString(t) || utf8.RuneCountInString(t) > maxTextRunes {
		return nil, api.Invalid(field, field+" must be at most 255 characters.")
	}
	if e := api.CheckPrintable(field, what, t); e != nil {
		return nil, e
	}
	return &t, nil
}

// counterparty finds the person an email names for a payment, token or credit: not the caller
// (400 self-payment), not unknown and not the system account (400 unknown). The field is named.
func (s *Server) counterparty(ctx context.Context, field, raw string, self *ledger.Account) (ledger.Account, error) {
	email, e := api.NormalizeEmail(field, raw)
	if e != nil {
		return ledger.Account{}, e
	}
	if self != nil && email == self.Email {
		return ledger.Account{}, errSelfPayment(field)
	}
	a, err := s.ledger.AccountByEmail(ctx, email)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && a.System) {
		return ledger.Account{}, errUnknownAccount(field)
	}
	return a, err
}
