package client

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// Session describes who the client is signed in as. It holds no secret.
type Session struct {
	SignedIn bool
	Email    string
	// User is the account as of sign-in (the enhanced layer returns it with
	// the tokens); use Account for current balances.
	User api.User
	// Legacy is set when the session uses Basic auth against a service with
	// only the compatible layer.
	Legacy bool
	// Persistent reports whether the session survives a restart (its secret
	// is in the OS keyring).
	Persistent bool
	// ExpiresAt is when the current access token expires (zero in legacy mode).
	ExpiresAt time.Time
	// APIKey is set when the client authenticates with an API key (Config.APIKey) instead of
	// a session; Email is then empty for a key that may not read the account.
	APIKey bool
	// Warning is one sentence the UI should show, e.g. that no keyring was
	// found and the next start will ask for the password again.
	Warning string
}

// Session returns the current session.
func (c *Client) Session() Session {
	tm := c.tokens
	tm.mu.Lock()
	defer tm.mu.Unlock()
	s := Session{
		Email:      tm.email,
		User:       tm.user,
		Legacy:     c.Legacy(),
		Persistent: c.store.Persistent() && tm.storeErr == "",
		ExpiresAt:  tm.accessExp,
		Warning:    c.warning,
	}
	if tm.storeErr != "" {
		s.Warning = tm.storeErr
	}
	s.SignedIn = tm.refresh != "" || tm.password != ""
	if c.cfg.APIKey != "" {
		s.SignedIn, s.APIKey, s.Persistent, s.Legacy, s.ExpiresAt = true, true, false, false, time.Time{}
	}
	return s
}

// MFAChallenge is the second step of signing in to an account with MFA on:
// pass its ID and a code to VerifyMFA before it expires.
type MFAChallenge struct {
	ID        string
	Email     string
	Methods   []string // "totp", "recovery"
	ExpiresAt time.Time
}

// Registration is a new account. Password is the generated password, shown
// exactly once; empty when the caller chose one.
type Registration struct {
	User     api.User
	Password string
}

// Register creates an account. An empty password asks the service to
// generate one, which Registration.Password carries (the only time anyone
// sees it). It does not sign in.
func (c *Client) Register(ctx context.Context, email, password string, organization *string) (Registration, error) {
	email, e := api.NormalizeEmail("email", email)
	if e != nil {
		return Registration{}, invalid(e)
	}
	req := api.CreateUserRequest{Email: email, Organization: organization}
	if password != "" {
		if e := api.CheckPassword("password", password); e != nil {
			return Registration{}, invalid(e)
		}
		req.Password = &password
	}
	var out api.CreateUserResponse
	path := "/auth/register"
	if c.Legacy() {
		path = "/user/create"
	}
	err := c.do(ctx, &call{method: http.MethodPost, path: path, body: req}, &out)
	var nf *NotFoundError
	if errors.As(err, &nf) && path == "/auth/register" {
		c.legacy.Store(true)
		err = c.do(ctx, &call{method: http.MethodPost, path: "/user/create", body: req}, &out)
	}
	if err != nil {
		return Registration{}, err
	}
	reg := Registration{User: out.User}
	if out.Password != nil {
		reg.Password = *out.Password
	}
	return reg, nil
}

// Login signs in. When the account has MFA on it returns an
// *MFARequiredError whose Challenge goes to VerifyMFA with a code. Against a
// service with only the compatible layer (POST /auth/login answers 404) it
// switches to legacy mode: Basic auth, the password kept in the token store.
func (c *Client) Login(ctx context.Context, email, password string) (Session, error) {
	email, e := api.NormalizeEmail("email", email)
	if e != nil {
		return Session{}, invalid(e)
	}
	if password == "" {
		return Session{}, &ValidationError{Field: "password", Message: "A password is required."}
	}
	return c.login(ctx, email, password)
}

func (c *Client) login(ctx context.Context, email, password string) (Session, error) {
	if !c.Legacy() {
		var out api.LoginResponse
		err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/login",
			body: api.Credentials{Email: email, Password: password}}, &out)
		var nf *NotFoundError
		switch {
		case errors.As(err, &nf):
			c.log.Info("the service has no /auth/login: using the compatible layer")
			c.legacy.Store(true)
		case err != nil:
			return Session{}, signInError(err)
		case out.MFARequired:
			return Session{}, &MFARequiredError{Challenge: &MFAChallenge{
				ID: out.ChallengeID, Email: email, Methods: []string{"totp", "recovery"},
				ExpiresAt: c.now().Add(time.Duration(out.ExpiresIn) * time.Second),
			}}
		default:
			if _, err := c.tokens.install(ctx, email, out.Tokens); err != nil {
				return Session{}, err
			}
			c.account.invalidate()
			return c.Session(), nil
		}
	}
	return c.legacyLogin(ctx, email, password)
}

// signInError marks a refused sign-in as bad credentials.
func signInError(err error) error {
	var unauth *UnauthenticatedError
	if errors.As(err, &unauth) {
		return &UnauthenticatedError{BadCredentials: true}
	}
	return err
}

// VerifyMFA completes a sign-in with a TOTP code or a recovery code.
func (c *Client) VerifyMFA(ctx context.Context, ch *MFAChallenge, code string) (Session, error) {
	if ch == nil || ch.ID == "" {
		return Session{}, &ValidationError{Field: "challengeId", Message: "Sign in again: there is no pending code request."}
	}
	if code == "" {
		return Session{}, &ValidationError{Field: "code", Message: "Enter the code."}
	}
	var t api.Tokens
	err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/mfa/verify",
		body: api.MFAVerifyRequest{ChallengeID: ch.ID, Code: code}}, &t)
	if err != nil {
		var unauth *UnauthenticatedError
		if errors.As(err, &unauth) {
			return Session{}, &ValidationError{Field: "code", Message: "That code is not valid; try again.", code: api.CodeUnauthenticated}
		}
		return Session{}, err
	}
	if _, err := c.tokens.install(ctx, ch.Email, t); err != nil {
		return Session{}, err
	}
	c.account.invalidate()
	return c.Session(), nil
}

