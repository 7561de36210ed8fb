package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	// ErrTokenExpired means the token was genuine but its exp has passed.
	ErrTokenExpired = errors.New("auth: token expired")
	// ErrTokenInvalid means the token is malformed, forged, of the wrong kind,
	// for another audience or issuer, or otherwise unacceptable.
	ErrTokenInvalid = errors.New("auth: token invalid")
)

// Header "typ" values. They keep the two kinds of token apart: an access
// token is never accepted as a transaction token, nor the reverse.
const (
	typAccess      = "JWT"
	typTransaction = "txn+jwt"
)

// DefaultAccessTTL is the access token lifetime when Issuer.TTL is zero.
const DefaultAccessTTL = 5 * time.Minute

// DefaultClockSkew is how far apart the clocks of the instances that issue and
// verify a token may be when Issuer.Skew is zero.
const DefaultClockSkew = 30 * time.Second

// Issuer issues and verifies EdDSA-signed tokens. Set the fields once, then
// use it from any number of goroutines.
type Issuer struct {
	Keys     *Keyset
	Issuer   string        // iss of access tokens
	Audience string        // aud of access tokens
	TTL      time.Duration // access token lifetime; DefaultAccessTTL when zero
	// TokenTTL is the longest a delegation token may live (exp - iat) to be accepted: the
	// lifetime the service issues them with. Zero: not checked.
	TokenTTL time.Duration
	Skew     time.Duration    // clock skew tolerated on iat and lifetime; DefaultClockSkew when zero
	Now      func() time.Time // clock; time.Now when nil
}

// AccessClaims are the claims of an access token. Times are UTC, whole seconds.
type AccessClaims struct {
	UserID    string    // sub
	Email     string    // email
	SessionID string    // sid
	ID        string    // jti
	Issuer    string    // iss
	Audience  string    // aud
	IssuedAt  time.Time // iat
	ExpiresAt time.Time // exp
}

// TxClaims are the claims of a delegation transaction token. Times are UTC,
// whole seconds.
type TxClaims struct {
	ID             string    // id: single use, the caller records it
	SenderEmail    string    // the payer who issued the token
	RecipientEmail string    // who may draw on it
	IssuedAt       time.Time // iat
	ExpiresAt      time.Time // exp
}

type accessJWT struct {
	Email string `json:"email"`
	SID   string `json:"sid"`
	jwt.RegisteredClaims
}

// txJWT carries exactly {id, senderEmail, recipientEmail, iat, exp}.
type txJWT struct {
	ID             string           `json:"id"`
	SenderEmail    string           `json:"senderEmail"`
	RecipientEmail string           `json:"recipientEmail"`
	IssuedAt       *jwt.NumericDate `json:"iat"`
	ExpiresAt      *jwt.NumericDate `json:"exp"`
}

func (c txJWT) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c txJWT) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c txJWT) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c txJWT) GetIssuer() (string, error)                   { return "", nil }
func (c txJWT) GetSubject() (string, error)                  { return "", nil }
func (c txJWT) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

func (i *Issuer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

func (i *Issuer) ttl() time.Duration {
	if i.TTL > 0 {
		return i.TTL
	}
	return DefaultAccessTTL
}

func (i *Issuer) skew() time.Duration {
	if i.Skew > 0 {
		return i.Skew
	}
	return DefaultClockSkew
}

// IssueAccess signs an access token for a user's session. The token header
// carries alg EdDSA, the keyset's kid and typ JWT; jti is 128 random bits.
func (i *Issuer) IssueAccess(userID, email, sessionID string) (string, AccessClaims, error) {
	if userID == "" || sessionID == "" {
		return "", AccessClaims{}, errors.New("auth: access token needs a user id and a session id")
	}
	if i.Issuer == "" || i.Audience == "" {
		return "", AccessClaims{}, errors.New("auth: issuer and audience must be set")
	}
	now := i.now().UTC().Truncate(time.Second) // JWT times are whole seconds
	c := AccessClaims{
		UserID: userID, Email: email, SessionID: sessionID, ID: NewID(),
		Issuer: i.Issuer, Audience: i.Audience,
		IssuedAt: now, ExpiresAt: now.Add(i.ttl()),
	}
	tok, err := i.sign(typAccess, accessJWT{
		Email: c.Email,
		SID:   c.SessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   c.UserID,
			ID:        c.ID,
			Issuer:    c.Issuer,
			Audience:  jwt.ClaimStrings{c.Audience},
			IssuedAt:  jwt.NewNumericDate(c.IssuedAt),
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
		},
	})
	if err != nil {
		return "", AccessClaims{}, err
	}
	return tok, c, nil
}

