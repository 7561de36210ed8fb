package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// API keys (issue 12; docs/api-decisions.md, "API keys"): long-lived credentials for scripts, CI
// jobs and SyftBox apps, sent as "Authorization: Bearer swk_…".
//
//   - A key is "swk_" and 256 random bits in unpadded base64url (47 characters). It is shown once,
//     by POST /auth/api-keys; the ledger keeps only its SHA-256 (a fast hash is enough for 256
//     random bits) and finds it by that hash, so checking a key is one indexed read.
//   - A key acts for its account on the user endpoints its scopes allow (route.scope): read
//     (account, history, payments by id, events) and pay (payments, batches, holds and their
//     resolution, delegation tokens). Sign-in, password, two-factor and key management are for a
//     signed-in session only: a key gets 403 forbidden there, and 403 forbidden naming the scope
//     (api.Error.Scope) where it lacks one. Basic is never a way to present a key.
//   - An unknown, revoked or expired key is 401 unauthenticated. A revocation is immediate: the
//     key is read on every request (no cache), the ledger checks the key again inside the
//     transaction of every payment made with it, and the event connections of the key are closed
//     with 4001 (as a revoked session's: Config.OnRevoke is told "apikey:<id>").
//   - The spend limit is enforced by the ledger in the payment's own transaction (see
//     ledger.APIKeyStore): 402 spend_limit_exceeded with what remains (api.Error.Remaining).
//   - lastUsedAt is recorded at most once a minute per key (keyTouch), so using a key costs no
//     write per request.
//   - The key never reaches a log, a response other than its creation, or an error message.

// apiKeySession is the session id under which a key's event connections are registered, so that
// revoking the key closes them (hub.RevokeSession). Session ids are base64url, so no session id
// ever contains the colon.
func apiKeySession(keyID string) string { return "apikey:" + keyID }

// apiKeyBytes is the random part of a key: 256 bits.
const apiKeyBytes = 32

// apiKeyLen is the length of every key: the prefix and 43 base64url characters.
var apiKeyLen = len(api.APIKeyPrefix) + base64.RawURLEncoding.EncodedLen(apiKeyBytes)

// isAPIKey tells a key from an access token (a JWT never starts with "swk_").
func isAPIKey(token string) bool { return strings.HasPrefix(token, api.APIKeyPrefix) }

