package client

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"

	"github.com/syftbox/syftwallet/api"
)

// TokenVerificationError: the service handed out an access token that does
// not verify against its own published keys (GET /auth/jwks), is for another
// audience or issuer, or has expired. The client does not use it.
type TokenVerificationError struct{ cause error }

func (e *TokenVerificationError) Error() string {
	return "The service's session token failed verification, so it was not used; sign in again or check the service address."
}

// Unwrap gives the reason, for logs only.
func (e *TokenVerificationError) Unwrap() error { return e.cause }

// jwksRefetchEvery limits how often an unknown kid makes the client fetch
// the keys again.
const jwksRefetchEvery = 10 * time.Second

// jwksCache holds the service's public keys: fetched once, fetched again
// when a token names a kid it does not know (the service rotated keys).
type jwksCache struct {
	c       *Client
	sf      singleflight.Group
	mu      sync.Mutex
	keys    map[string]ed25519.PublicKey
	fetched time.Time
}

// accessClaims are the claims of an access token the client reads.
type accessClaims struct {
	Email string `json:"email"`
	SID   string `json:"sid"`
	jwt.RegisteredClaims
}

// verify checks an access token's EdDSA signature against the JWKS, and its
// exp, iss and aud, and returns its claims.
func (j *jwksCache) verify(ctx context.Context, token, issuer, audience string) (*accessClaims, error) {
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{"EdDSA"}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(j.c.now),
		jwt.WithLeeway(5*time.Second),
	)
	claims := &accessClaims{}
	var fetchErr error
	_, err := p.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, err := j.key(ctx, kid)
		fetchErr = err
		return key, err
	})
	if fetchErr != nil {
		return nil, fetchErr // could not read the keys: not the token's fault
	}
	if err != nil {
		return nil, &TokenVerificationError{cause: err}
	}
	return claims, nil
}

// key returns the public key with this kid, fetching the set when it is
// not known yet (at most once per jwksRefetchEvery).
func (j *jwksCache) key(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	j.mu.Lock()
	k, ok := j.keys[kid]
	stale := j.keys == nil || j.c.now().Sub(j.fetched) >= jwksRefetchEvery
	j.mu.Unlock()
	if ok {
		return k, nil
	}
	if !stale {
		return nil, errUnknownKID
	}
	_, err, _ := j.sf.Do("jwks", func() (any, error) { return nil, j.fetch(ctx) })
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if k, ok := j.keys[kid]; ok {
		return k, nil
	}
	return nil, errUnknownKID
}

var errUnknownKID = &TokenVerificationError{cause: errors.New("unknown kid")}

// fetch reads GET /auth/jwks, keeping only well-formed Ed25519 signing keys.
func (j *jwksCache) fetch(ctx context.Context) error {
	var set api.JWKS
	if err := j.c.do(ctx, &call{method: http.MethodGet, path: "/auth/jwks"}, &set); err != nil {
		return err
	}
	keys := map[string]ed25519.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || (k.Alg != "" && k.Alg != "EdDSA") || (k.Use != "" && k.Use != "sig") {
			continue
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			continue
		}
		keys[k.Kid] = ed25519.PublicKey(x)
	}
	j.mu.Lock()
	j.keys, j.fetched = keys, j.c.now()
	j.mu.Unlock()
	return nil
}