// VerifyAccess checks an access token's signature (EdDSA only, this keyset's
// kid), its typ, exp (required), iat (required), iss and aud, and returns its
// claims. Even a genuine token is refused when its iat is in the future, or
// its lifetime (exp - iat) is longer than TTL, by more than Skew: a token that
// the issuer could not have issued under this configuration is not honoured.
// Errors are ErrTokenExpired or ErrTokenInvalid, possibly wrapped with a fixed
// reason; they never contain the token.
func (i *Issuer) VerifyAccess(token string) (AccessClaims, error) {
	var c accessJWT
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithAudience(i.Audience),
		jwt.WithIssuer(i.Issuer),
		jwt.WithTimeFunc(i.now),
	).ParseWithClaims(token, &c, i.keyFunc(typAccess))
	if err != nil {
		return AccessClaims{}, tokenError(err)
	}
	if c.Subject == "" || c.SID == "" || c.ID == "" || c.IssuedAt == nil || len(c.Audience) != 1 {
		return AccessClaims{}, fmt.Errorf("%w: missing claims", ErrTokenInvalid)
	}
	iat, exp := c.IssuedAt.Time, c.ExpiresAt.Time
	if iat.After(i.now().Add(i.skew())) {
		return AccessClaims{}, fmt.Errorf("%w: not valid yet", ErrTokenInvalid)
	}
	if exp.Sub(iat) > i.ttl()+i.skew() {
		return AccessClaims{}, fmt.Errorf("%w: lifetime longer than allowed", ErrTokenInvalid)
	}
	return AccessClaims{
		UserID: c.Subject, Email: c.Email, SessionID: c.SID, ID: c.ID,
		Issuer: c.Issuer, Audience: c.Audience[0],
		IssuedAt: c.IssuedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
	}, nil
}

// IssueTransactionToken signs a delegation token for the compatible layer:
// senderEmail lets recipientEmail draw one payment from them within ttl. Its
// claims are exactly {id, senderEmail, recipientEmail, iat, exp} and its
// header typ is "txn+jwt". The caller records id when the token is used, so
// that it works once.
func (i *Issuer) IssueTransactionToken(id, senderEmail, recipientEmail string, ttl time.Duration) (string, error) {
	if id == "" || senderEmail == "" || recipientEmail == "" {
		return "", errors.New("auth: transaction token needs an id, a sender and a recipient")
	}
	if ttl <= 0 {
		return "", errors.New("auth: transaction token needs a positive lifetime")
	}
	now := i.now().UTC().Truncate(time.Second)
	return i.sign(typTransaction, txJWT{
		ID:             id,
		SenderEmail:    senderEmail,
		RecipientEmail: recipientEmail,
		IssuedAt:       jwt.NewNumericDate(now),
		ExpiresAt:      jwt.NewNumericDate(now.Add(ttl)),
	})
}

// VerifyTransactionToken checks a transaction token's signature, typ, exp and
// iat and returns its claims. As for access tokens, even a genuine token is
// refused when it lives longer than TokenTTL (by more than Skew): the issuer
// could not have issued it under this configuration. Whether the caller is the
// recipient, and whether the id was used before, is for the caller to check.
func (i *Issuer) VerifyTransactionToken(token string) (TxClaims, error) {
	var c txJWT
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(i.now),
	).ParseWithClaims(token, &c, i.keyFunc(typTransaction))
	if err != nil {
		return TxClaims{}, tokenError(err)
	}
	if c.ID == "" || c.SenderEmail == "" || c.RecipientEmail == "" || c.IssuedAt == nil {
		return TxClaims{}, fmt.Errorf("%w: missing claims", ErrTokenInvalid)
	}
	if i.TokenTTL > 0 && c.ExpiresAt.Sub(c.IssuedAt.Time) > i.TokenTTL+i.skew() {
		return TxClaims{}, fmt.Errorf("%w: lifetime longer than allowed", ErrTokenInvalid)
	}
	return TxClaims{
		ID: c.ID, SenderEmail: c.SenderEmail, RecipientEmail: c.RecipientEmail,
		IssuedAt: c.IssuedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
	}, nil
}

func (i *Issuer) sign(typ string, claims jwt.Claims) (string, error) {
	if i.Keys == nil {
		return "", errors.New("auth: issuer has no keyset")
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["typ"] = typ
	t.Header["kid"] = i.Keys.kid
	s, err := t.SignedString(i.Keys.priv)
	if err != nil {
		return "", errors.New("auth: cannot sign token")
	}
	return s, nil
}

var (
	errWrongType = errors.New("wrong token type")
	errWrongKey  = errors.New("unknown kid")
)

// keyFunc accepts only tokens of kind typ signed by this keyset's key.
func (i *Issuer) keyFunc(typ string) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if i.Keys == nil {
			return nil, errWrongKey
		}
		if got, _ := t.Header["typ"].(string); got != typ {
			return nil, errWrongType
		}
		if kid, _ := t.Header["kid"].(string); kid != i.Keys.kid {
			return nil, errWrongKey
		}
		return i.Keys.pub, nil
	}
}

// tokenError maps a jwt error to ErrTokenExpired or ErrTokenInvalid with a
// fixed reason, dropping the library's text.
func tokenError(err error) error {
	reason := "malformed"
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrTokenExpired
	case errors.Is(err, errWrongType):
		reason = "wrong token type"
	case errors.Is(err, errWrongKey):
		reason = "unknown kid"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		reason = "bad signature"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		reason = "wrong audience"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		reason = "wrong issuer"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		reason = "missing claims"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		reason = "not valid yet"
	}
	return fmt.Errorf("%w: %s", ErrTokenInvalid, reason)
}