// newAPIKey returns a fresh key and the hash the ledger keeps.
func newAPIKey() (key string, hash []byte) {
	var b [apiKeyBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	key = api.APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, hashAPIKey(key)
}

func hashAPIKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

var (
	errKeyInvalid = unauthenticated("The API key is not valid: check it, or create a new one.")
	errKeyRevoked = unauthenticated("This API key was revoked: create a new one.")
	errKeyExpired = unauthenticated("This API key has expired: create a new one.")
	errKeyNotHere = &api.Error{Code: api.CodeForbidden,
		Message: "API keys cannot be used for sign-in, passwords, two-factor settings or API keys: sign in with your password."}
)

// verifyAPIKey resolves a key to its account and key: the key must exist, be live, and belong to
// a person's account, which is read fresh.
func (s *Server) verifyAPIKey(ctx context.Context, key string) (ledger.Account, ledger.APIKey, error) {
	if s.keys == nil || len(key) != apiKeyLen {
		return ledger.Account{}, ledger.APIKey{}, errKeyInvalid
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(key[len(api.APIKeyPrefix):]); err != nil {
		return ledger.Account{}, ledger.APIKey{}, errKeyInvalid
	}
	k, err := s.keys.APIKeyByHash(ctx, hashAPIKey(key))
	if errors.Is(err, ledger.ErrNotFound) {
		return ledger.Account{}, ledger.APIKey{}, errKeyInvalid
	}
	if err != nil {
		return ledger.Account{}, ledger.APIKey{}, err
	}
	now := s.now()
	switch {
	case !k.RevokedAt.IsZero():
		return ledger.Account{}, ledger.APIKey{}, errKeyRevoked
	case !now.Before(k.ExpiresAt):
		return ledger.Account{}, ledger.APIKey{}, errKeyExpired
	}
	acct, err := s.ledger.AccountByID(ctx, k.AccountID)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && acct.System) {
		return ledger.Account{}, ledger.APIKey{}, errKeyInvalid
	}
	if err != nil {
		return ledger.Account{}, ledger.APIKey{}, err
	}
	if err := s.touch.use(ctx, s.keys, k, now); err != nil {
		return ledger.Account{}, ledger.APIKey{}, err
	}
	return acct, k, nil
}

// apiKeyPrincipal is the principal of a request made with a key.
func (s *Server) apiKeyPrincipal(ctx context.Context, key string) (*Principal, error) {
	acct, k, err := s.verifyAPIKey(ctx, key)
	if err != nil {
		return nil, err
	}
	return &Principal{Account: acct, Scheme: "apikey", SessionID: apiKeySession(k.ID), APIKey: &k}, nil
}

// apiKeyID is the id of the key the request was made with, "" for a session or Basic.
func (p *Principal) apiKeyID() string {
	if p == nil || p.APIKey == nil {
		return ""
	}
	return p.APIKey.ID
}

// scoped lets a request made with an API key through only when its key carries scope; "" means
// no key may call the route (a signed-in session or Basic only).
func scoped(scope string, h userHandler) userHandler {
	return func(w http.ResponseWriter, r *http.Request, p *Principal) error {
		if p.APIKey != nil {
			if err := needScope(p.APIKey, scope); err != nil {
				return err
			}
		}
		return h(w, r, p)
	}
}

// needScope is nil when the key may do what needs scope.
func needScope(k *ledger.APIKey, scope string) error {
	if scope == "" {
		return errKeyNotHere
	}
	if !k.Has(scope) {
		return &api.Error{Code: api.CodeForbidden, Scope: scope,
			Message: fmt.Sprintf("This API key lacks the %q scope this needs: create a key with it.", scope)}
	}
	return nil
}

// refuseAPIKey is the answer of a session-only route (requireBearer) to a key: 401 for a key that
// does not work at all, else 403 forbidden.
func (s *Server) refuseAPIKey(ctx context.Context, key string) error {
	if _, _, err := s.verifyAPIKey(ctx, key); err != nil {
		return err
	}
	return errKeyNotHere
}

// streamAPIKey is AuthenticateBearer for a key: it needs the read scope.
func (s *Server) streamAPIKey(ctx context.Context, key string) (accountID, sessionID string, err error) {
	acct, k, err := s.verifyAPIKey(ctx, key)
	if err != nil {
		return "", "", err
	}
	if err := needScope(&k, api.ScopeRead); err != nil {
		return "", "", err
	}
	return acct.ID, apiKeySession(k.ID), nil
}

// keyTouch records lastUsedAt at most once a minute per key, and once for requests at the same
// moment (the first claims the minute).
type keyTouch struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// touchEvery is how precise lastUsedAt is.
const touchEvery = time.Minute

func (t *keyTouch) use(ctx context.Context, store ledger.APIKeyStore, k ledger.APIKey, now time.Time) error {
	if now.Sub(k.LastUsedAt) < touchEvery {
		return nil
	}
	t.mu.Lock()
	if t.last == nil {
		t.last = map[string]time.Time{}
	}
	if now.Sub(t.last[k.ID]) < touchEvery {
		t.mu.Unlock()
		return nil
	}
	t.last[k.ID] = now
	for id, at := range t.last { // forget keys not used for a while: the map stays small
		if now.Sub(at) > 10*touchEvery {
			delete(t.last, id)
		}
	}
	t.mu.Unlock()
	return store.TouchAPIKey(ctx, k.ID, now)
}

// POST /auth/api-keys {name, scopes, spendLimit?, expiresAt?, code?} (session): 201 the key,
// shown this once. With two-factor on, code must be a current TOTP code, spent like any other
// (a code already used is refused); a missing one is 403 mfa_required, a wrong one 400 on code.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request, p *Principal) error {
	var req api.CreateAPIKeyRequest
	body, e := readBody(r)
	if e != nil {
		return e
	}
	var when struct {
		ExpiresAt *string `json:"expiresAt"`
	}
	if decodeJSON(body, &when, "", "") == nil && when.ExpiresAt != nil {
		if _, err := time.Parse(time.RFC3339Nano, *when.ExpiresAt); err != nil {
			return api.Invalid("expiresAt", "expiresAt must be an RFC 3339 time, such as 2027-06-30T00:00:00Z.")
		}
	}
	if e := decodeJSON(body, &req, "", "spendLimit.amount"); e != nil {
		return e
	}
	name, e := api.CheckAPIKeyName("name", req.Name)
	if e != nil {
		return e
	}
	scopes, e := api.CheckScopes("scopes", req.Scopes)
	if e != nil {
		return e
	}
	if e := api.CheckSpendLimit("spendLimit", req.SpendLimit); e != nil {
		return e
	}
	now := s.now()
	expires := now.AddDate(1, 0, 0)
	if req.ExpiresAt != nil && !req.ExpiresAt.IsZero() {
		expires = req.ExpiresAt.Time
		if !expires.After(now) {
			return api.Invalid("expiresAt", "expiresAt must be in the future.")
		}
		if expires.Sub(now) > api.MaxAPIKeyLifetime {
			return api.Invalid("expiresAt", "An API key lives at most a year: choose an earlier expiresAt.")
		}
	}
	ctx := r.Context()
	acct, err := s.current(ctx, p)
	if err != nil {
		return err
	}
	if acct.MFAEnabled {
		if err := s.freshCode(r, p, req.Code); err != nil {
			return err
		}
	}
	key, hash := newAPIKey()
	nk := ledger.NewAPIKey{AccountID: p.Account.ID, Name: name, Scopes: scopes, Hash: hash, ExpiresAt: expires}
	if req.SpendLimit != nil {
		nk.Limit, nk.Period = *req.SpendLimit.Amount, req.SpendLimit.Period
	}
	k, err := s.keys.CreateAPIKey(ctx, nk)
	if errors.Is(err, ledger.ErrTooManyKeys) {
		return &api.Error{Code: api.CodeConflict,
			Message: fmt.Sprintf("This account has %d API keys already: revoke one first.", api.MaxAPIKeys)}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, api.NewAPIKey{APIKey: k.API(s.now()), Key: key})
	return nil
}

