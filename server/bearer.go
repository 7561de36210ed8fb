package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/auth"
)

// Bearer access tokens (api.md, "Authentication"): an EdDSA JWT from /auth/login, /auth/mfa/verify
// or /auth/refresh. A token is accepted when
//   - its signature verifies with this service's key (alg pinned to EdDSA, kid and typ checked:
//     "none" and every other algorithm are refused), exp is required and not passed, iss and aud
//     are this service's;
//   - its session (sid) exists, belongs to its subject and is not revoked, so logout, logout-all,
//     a password change or a reused refresh token end it at once, not when it expires;
//   - its subject is still an account of a person.
//
// All three are checked in full once per token and then remembered until its exp (the session
// cache, sessioncache.go), forgotten at once by every revocation. An account is never deleted and
// its id and email never change, so a request with a remembered token reads no account: its
// Principal carries the id and email only, and the handlers that show or decide on balances,
// flags or the password hash read the account afresh (Server.current), so those are current.
// Every refusal is 401
// unauthenticated with WWW-Authenticate: Bearer error="invalid_token"; the token never reaches a
// log or a response.

// maxTokenBytes bounds what is parsed; our access tokens are about 400 bytes.
const maxTokenBytes = 4096

var (
	errTokenInvalid = unauthenticated("The access token is not valid: sign in again.")
	errTokenExpired = unauthenticated("The access token has expired: refresh it or sign in again.")
	errTokenRevoked = unauthenticated("This session was signed out: sign in again.")
)

type bearerAuth struct{ s *Server }

func (b bearerAuth) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if isAPIKey(token) {
		return b.s.apiKeyPrincipal(ctx, token) // apikeys.go
	}
	acct, sid, err := b.s.verifyBearer(ctx, token)
	if err != nil {
		return nil, err
	}
	return &Principal{Account: acct, Scheme: "bearer", SessionID: sid, identityOnly: true}, nil
}

// verifyBearer returns the token's account (its id and email only: see Server.current) and session.
func (s *Server) verifyBearer(ctx context.Context, token string) (ledger.Account, string, error) {
	if s.auth == nil {
		return ledger.Account{}, "", unauthenticated("This authorization scheme is not accepted here.")
	}
	if len(token) > maxTokenBytes {
		return ledger.Account{}, "", errTokenInvalid
	}
	key := tokenKey(token)
	c, ok := s.sessions.get(key) // verified before, session live since (sessioncache.go)
	if !ok {
		var err error
		if c, err = s.checkBearer(ctx, key, token); err != nil {
			return ledger.Account{}, "", err
		}
	}
	return ledger.Account{ID: c.userID, Email: c.email}, c.sessionID, nil
}

// checkBearer is the full check of a token the session cache does not hold: signature and
// claims, then the session, read from the AuthStore. A token that passes is remembered.
func (s *Server) checkBearer(ctx context.Context, key [32]byte, token string) (cachedToken, error) {
	c, err := s.issuer.VerifyAccess(token)
	if errors.Is(err, auth.ErrTokenExpired) {
		return cachedToken{}, errTokenExpired
	}
	if err != nil {
		return cachedToken{}, errTokenInvalid
	}
	gen := s.sessions.generation()
	sess, err := s.auth.Session(ctx, c.SessionID)
	if errors.Is(err, ledger.ErrNotFound) {
		return cachedToken{}, errTokenInvalid
	}
	if err != nil {
		return cachedToken{}, err
	}
	if sess.AccountID != c.UserID {
		return cachedToken{}, errTokenInvalid
	}
	if !sess.Live() {
		return cachedToken{}, errTokenRevoked
	}
	acct, err := s.ledger.AccountByID(ctx, c.UserID)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && acct.System) {
		return cachedToken{}, errTokenInvalid
	}
	if err != nil {
		return cachedToken{}, err
	}
	t := cachedToken{userID: c.UserID, sessionID: sess.ID, email: acct.Email, exp: c.ExpiresAt}
	s.sessions.put(key, t, gen)
	return t, nil
}

// AuthenticateBearer checks the request's "Authorization: Bearer <access token>" exactly as every
// user endpoint does (signature, algorithm, exp, iss, aud, live session, existing account) and
// returns whose it is. Basic and every other scheme are refused. A refusal is an *api.Error
// (401 unauthenticated) whose message may be shown; any other error is the service's own failure.
// The event hub's GET /events uses it.
func (s *Server) AuthenticateBearer(r *http.Request) (accountID, sessionID string, err error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || token == "" || !strings.EqualFold(scheme, "bearer") {
		return "", "", errNeedBearer
	}
	if isAPIKey(token) {
		return s.streamAPIKey(r.Context(), token) // apikeys.go: needs the read scope
	}
	acct, sid, err := s.verifyBearer(r.Context(), token)
	if err != nil {
		return "", "", err
	}
	return acct.ID, sid, nil
}

var errNeedBearer = unauthenticated("This endpoint needs a Bearer access token: sign in with /auth/login.")

// requireBearer is requireUser for the endpoints of a signed-in session (/auth/logout,
// /auth/password, /auth/mfa/*): only a Bearer access token is accepted.
func (s *Server) requireBearer(h userHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p *Principal
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		token = strings.TrimSpace(token)
		err := error(errNeedBearer)
		if strings.EqualFold(scheme, "bearer") && isAPIKey(token) {
			err = s.refuseAPIKey(r.Context(), token) // apikeys.go: 403, or 401 for a bad key
		} else if strings.EqualFold(scheme, "bearer") && token != "" {
			var acct ledger.Account
			var sid string
			if acct, sid, err = s.verifyBearer(r.Context(), token); err == nil {
				p = &Principal{Account: acct, Scheme: "bearer", SessionID: sid, identityOnly: true}
			}
		}
		if err == nil {
			err = h(w, r, p)
		} else if err == errNeedBearer {
			w.Header().Set("WWW-Authenticate", bearerChallenge)
		} else if isUnauthenticated(err) {
			w.Header().Set("WWW-Authenticate", bearerChallenge+`, error="invalid_token"`)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

func isUnauthenticated(err error) bool {
	var ae *api.Error
	return errors.As(err, &ae) && ae.Code == api.CodeUnauthenticated
}

// revoked tells the session cache and Config.OnRevoke about revoked sessions.
func (s *Server) revoked(ids ...string) {
	s.sessions.forget(ids...)
	if len(ids) > 0 && s.cfg.OnRevoke != nil {
		s.cfg.OnRevoke(ids)
	}
}