// Resume restores a session from the token store without a password: the
// refresh token (exchanged for new tokens at once), or in legacy mode the
// password (checked with one call). An empty email means the last account
// used on this service. With nothing stored it returns an
// *UnauthenticatedError: ask for the password.
//
// With an API key (Config.APIKey) nothing is read from the store: the key is the session, and
// Resume asks the service whose account it is.
func (c *Client) Resume(ctx context.Context, email string) (Session, error) {
	if c.cfg.APIKey != "" {
		return c.resumeWithAPIKey(ctx)
	}
	if email == "" {
		if la, ok := c.store.(LastAccountStore); ok {
			email, _ = la.LastAccount(c.serverID)
		}
	}
	if email == "" {
		email = c.cfg.Email
	}
	if email == "" {
		return Session{}, &UnauthenticatedError{}
	}
	email, e := api.NormalizeEmail("email", email)
	if e != nil {
		return Session{}, invalid(e)
	}
	s, err := c.store.Load(c.serverID, email)
	if err != nil {
		return Session{}, &UnauthenticatedError{}
	}
	if s.Password != "" {
		c.legacy.Store(true)
		return c.legacyLogin(ctx, email, s.Password)
	}
	c.tokens.mu.Lock()
	c.tokens.email, c.tokens.refresh = email, s.RefreshToken
	c.tokens.mu.Unlock()
	if _, err := c.Refresh(ctx); err != nil {
		return Session{}, err
	}
	return c.Session(), nil
}

// Logout ends this session on the service and forgets it here (memory and
// token store). The local part always happens; an error says the service
// could not be told.
func (c *Client) Logout(ctx context.Context) error {
	tm := c.tokens
	tm.mu.Lock()
	access, refresh, email := tm.access, tm.refresh, tm.email
	tm.mu.Unlock()
	defer tm.forget(email)
	if c.Legacy() || refresh == "" {
		return nil
	}
	if _, fresh := tm.fresh(); !fresh {
		if tok, err := c.AccessToken(ctx); err == nil { // an expired token could not say goodbye
			access = tok
			tm.mu.Lock()
			refresh = tm.refresh
			tm.mu.Unlock()
		}
	}
	err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/logout", authz: "Bearer " + access,
		body: api.LogoutRequest{RefreshToken: &refresh}}, nil)
	var unauth *UnauthenticatedError
	if errors.As(err, &unauth) {
		return nil // already over
	}
	return err
}

// LogoutAll ends every session of the account, on every device, then this
// one here.
func (c *Client) LogoutAll(ctx context.Context) error {
	if c.Legacy() {
		return &UnsupportedError{Feature: "signing out everywhere"}
	}
	if err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/logout-all", auth: authUser}, nil); err != nil {
		return err
	}
	c.tokens.forget("")
	return nil
}

// ChangePassword changes the password; the service ends every other
// session. In legacy mode the stored password is replaced too.
func (c *Client) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	if oldPassword == "" {
		return &ValidationError{Field: "oldPassword", Message: "The current password is required."}
	}
	if e := api.CheckPassword("newPassword", newPassword); e != nil {
		return invalid(e)
	}
	body := api.PasswordChange{OldPassword: oldPassword, NewPassword: newPassword}
	if !c.Legacy() {
		return c.do(ctx, &call{method: http.MethodPost, path: "/auth/password", auth: authUser, body: body}, nil)
	}
	if err := c.do(ctx, &call{method: http.MethodPut, path: "/user/update-password", auth: authUser, body: body}, nil); err != nil {
		return err
	}
	tm := c.tokens
	tm.mu.Lock()
	tm.password = newPassword
	email := tm.email
	tm.mu.Unlock()
	tm.save(email, Secret{Password: newPassword})
	return nil
}

// EnrollMFA starts turning on two-factor authentication: show the secret
// (or the otpauth URL as a QR code), then confirm with EnableMFA.
func (c *Client) EnrollMFA(ctx context.Context) (api.MFAEnrollment, error) {
	var out api.MFAEnrollment
	if c.Legacy() {
		return out, &UnsupportedError{Feature: "two-factor authentication"}
	}
	err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/mfa/enroll", auth: authUser}, &out)
	return out, err
}

// EnableMFA turns two-factor authentication on with a code from the app and
// returns the recovery codes, shown this once.
func (c *Client) EnableMFA(ctx context.Context, code string) ([]string, error) {
	if c.Legacy() {
		return nil, &UnsupportedError{Feature: "two-factor authentication"}
	}
	var out api.RecoveryCodes
	err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/mfa/enable", auth: authUser,
		body: api.MFACode{Code: code}}, &out)
	if err != nil {
		return nil, err
	}
	c.account.invalidate()
	return out.RecoveryCodes, nil
}

// DisableMFA turns two-factor authentication off; it needs a current code.
func (c *Client) DisableMFA(ctx context.Context, code string) error {
	if c.Legacy() {
		return &UnsupportedError{Feature: "two-factor authentication"}
	}
	err := c.do(ctx, &call{method: http.MethodPost, path: "/auth/mfa/disable", auth: authUser,
		body: api.MFACode{Code: code}}, nil)
	if err == nil {
		c.account.invalidate()
	}
	return err
}
