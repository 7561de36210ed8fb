package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/auth"
)

// Transaction (delegation) tokens with limits (issue 13; docs/api-decisions.md, "Reusable
// transaction tokens"). A token lets its recipient create delegated transactions from its sender
// until it expires, within the limits the sender set; the ledger checks and counts each use in the
// transaction that creates the hold.

// POST /token/create and POST /transactions/token {recipientEmail, maxAmount?, maxUses?,
// expiresIn?}: 201 {token, tokenInfo}. The token is recorded in the ledger before it is signed
// out, with the expiry it carries.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p *Principal) error {
	var req api.CreateTokenRequest
	if e := decodeAs(r, &req, "maxAmount"); e != nil {
		return e
	}
	nt, e := s.tokenLimits(req)
	if e != nil {
		return e
	}
	to, err := s.counterparty(r.Context(), "recipientEmail", req.RecipientEmail, &p.Account)
	if err != nil {
		return err
	}
	if p.APIKey != nil && p.APIKey.Limit > 0 {
		return errLimitedToken
	}
	if err := s.noteTokenSigned(r.Context()); err != nil {
		return err
	}
	// "tok_": an id never starts with "-", so `syftwallet token revoke ID` never reads it as a flag.
	nt.ID, nt.SenderID, nt.RecipientEmail = "tok_"+auth.NewID(), p.Account.ID, to.Email
	tok, err := s.issuer.IssueTransactionToken(nt.ID, p.Account.Email, to.Email, s.tokenTTL(req))
	if err != nil {
		return err
	}
	claims, err := s.issuer.VerifyTransactionToken(tok) // the exp it carries, to record the same
	if err != nil {
		return fmt.Errorf("server: verify a token just signed: %w", err)
	}
	nt.ExpiresAt = claims.ExpiresAt
	rec, err := s.ledger.CreateToken(r.Context(), nt)
	if err != nil {
		return err
	}
	info := rec.API(s.now(), s.cfg.Currency)
	writeJSON(w, http.StatusCreated, api.TokenBody{Token: tok, TokenInfo: &info})
	return nil
}

// tokenLimits checks the enhanced fields of a token creation: maxAmount an amount above zero,
// maxUses 1 to api.MaxTokenUses, expiresIn 1 second to the configured token lifetime.
func (s *Server) tokenLimits(req api.CreateTokenRequest) (ledger.NewToken, *api.Error) {
	var nt ledger.NewToken
	if req.MaxAmount != nil {
		m, e := api.CheckAmount("maxAmount", req.MaxAmount)
		if e != nil {
			return nt, e
		}
		nt.MaxAmount = m
	}
	if req.MaxUses != nil {
		if *req.MaxUses < 1 || *req.MaxUses > api.MaxTokenUses {
			return nt, api.Invalid("maxUses", "maxUses must be a whole number from 1 to 1,000,000.")
		}
		nt.MaxUses = *req.MaxUses
	}
	if req.ExpiresIn != nil {
		if maxS := int64(s.cfg.TokenTTL / time.Second); *req.ExpiresIn < 1 || *req.ExpiresIn > maxS {
			return nt, api.Invalid("expiresIn", fmt.Sprintf(
				"expiresIn must be a number of seconds from 1 to %d (this service's token lifetime).", maxS))
		}
	}
	return nt, nil
}

// tokenTTL is the lifetime of a token being created: expiresIn (checked by tokenLimits), else the
// configured one.
func (s *Server) tokenTTL(req api.CreateTokenRequest) time.Duration {
	if req.ExpiresIn != nil {
		return time.Duration(*req.ExpiresIn) * time.Second
	}
	return s.cfg.TokenTTL
}

// GET /transactions/tokens: 200 {tokens}, the tokens the caller created (newest first, kept until
// 7 days after they expire), never the tokens themselves.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, p *Principal) error {
	toks, err := s.ledger.Tokens(r.Context(), p.Account.ID)
	if err != nil {
		return err
	}
	now := s.now()
	out := api.TokensBody{Tokens: make([]api.TokenInfo, len(toks))}
	for i, t := range toks {
		out.Tokens[i] = t.API(now, s.cfg.Currency)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /transactions/tokens/{id}/revoke: 200 {token}, revoked at once; 404 for an id that is not
// one of the caller's tokens. Revoking a revoked token answers it as it is.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id := strings.TrimSpace(r.PathValue("id"))
	if id == "" || len(id) > 64 {
		return notFound()
	}
	t, err := s.ledger.RevokeToken(r.Context(), p.Account.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.TokenInfoBody{Token: t.API(s.now(), s.cfg.Currency)})
	return nil
}

// tokenRefusal is the wire form of a token refusal of the ledger, or nil for another error.
func tokenRefusal(err error) *api.Error {
	var lim *ledger.TokenLimit
	switch {
	case errors.As(err, &lim) && lim.Uses:
		return &api.Error{Code: api.CodeConflict, Message: fmt.Sprintf(
			"This token was used %d of %d times: ask the sender for a new one.", lim.MaxUses, lim.MaxUses)}
	case errors.As(err, &lim):
		return &api.Error{Code: api.CodeConflict, Message: fmt.Sprintf(
			"This token allows %s more and this needs %s: ask the sender for a new one.", lim.Remaining, lim.Needed)}
	case errors.Is(err, ledger.ErrTokenRevoked):
		return &api.Error{Code: api.CodeConflict, Message: "The sender revoked this token: ask them for a new one."}
	case errors.Is(err, ledger.ErrTokenExpired):
		return api.Invalid("token", "The token has expired; ask the sender for a new one.")
	case errors.Is(err, ledger.ErrTokenUsed):
		return &api.Error{Code: api.CodeConflict, Message: "This token was already used: a token issued before this " +
			"service counted uses pays once."}
	}
	return nil
}