// freshCode checks the TOTP code of a request that needs the second factor again (creating an
// API key), with the checks of /auth/mfa/disable: the code attempt counts against the rate
// limits, a locked MFA is 429, and a code is spent once (replays are refused). Recovery codes are
// not accepted: they are for getting back in, not for minting credentials.
func (s *Server) freshCode(r *http.Request, p *Principal, code string) error {
	code, e := checkCode(code, &api.Error{Code: api.CodeMFARequired, Field: "code",
		Message: "Two-factor authentication is on: send a current code from your authenticator app as code."})
	if e != nil {
		return e
	}
	return s.withMFAAttempt(r, p, code, func(ctx context.Context, code string, att *attempt, st ledger.MFAState) error {
		return s.checkFreshCode(ctx, p, code, att, st)
	})
}

// checkFreshCode is freshCode once its attempt is reserved.
func (s *Server) checkFreshCode(ctx context.Context, p *Principal, code string, att *attempt, st ledger.MFAState) error {
	if err := s.mfaLocked(st); err != nil {
		return err
	}
	if !st.Enabled {
		return nil // turned off meanwhile: no second factor to check
	}
	_, _, v, err := s.secondFactor(ctx, p.Account.ID, st.Secret, st.LastStep, code, false)
	if errors.Is(err, errSecretLost) {
		return api.Invalid("code", "Authenticator codes cannot be checked any more (the service's keys were replaced): turn two-factor authentication on again first.")
	}
	if err != nil {
		return err
	}
	if v != codeRight {
		att.fail()
		if looksLikeRecoveryCode(code) {
			return errRecoveryCodeHere
		}
		return errWrongCode
	}
	att.succeed(ctx)
	return nil
}

// GET /auth/api-keys (session): 200 {apiKeys}, the live keys, newest first, never the key itself.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request, p *Principal) error {
	ks, err := s.keys.APIKeys(r.Context(), p.Account.ID)
	if err != nil {
		return err
	}
	now := s.now()
	out := api.APIKeysBody{APIKeys: make([]api.APIKey, len(ks))}
	for i, k := range ks {
		out.APIKeys[i] = k.API(now)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// DELETE /auth/api-keys/{id} (session): 204; the key stops working at once and its event
// connections close with 4001. An id that is not a live key of the caller is 404.
func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id := r.PathValue("id")
	if id == "" || len(id) > 128 {
		return notFound()
	}
	k, err := s.keys.RevokeAPIKey(r.Context(), p.Account.ID, id)
	if err != nil {
		return err
	}
	s.revoked(apiKeySession(k.ID))
	writeNoContent(w)
	return nil
}

// errLimitedToken refuses delegation tokens to a key with a spend limit: a token draws on the
// account without the key, so it could take more than the limit.
var errLimitedToken = &api.Error{Code: api.CodeForbidden,
	Message: "An API key with a spend limit cannot create delegation tokens (a token could draw past the limit): use a key without a limit."}

// spendLimitError is the 402 of a payment past its key's limit.
func spendLimitError(e *ledger.SpendLimitExceeded) *api.Error {
	left := e.Remaining
	return &api.Error{Code: api.CodeSpendLimitExceeded, Remaining: &left, Message: fmt.Sprintf(
		"This API key's spend limit is %s per %s, and %s of it is left until %s.",
		e.Limit, e.Period, e.Remaining, e.PeriodEnd.UTC().Format(api.TimeLayout))}
}
