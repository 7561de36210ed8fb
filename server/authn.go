package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// Principal is the account a request acts for, and how it proved it.
type Principal struct {
	// Account is read in this request (balances and flags are current), except for a Bearer
	// access token, where only its ID and Email are set (identityOnly): a handler that needs more
	// reads it with Server.current.
	Account   ledger.Account
	Scheme    string // "basic" or "bearer"
	SessionID string // the sign-in session, for bearer tokens; "" for Basic
	// APIKey is the key the request was made with (Scheme "apikey", SessionID "apikey:<id>"), nil
	// otherwise: see apikeys.go.
	APIKey       *ledger.APIKey
	identityOnly bool
}

// current is the principal's account as it is now: balances, flags and password hash included.
func (s *Server) current(ctx context.Context, p *Principal) (ledger.Account, error) {
	if !p.identityOnly {
		return p.Account, nil
	}
	acct, err := s.ledger.AccountByID(ctx, p.Account.ID)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && acct.System) {
		return ledger.Account{}, errTokenInvalid
	}
	return acct, err
}

// An Authenticator resolves the credentials of one Authorization scheme (the text after
// "Basic " or "Bearer ") to a principal. It returns a *api.Error for a refusal (401
// unauthenticated, 403 mfa_required, 429 rate_limited) and any other error for a failure of its
// own, which becomes a 500 or 503.
type Authenticator interface {
	Authenticate(ctx context.Context, credentials string) (*Principal, error)
}

type userHandler func(w http.ResponseWriter, r *http.Request, p *Principal) error

// requireUser authenticates the request with the authenticator of its scheme (Basic, and Bearer
// when sign-in is configured), then runs h.
func (s *Server) requireUser(h userHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err == nil {
			err = h(w, r, p)
		} else {
			s.challenge(w, r, err)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) authenticate(r *http.Request) (*Principal, error) {
	scheme, creds, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || strings.TrimSpace(creds) == "" {
		if s.auth != nil {
			return nil, unauthenticated("Sign in: this endpoint needs a Bearer access token or Basic (email and password) authentication.")
		}
		return nil, unauthenticated("Sign in: this endpoint needs Basic (email and password) authentication.")
	}
	a := s.authenticators[strings.ToLower(scheme)]
	if a == nil {
		return nil, unauthenticated("This authorization scheme is not accepted here.")
	}
	return a.Authenticate(withClientAddr(r.Context(), s.cfg.ClientAddr(r)), strings.TrimSpace(creds))
}

// challenge sets WWW-Authenticate on a 401: Bearer for a refused access token, else Basic (and
// Bearer too when the service accepts it).
func (s *Server) challenge(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != api.CodeUnauthenticated {
		return
	}
	scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if strings.EqualFold(scheme, "bearer") && s.auth != nil {
		w.Header().Set("WWW-Authenticate", bearerChallenge+`, error="invalid_token"`)
		return
	}
	w.Header().Set("WWW-Authenticate", basicChallenge)
	if s.auth != nil {
		w.Header().Add("WWW-Authenticate", bearerChallenge)
	}
}

const (
	basicChallenge  = `Basic realm="syftwallet", charset="UTF-8"`
	bearerChallenge = `Bearer realm="syftwallet"`
)

// clientAddrKey carries the client's address (Config.ClientAddr) to authenticators.
type clientAddrKey struct{}

func withClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

func clientAddrFrom(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey{}).(string)
	return a
}

func unauthenticated(msg string) *api.Error {
	return &api.Error{Code: api.CodeUnauthenticated, Message: msg}
}

var errBadCredentials = unauthenticated("The email or password is wrong.")

// basicAuth checks "Basic base64(email:password)" against the account's argon2id hash. A
// successful check is remembered in the credential cache (keyed by an HMAC of email and password
// and bound to the stored hash), so the slow hash runs once per client session; a wrong password
// always pays it, and an unknown email pays the same through VerifyAbsent. An account with MFA on
// is refused with 403 mfa_required, after the password was checked (so the refusal reveals
// nothing to someone without it). Wrong passwords count against the sign-in rate limits (see
// limits.go) like wrong passwords at /auth/login, so Basic is no way around them; a remembered
// (cached) right password is never limited.
type basicAuth struct{ s *Server }

