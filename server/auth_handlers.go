package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/auth"
)

// The sign-in endpoints of the enhanced layer (api.md, "Enhanced layer", /auth/*). MFA endpoints
// are in mfa.go, rate limits in limits.go, Bearer checks in bearer.go.

// challengeTTL is how long an MFA challenge lives (api.md: 5 minutes).
const challengeTTL = 5 * time.Minute

// POST /auth/login {email, password}: 200 tokens, or 200 {mfaRequired, challengeId, expiresIn}
// when the account has MFA on. The challenge is only given once the password is right.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	acct, st, err := s.passwordSignIn(r)
	if err != nil {
		return err
	}
	if acct.MFAEnabled {
		ch, err := s.newChallenge(r.Context(), acct, st)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, api.MFAChallenge{MFARequired: true, ChallengeID: ch.ID, ExpiresIn: int(challengeTTL / time.Second)})
		return nil
	}
	return s.signedIn(w, r, acct, "password")
}

// POST /auth/mfa/initiate {email, password}: 200 {challengeId, methods, expiresIn}.
// An unknown email, an account without MFA and one with MFA pay the same work up to the answer
// (see passwordSignIn); only a right password on an MFA account goes on to write a challenge.
func (s *Server) mfaInitiate(w http.ResponseWriter, r *http.Request) error {
	acct, st, err := s.passwordSignIn(r)
	if err != nil {
		return err
	}
	if !acct.MFAEnabled {
		return &api.Error{Code: api.CodeConflict,
			Message: "This account does not use two-factor authentication: sign in with /auth/login."}
	}
	ch, err := s.newChallenge(r.Context(), acct, st)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.MFAChallenge{ChallengeID: ch.ID, Methods: []string{"totp", "recovery"},
		ExpiresIn: int(challengeTTL / time.Second)})
	return nil
}

// passwordSignIn checks the {email, password} body of /auth/login and /auth/mfa/initiate, and
// returns the account with its MFA state. Every path pays the same work before it answers: the
// account read, the MFA state read (an unknown email reads a row that is not there), one argon2id
// hash (against a dummy hash for an unknown email) with the attempt's rate-limit tokens taken
// first (see checkPassword). So the answer's timing tells no more than its body: an unknown email
// and a wrong password get the same 401, whether or not the account has MFA.
func (s *Server) passwordSignIn(r *http.Request) (ledger.Account, ledger.MFAState, error) {
	var req api.Credentials
	if e := decode(r, &req); e != nil {
		return ledger.Account{}, ledger.MFAState{}, e
	}
	if strings.TrimSpace(req.Email) == "" {
		return ledger.Account{}, ledger.MFAState{}, api.Invalid("email", "The email address is required.")
	}
	if req.Password == "" {
		return ledger.Account{}, ledger.MFAState{}, api.Invalid("password", "The password is required.")
	}
	email, e := api.NormalizeEmail("email", req.Email)
	if e != nil {
		return ledger.Account{}, ledger.MFAState{}, e
	}
	ctx := r.Context()
	att := s.attempt(r, kindPassword, email)
	defer att.release(ctx)
	acct, known, err := s.accountForPassword(ctx, email)
	if err != nil {
		return ledger.Account{}, ledger.MFAState{}, err
	}
	st, err := s.auth.MFA(ctx, acct.ID)
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return ledger.Account{}, ledger.MFAState{}, err
	}
	ok, err := s.checkPassword(ctx, att, acct, known, req.Password)
	if err != nil {
		return ledger.Account{}, ledger.MFAState{}, err
	}
	if !ok {
		return ledger.Account{}, ledger.MFAState{}, errBadCredentials
	}
	return acct, st, nil
}

// accountForPassword reads the account a password is checked against; known is false when there
// is none (no such account, the system account, no password), which checkPassword treats alike.
func (s *Server) accountForPassword(ctx context.Context, email string) (acct ledger.Account, known bool, err error) {
	acct, err = s.ledger.AccountByEmail(ctx, email)
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return ledger.Account{}, false, err
	}
	return acct, err == nil && !acct.System && acct.PasswordHash != "", nil
}

