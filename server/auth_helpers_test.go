package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }

// tick moves the service's clock on by one TOTP step, so that a fresh code can be used.
func (e *env) tick() { e.skew.Add(int64(30 * time.Second)) }

// login signs in with a password and expects tokens.
func (e *env) login(email, password string) api.Tokens {
	e.t.Helper()
	var tk api.Tokens
	e.do("POST", "/auth/login", api.Credentials{Email: email, Password: password}).want(e.t, 200).decode(e.t, &tk)
	if tk.AccessToken == "" || tk.RefreshToken == "" || tk.TokenType != "Bearer" || tk.ExpiresIn != 300 ||
		tk.User.Email != strings.ToLower(strings.TrimSpace(email)) {
		e.t.Fatalf("tokens incomplete: %+v", tk)
	}
	return tk
}

// tokens of a user, by password login.
// signIn is POST /auth/login for u with password pw and the headers hdr (name, value pairs).
func (u *user) signIn(pw string, hdr ...string) resp {
	u.e.t.Helper()
	return u.e.do("POST", "/auth/login", api.Credentials{Email: u.email, Password: pw}, hdr...)
}

func (u *user) login() api.Tokens {
	u.e.t.Helper()
	return u.e.login(u.email, u.pw)
}

// code is the TOTP code of secret at the service's current time.
func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// wrongCode is a six-digit code that is not secret's code at any step near now.
func (e *env) wrongCode(secret string) string {
	e.t.Helper()
	near := map[string]bool{}
	for d := -2; d <= 2; d++ {
		c, _ := totp.GenerateCodeCustom(secret, e.now().Add(time.Duration(d)*30*time.Second),
			totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		near[c] = true
	}
	for _, c := range []string{"000000", "111111", "123456", "999999"} {
		if !near[c] {
			return c
		}
	}
	e.t.Fatal("no wrong code")
	return ""
}

// enableMFA turns MFA on for u (signing in with a password first) and returns the TOTP secret and
// the recovery codes. The clock moves on one step, so the next code is fresh.
func (u *user) enableMFA() (secret string, recovery []string) {
	e, t := u.e, u.e.t
	t.Helper()
	tk := u.login()
	var en api.MFAEnrollment
	e.do("POST", "/auth/mfa/enroll", nil, bearer(tk.AccessToken)...).want(t, 200).decode(t, &en)
	if en.Secret == "" || !strings.HasPrefix(en.OtpauthURL, "otpauth://totp/") {
		t.Fatalf("enrollment: %+v", en)
	}
	var rc api.RecoveryCodes
	e.do("POST", "/auth/mfa/enable", api.MFACode{Code: e.code(en.Secret)}, bearer(tk.AccessToken)...).want(t, 200).decode(t, &rc)
	if len(rc.RecoveryCodes) != 10 {
		t.Fatalf("recovery codes: %v", rc.RecoveryCodes)
	}
	e.tick()
	return en.Secret, rc.RecoveryCodes
}

// challenge logs in an MFA account and returns the challenge id.
func (e *env) challenge(email, password string) string {
	e.t.Helper()
	var raw map[string]any
	r := e.do("POST", "/auth/login", api.Credentials{Email: email, Password: password}).want(e.t, 200)
	r.decode(e.t, &raw)
	if raw["mfaRequired"] != true || raw["challengeId"] == "" || raw["expiresIn"] != float64(300) || raw["accessToken"] != nil {
		e.t.Fatalf("login of an MFA account: %s", r.body)
	}
	return raw["challengeId"].(string)
}

func (e *env) verify(challengeID, code string) resp {
	e.t.Helper()
	return e.do("POST", "/auth/mfa/verify", api.MFAVerifyRequest{ChallengeID: challengeID, Code: code})
}

func (e *env) refresh(token string) resp {
	e.t.Helper()
	return e.do("POST", "/auth/refresh", api.RefreshRequest{RefreshToken: token})
}

// claims decodes a JWT's payload without checking it.
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) session(id string) ledger.Session {
	e.t.Helper()
	s, err := e.store.Session(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) mfaState(accountID string) ledger.MFAState {
	e.t.Helper()
	m, err := e.store.MFA(context.Background(), accountID)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// revokeLog records what Config.OnRevoke was told.
type revokeLog struct {
	ch chan []string
}

func newRevokeLog() *revokeLog { return &revokeLog{ch: make(chan []string, 100)} }

func (l *revokeLog) hook(c *Config) {
	c.OnRevoke = func(ids []string) { l.ch <- append([]string(nil), ids...) }
}

// got drains what was reported so far.
func (l *revokeLog) got() []string {
	var all []string
	for {
		select {
		case ids := <-l.ch:
			all = append(all, ids...)
		default:
			return all
		}
	}
}