// maxPasswordBytes bounds what is hashed: argon2id is fine with long input, but there is no reason
// to accept kilobytes.
const maxPasswordBytes = 1024

func (b basicAuth) Authenticate(ctx context.Context, creds string) (*Principal, error) {
	s := b.s
	raw, err := base64.StdEncoding.DecodeString(creds)
	if err != nil {
		return nil, unauthenticated("The Basic credentials are not valid base64 of email:password.")
	}
	// Python's requests (the SyftBox SDK) encodes Basic credentials as Latin-1, not UTF-8.
	text := string(raw)
	if !utf8.Valid(raw) {
		text = latin1(raw)
	}
	user, password, ok := strings.Cut(text, ":")
	if !ok || password == "" || len(password) > maxPasswordBytes {
		return nil, errBadCredentials
	}
	att := &attempt{s: s, kind: kindPassword, address: clientAddrFrom(ctx)}
	defer att.release(ctx)
	var acct ledger.Account
	known := false
	if email, aerr := api.NormalizeEmail("email", user); aerr == nil {
		// (Not an address we could have issued: checked against nothing, so timing says nothing.)
		att.account = email
		if acct, known, err = s.accountForPassword(ctx, email); err != nil {
			return nil, err
		}
	}
	if id, hit := s.creds.Get(att.account, password, acct.PasswordHash); !known || !hit || id != acct.ID {
		ok, err := s.basicCheck(ctx, att, acct, known, password)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errBadCredentials
		}
	}
	if acct.MFAEnabled {
		return nil, &api.Error{Code: api.CodeMFARequired,
			Message: "This account has two-factor authentication on: sign in with /auth/login instead of Basic."}
	}
	return &Principal{Account: acct, Scheme: "basic"}, nil
}

// basicCheck is checkPassword for Basic, with identical checks in flight shared: a client that
// sends many requests at once with the same credentials from one address (the SDK sends Basic on
// every request) pays one hash, and one attempt of its budgets, for all of them; the others wait
// for its answer. A right password is remembered in the credential cache.
func (s *Server) basicCheck(ctx context.Context, att *attempt, acct ledger.Account, known bool, password string) (bool, error) {
	key := s.creds.Key(att.account, password) + "\x00" + acct.PasswordHash + "\x00" + att.address
	v, err, _ := s.basicFlight.Do(key, func() (any, error) {
		ok, err := s.checkPassword(ctx, att, acct, known, password)
		if ok {
			s.creds.Put(acct.Email, password, acct.ID, acct.PasswordHash)
		}
		return ok, err
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// requireAdmin lets through only "Authorization: Bearer <admin key>", compared in constant time
// (as SHA-256 digests, so the key's length does not leak either). With no admin key configured
// the admin endpoints do not exist: 404.
const adminChallenge = `Bearer realm="syftwallet-admin"`

func (s *Server) requireAdmin(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.admin == nil {
			writeError(w, notFound())
			return
		}
		scheme, key, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		switch {
		case strings.EqualFold(scheme, "bearer"):
			sum := sha256.Sum256([]byte(strings.TrimSpace(key)))
			if subtle.ConstantTimeCompare(sum[:], s.admin) != 1 {
				w.Header().Set("WWW-Authenticate", adminChallenge)
				writeError(w, unauthenticated("The admin key is not valid."))
				return
			}
		case strings.EqualFold(scheme, "basic"):
			writeError(w, &api.Error{Code: api.CodeForbidden, Message: "This endpoint is for the administrator only."})
			return
		default:
			w.Header().Set("WWW-Authenticate", adminChallenge)
			writeError(w, unauthenticated("This endpoint needs the admin key as a Bearer token."))
			return
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// latin1 decodes ISO-8859-1 bytes: each byte is the code point of the same value.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