// checkPassword is every password check of a sign-in (Basic, /auth/login, /auth/mfa/initiate, a
// password change): it takes att's rate-limit tokens first (429 when spent), then pays one argon2id
// hash, against the account's hash or, when the account is not known, a dummy one (same work, same
// answer), on the hasher's priority lane when nothing marks the attempt as an attack (a full hash
// queue is 503). A wrong password settles att as a failure, a right one as a success. The caller
// defers att.release.
func (s *Server) checkPassword(ctx context.Context, att *attempt, acct ledger.Account, known bool, password string) (bool, error) {
	if known {
		att.hashTag = hashTag(acct.PasswordHash)
	}
	if err := att.reserve(ctx); err != nil {
		return false, err
	}
	hctx := att.hashContext(ctx)
	ok := false
	if len(password) > maxPasswordBytes {
		// Too long to be anyone's password; refuse without hashing kilobytes (the length is no secret).
	} else if !known {
		if err := s.hasher.VerifyAbsent(hctx, password); err != nil {
			return false, hashFailed(err)
		}
	} else {
		var err error
		ok, err = s.hasher.Verify(hctx, acct.PasswordHash, password)
		if err != nil && (ctx.Err() != nil || errors.Is(err, auth.ErrBusy)) {
			return false, hashFailed(err)
		}
		ok = ok && err == nil
	}
	if !ok {
		att.fail()
		return false, nil
	}
	att.succeed(ctx)
	return true, nil
}

// newChallenge opens an MFA challenge, unless the account's MFA is locked (429 with Retry-After);
// st is the account's MFA state as passwordSignIn read it.
func (s *Server) newChallenge(ctx context.Context, acct ledger.Account, st ledger.MFAState) (ledger.Challenge, error) {
	if err := s.mfaLocked(st); err != nil {
		return ledger.Challenge{}, err
	}
	return s.auth.CreateChallenge(ctx, acct.ID, challengeTTL)
}

// signedIn starts a session for acct and answers 200 with its tokens. method ("password",
// "totp", "recovery") is recorded in the security.login event.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, acct ledger.Account, method string) error {
	refresh, hash := auth.NewRefreshToken()
	sess, err := s.auth.CreateSession(r.Context(), ledger.NewSession{
		AccountID: acct.ID, RefreshHash: hash, RefreshTTL: s.cfg.RefreshTTL,
		UserAgent: userAgent(r), Method: method,
	})
	if err != nil {
		return err
	}
	return s.writeTokens(w, acct, sess.ID, refresh)
}

func (s *Server) writeTokens(w http.ResponseWriter, acct ledger.Account, sessionID, refresh string) error {
	access, _, err := s.issuer.IssueAccess(acct.ID, acct.Email, sessionID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Tokens{
		AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(s.cfg.AccessTTL / time.Second), User: s.userJSON(acct),
	})
	return nil
}

// userAgent is what the session remembers of the client: at most 200 bytes of printable UTF-8.
func userAgent(r *http.Request) string {
	ua := r.UserAgent()
	if len(ua) > 200 {
		ua = ua[:200]
	}
	ua = strings.ToValidUTF8(ua, "")
	return strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || !utf8.ValidRune(c) {
			return -1
		}
		return c
	}, ua)
}

// POST /auth/refresh {refreshToken}: 200 tokens, rotating the refresh token. A spent token
// revokes its whole session (the ledger does it in the same transaction) and gets 401, as does an
// unknown, revoked or expired one.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) error {
	var req api.RefreshRequest
	if e := decode(r, &req); e != nil {
		return e
	}
	if req.RefreshToken == "" {
		return api.Invalid("refreshToken", "The refresh token is required.")
	}
	ctx := r.Context()
	att := s.attempt(r, kindRefresh, "")
	if err := att.reserve(ctx); err != nil {
		return err
	}
	defer att.release(ctx)
	if len(req.RefreshToken) > maxTokenBytes {
		att.fail()
		return errRefreshInvalid
	}
	next, hash := auth.NewRefreshToken()
	sess, err := s.auth.RotateRefresh(ctx, auth.HashSecret(req.RefreshToken), hash, s.cfg.RefreshTTL)
	if err != nil {
		var refused error
		switch {
		case errors.Is(err, ledger.ErrNotFound):
			refused = errRefreshInvalid
		case errors.Is(err, ledger.ErrRefreshReused):
			s.revoked(sess.ID)
			refused = unauthenticated("This refresh token was already used, so its session has been signed out: sign in again.")
		case errors.Is(err, ledger.ErrRevoked):
			refused = errTokenRevoked
		case errors.Is(err, ledger.ErrExpired):
			refused = unauthenticated("The refresh token has expired: sign in again.")
		default:
			return err
		}
		att.fail()
		if err := att.failedFor(ctx, sess.AccountID); err != nil {
			return err
		}
		return refused
	}
	att.succeed(ctx)
	acct, err := s.ledger.AccountByID(ctx, sess.AccountID)
	if err != nil {
		return err
	}
	return s.writeTokens(w, acct, sess.ID, next)
}

