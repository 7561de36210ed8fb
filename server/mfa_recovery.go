package server

import (
	"errors"
	"net/http"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/auth"
)

// Recovery codes after enabling: how many are left, and a new set.
//
//   - GET /auth/mfa says whether two-factor is on and how many unused recovery codes are left,
//     for the Security screen (the user object of the compatible layer is not widened for it).
//   - POST /auth/mfa/recovery-codes {code} makes ten new codes and drops every old one, spent or
//     not, in one store transaction (security.mfa_changed, with the count). The code must be a
//     current TOTP code, checked as for creating an API key (freshCode: rate limits, lockout,
//     spent once): a recovery code cannot make new ones, or one stolen code would buy ten.

var errMFAOff = &api.Error{Code: api.CodeConflict, Message: "Two-factor authentication is not on."}

// errRecoveryCodeHere answers a code that has a recovery code's form where only a TOTP code is
// taken. It is told by its form alone (it was not looked up), so it says nothing of the code.
var errRecoveryCodeHere = api.Invalid("code", "A recovery code cannot be used here: enter the current code from your authenticator app.")

func looksLikeRecoveryCode(code string) bool {
	_, ok := auth.NormalizeRecoveryCode(code)
	return ok
}

// GET /auth/mfa (bearer): 200 {enabled, recoveryCodesLeft}.
func (s *Server) mfaStatus(w http.ResponseWriter, r *http.Request, p *Principal) error {
	st, err := s.auth.MFA(r.Context(), p.Account.ID)
	if err != nil {
		return err
	}
	out := api.MFAStatus{Enabled: st.Enabled}
	if st.Enabled {
		out.RecoveryCodesLeft = st.Recovery
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /auth/mfa/recovery-codes {code} (bearer): 200 {recoveryCodes}, shown this once. A wrong,
// replayed or recovery code is 400 on field code and counts against the rate limits; while MFA is
// locked, 429; 409 conflict when MFA is off.
func (s *Server) mfaRecoveryCodes(w http.ResponseWriter, r *http.Request, p *Principal) error {
	code, e := mfaCode(r)
	if e != nil {
		return e
	}
	ctx := r.Context()
	st, err := s.auth.MFA(ctx, p.Account.ID)
	if err != nil {
		return err
	}
	if !st.Enabled {
		return errMFAOff
	}
	if err := s.freshCode(r, p, code); err != nil {
		return err
	}
	codes, hashes := auth.NewRecoveryCodes(recoveryCodeCount)
	if err := s.auth.ReplaceRecoveryCodes(ctx, p.Account.ID, hashes); err != nil {
		if errors.Is(err, ledger.ErrNotFound) { // turned off since the code was checked
			return errMFAOff
		}
		return err
	}
	writeJSON(w, http.StatusOK, api.RecoveryCodes{RecoveryCodes: codes})
	return nil
}
