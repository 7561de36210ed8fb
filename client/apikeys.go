package client

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// API keys are long-lived credentials for scripts, CI jobs and SyftBox apps: a signed-in person
// creates one with CreateAPIKey (the key is returned this once), and a program then runs with
// Config.APIKey set (SYFTWALLET_API_KEY), which replaces the session on every call.

// APIKeyRequest is what CreateAPIKey needs.
type APIKeyRequest struct {
	// Name says what the key is for ("ci", "my-app"): 1 to 64 printable characters.
	Name string
	// Scopes are api.ScopeRead and/or api.ScopePay.
	Scopes []string
	// SpendLimit caps what the key may spend per period; nil for no limit.
	SpendLimit *api.SpendLimit
	// ExpiresAt is when the key stops working; zero means the longest the service allows
	// (a year).
	ExpiresAt time.Time
	// Code is a current TOTP code, required when the account has two-factor on.
	Code string
}

// UsesAPIKey reports whether the client authenticates with an API key (Config.APIKey) rather
// than a session.
func (c *Client) UsesAPIKey() bool { return c.cfg.APIKey != "" }

// CreateAPIKey creates an API key for the signed-in account. The returned Key is the secret:
// the service never shows it again (it keeps only a hash). With two-factor on and no Code it
// returns a *ValidationError on "code" (an *MFARequiredError when the service says so).
func (c *Client) CreateAPIKey(ctx context.Context, r APIKeyRequest) (api.NewAPIKey, error) {
	if c.Legacy() {
		return api.NewAPIKey{}, &UnsupportedError{Feature: "API keys"}
	}
	name, e := api.CheckAPIKeyName("name", r.Name)
	if e != nil {
		return api.NewAPIKey{}, invalid(e)
	}
	scopes, e := api.CheckScopes("scopes", r.Scopes)
	if e != nil {
		return api.NewAPIKey{}, invalid(e)
	}
	if e := api.CheckSpendLimit("spendLimit", r.SpendLimit); e != nil {
		return api.NewAPIKey{}, invalid(e)
	}
	req := api.CreateAPIKeyRequest{Name: name, Scopes: scopes, SpendLimit: r.SpendLimit, Code: strings.TrimSpace(r.Code)}
	if !r.ExpiresAt.IsZero() {
		if !r.ExpiresAt.After(c.now()) {
			return api.NewAPIKey{}, &ValidationError{Field: "expiresAt", Message: "The expiry must be in the future.", code: api.CodeInvalidRequest}
		}
		if r.ExpiresAt.Sub(c.now()) > api.MaxAPIKeyLifetime {
			return api.NewAPIKey{}, &ValidationError{Field: "expiresAt", Message: "A key lives at most a year.", code: api.CodeInvalidRequest}
		}
		req.ExpiresAt = &api.Time{Time: r.ExpiresAt.UTC()}
	}
	var out api.NewAPIKey
	err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/api-keys", auth: authUser, body: req}, &out)
	if err != nil {
		return api.NewAPIKey{}, err
	}
	if !strings.HasPrefix(out.Key, api.APIKeyPrefix) || out.ID == "" {
		return api.NewAPIKey{}, &ServerError{Status: http.StatusCreated}
	}
	return out, nil
}

// ListAPIKeys returns the account's live keys, newest first (never the keys themselves).
func (c *Client) ListAPIKeys(ctx context.Context) ([]api.APIKey, error) {
	if c.Legacy() {
		return nil, &UnsupportedError{Feature: "API keys"}
	}
	var out api.APIKeysBody
	if err := c.do(ctx, &call{method: http.MethodGet, path: "/auth/api-keys", auth: authUser}, &out); err != nil {
		return nil, err
	}
	return out.APIKeys, nil
}

// RevokeAPIKey revokes the key with this id at once; a key that is not there (or not yours) is
// a *NotFoundError.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	if c.Legacy() {
		return &UnsupportedError{Feature: "API keys"}
	}
	id = strings.TrimSpace(id)
	if id == "" {
		return &ValidationError{Field: "id", Message: "Name the key to revoke by its id (syftwallet apikey list shows them).", code: api.CodeInvalidRequest}
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: idPath("/auth/api-keys/", id, ""), auth: authUser}, nil)
}

// resumeWithAPIKey is Resume with an API key: the account it belongs to, when the key may read
// it (a pay-only key may not: the session then has no email, and is still signed in).
func (c *Client) resumeWithAPIKey(ctx context.Context) (Session, error) {
	u, err := c.fetchAccount(ctx)
	var forb *ForbiddenError
	switch {
	case errors.As(err, &forb):
	case err != nil:
		return Session{}, err
	default:
		c.tokens.mu.Lock()
		c.tokens.email, c.tokens.user = u.Email, u
		c.tokens.mu.Unlock()
	}
	return c.Session(), nil
}

// markAPIKey makes a refusal of an API key say so.
func markAPIKey(err error) error {
	var unauth *UnauthenticatedError
	if errors.As(err, &unauth) {
		unauth.APIKey = true
	}
	var forb *ForbiddenError
	if errors.As(err, &forb) {
		forb.APIKey = true
	}
	return err
}

// ParseSpendLimit reads a spend limit as a person writes it: an amount (as money.ParseHuman
// reads it), a slash and a period, "50.00/day", "200/week", "1,000/month". Empty means none.
func ParseSpendLimit(s string) (*api.SpendLimit, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	amt, period, ok := strings.Cut(s, "/")
	period = strings.ToLower(strings.TrimSpace(period))
	if !ok || (period != api.PeriodDay && period != api.PeriodWeek && period != api.PeriodMonth) {
		return nil, errors.New("write the limit as an amount and a period: 50.00/day, 200/week or 1000/month")
	}
	m, err := money.ParseHumanPositive(amt)
	if err != nil {
		return nil, err
	}
	return &api.SpendLimit{Amount: &m, Period: period}, nil
}

// ParseKeyExpiry reads when a key should expire, from now: a number of hours, days, weeks or
// years ("12h", "90d", "2w", "1y"), or a date ("2027-03-01", midnight UTC) or RFC 3339 time.
// Empty means the service's default, the longest allowed (zero time).
func ParseKeyExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, strings.ToUpper(s)); err == nil {
		return t, nil
	}
	units := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	if len(s) >= 2 {
		if unit, ok := units[s[len(s)-1]]; ok {
			if n, err := strconv.Atoi(s[:len(s)-1]); err == nil && n > 0 && n <= 366*24 {
				return now.Add(time.Duration(n) * unit), nil
			}
		}
	}
	return time.Time{}, errors.New("write the expiry as 12h, 90d, 2w, 1y or a date such as 2027-03-01")
}