var errRefreshInvalid = unauthenticated("The refresh token is not valid: sign in again.")

// POST /auth/logout {refreshToken?} (bearer): 204; the caller's session is revoked, which spends
// every refresh token of it. The optional refreshToken is accepted and not needed.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *Principal) error {
	b, e := readBody(r)
	if e != nil {
		return e
	}
	if len(strings.TrimSpace(string(b))) > 0 {
		var req api.LogoutRequest
		if e := decodeJSON(b, &req, "", ""); e != nil {
			return e
		}
	}
	if _, err := s.auth.RevokeSession(r.Context(), p.SessionID, "logout"); err != nil {
		return err
	}
	s.revoked(p.SessionID)
	writeNoContent(w)
	return nil
}

// POST /auth/logout-all (bearer): 204; every session of the user is revoked, this one included.
func (s *Server) logoutAll(w http.ResponseWriter, r *http.Request, p *Principal) error {
	ids, err := s.auth.RevokeSessions(r.Context(), p.Account.ID, "", "logout-all")
	if err != nil {
		return err
	}
	s.revoked(ids...)
	writeNoContent(w)
	return nil
}

// POST /auth/password {oldPassword, newPassword} (bearer): 204; every other session is revoked.
func (s *Server) changePasswordBearer(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if _, err := s.changePassword(r, p); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

// changePassword checks the old password (a wrong one counts against the rate limits), stores the
// new one, forgets the remembered Basic checks and revokes every session but the caller's (all of
// them for a Basic caller). It returns the updated account.
func (s *Server) changePassword(r *http.Request, p *Principal) (ledger.Account, error) {
	var req api.PasswordChange
	if e := decode(r, &req); e != nil {
		return ledger.Account{}, e
	}
	if req.OldPassword == "" {
		return ledger.Account{}, api.Invalid("oldPassword", "The current password is required.")
	}
	if e := api.CheckPassword("newPassword", req.NewPassword); e != nil {
		return ledger.Account{}, e
	}
	ctx := r.Context()
	att := s.attempt(r, kindPassword, p.Account.Email)
	defer att.release(ctx)
	was, err := s.current(ctx, p)
	if err != nil {
		return ledger.Account{}, err
	}
	ok, err := s.checkPassword(ctx, att, was, true, req.OldPassword)
	if err != nil {
		return ledger.Account{}, err
	}
	if !ok {
		return ledger.Account{}, api.Invalid("oldPassword", "The current password is wrong.")
	}
	hash, err := s.hasher.Hash(ctx, req.NewPassword)
	if err != nil {
		return ledger.Account{}, hashFailed(err)
	}
	acct, err := s.ledger.SetPassword(ctx, p.Account.ID, hash)
	s.creds.ForgetUser(p.Account.ID)
	if err != nil {
		return ledger.Account{}, err
	}
	if s.auth != nil {
		ids, err := s.auth.RevokeSessions(ctx, p.Account.ID, p.SessionID, "password changed")
		s.revoked(ids...)
		if err != nil {
			return ledger.Account{}, err
		}
	}
	return acct, nil
}

// GET /auth/jwks: the public key that verifies access tokens.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	set := s.cfg.Keys.JWKS()
	out := api.JWKS{Keys: make([]api.JWK, len(set.Keys))}
	for i, k := range set.Keys {
		out.Keys[i] = api.JWK{Kty: k.Kty, Crv: k.Crv, X: k.X, Kid: k.Kid, Alg: k.Alg, Use: k.Use}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
