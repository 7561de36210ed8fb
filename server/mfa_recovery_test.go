package server

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/ledger/postgres/pgtest"
	"github.com/syftbox/syftwallet/server/auth"
)

// Recovery codes at the service, on each store: a spent one says so and still counts as a wrong
// code, at once it is accepted once, and the set can be regenerated with a TOTP code.

// onEachStore runs fn against the service over SQLite (newEnv's own store) and over PostgreSQL
// (skipped without SYFTWALLET_TEST_POSTGRES), with the same mods.
func onEachStore(t *testing.T, fn func(t *testing.T, e *env), mods ...func(*Config)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newEnv(t, mods...)) })
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		onPG := func(c *Config) {
			st, err := postgres.Open(context.Background(), url, postgres.Options{Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			c.Ledger, c.Auth = st, st
		}
		fn(t, newEnv(t, append([]func(*Config){onPG}, mods...)...))
	})
}

// mfaStatus reads GET /auth/mfa.
func (e *env) mfaStatus(token string) api.MFAStatus {
	e.t.Helper()
	var st api.MFAStatus
	e.do("GET", "/auth/mfa", nil, bearer(token)...).want(e.t, 200).decode(e.t, &st)
	return st
}

// wantMessage checks that an error's message contains each of parts, and that its reason is
// recovery_code_used exactly when the message says "already used".
func wantMessage(t *testing.T, r resp, parts ...string) {
	t.Helper()
	ae := r.apiErr(t)
	for _, p := range parts {
		if !strings.Contains(ae.Message, p) {
			t.Fatalf("message %q does not say %q", ae.Message, p)
		}
	}
	if used := strings.Contains(ae.Message, "already used"); used != (ae.Reason == api.ReasonRecoveryCodeUsed) {
		t.Fatalf("reason %q for %q", ae.Reason, ae.Message)
	}
}

func neverIssuedRecoveryCode() string {
	codes, _ := auth.NewRecoveryCodes(1)
	return codes[0]
}

func TestSpentRecoveryCodeSaysAlreadyUsedAndCountsAsWrong(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		ada := e.newUser("ada@example.com", "")
		secret, rc := ada.enableMFA()
		e.verify(e.challenge(ada.email, testPassword), rc[0]).want(t, 200)

		// At sign-in: spent says so; never issued is just wrong; both take a try.
		ch := e.challenge(ada.email, testPassword)
		wantMessage(t, e.verify(ch, rc[0]).want(t, 401, api.CodeUnauthenticated), "already used", "4 more tries")
		wantMessage(t, e.verify(ch, strings.ToUpper(rc[0])).want(t, 401), "already used", "3 more tries")
		r := e.verify(ch, neverIssuedRecoveryCode()).want(t, 401)
		wantMessage(t, r, "The code is wrong", "2 more tries")
		if strings.Contains(r.apiErr(t).Message, "already") {
			t.Fatalf("a code never issued is called used: %s", r.body)
		}
		e.verify(ch, rc[0]).want(t, 401)
		wantMessage(t, e.verify(ch, rc[0]).want(t, 401), "already used", "too many wrong codes")
		e.verify(ch, e.code(secret)).want(t, 401) // the challenge is dead, as after 5 wrong codes

		// Against the account: 5 more spent offers make 10 failures in a row, which lock MFA.
		ch = e.challenge(ada.email, testPassword)
		for range 4 {
			e.verify(ch, rc[0]).want(t, 401)
		}
		e.verify(ch, rc[0]).want(t, 429, api.CodeRateLimited)
		if st, err := e.s.auth.MFA(context.Background(), ada.id); err != nil || !st.LockedUntil.After(e.now()) {
			t.Fatalf("10 spent codes in a row did not lock MFA: %+v %v", st, err)
		}

		// At disable: spent says so (400 on code), never issued is the wrong-code answer.
		bob := e.newUser("bob@example.com", "")
		_, brc := bob.enableMFA()
		var tk api.Tokens
		e.verify(e.challenge(bob.email, testPassword), brc[0]).want(t, 200).decode(t, &tk)
		wantMessage(t, e.do("POST", "/auth/mfa/disable", api.MFACode{Code: brc[0]}, bearer(tk.AccessToken)...).
			want(t, 400, api.CodeInvalidRequest, "code"), "already used")
		r = e.do("POST", "/auth/mfa/disable", api.MFACode{Code: neverIssuedRecoveryCode()}, bearer(tk.AccessToken)...).
			want(t, 400, api.CodeInvalidRequest, "code")
		if r.apiErr(t).Message != errWrongCode.Message {
			t.Fatalf("never issued at disable: %s", r.body)
		}
		e.do("POST", "/auth/mfa/disable", api.MFACode{Code: brc[1]}, bearer(tk.AccessToken)...).want(t, 204)
	})
}

func TestSpentRecoveryCodeAtOnceIsAcceptedOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		ada := e.newUser("ada@example.com", "")
		_, rc := ada.enableMFA()
		const n = 8
		chs := make([]string, n)
		for i := range chs {
			chs[i] = e.challenge(ada.email, testPassword)
		}
		rs := e.burst(n, func(i int) (resp, error) {
			return e.send("POST", "/auth/mfa/verify", api.MFAVerifyRequest{ChallengeID: chs[i], Code: rc[0]})
		})
		if c := tally(rs); c[200] != 1 || c[401] != n-1 {
			t.Fatalf("one recovery code on %d challenges at once: %v", n, c)
		}
		for _, r := range rs {
			if r.status == 401 {
				wantMessage(t, r, "already used")
			}
		}

		// At disable, the same code sent at once turns MFA off once.
		var tk api.Tokens
		e.verify(e.challenge(ada.email, testPassword), rc[1]).want(t, 200).decode(t, &tk)
		rs = e.burst(n, func(int) (resp, error) {
			return e.send("POST", "/auth/mfa/disable", api.MFACode{Code: rc[2]}, bearer(tk.AccessToken)...)
		})
		if c := tally(rs); c[204] != 1 || c[400]+c[409] != n-1 {
			t.Fatalf("one recovery code at disable %d times at once: %v", n, c)
		}
	}, func(c *Config) { c.Limits = Limits{Account: Rate{PerMinute: 600, Burst: 100}} })
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		ada := e.newUser("ada@example.com", "")
		tk := ada.login()
		regen := func(token, code string) resp {
			t.Helper()
			return e.do("POST", "/auth/mfa/recovery-codes", api.MFACode{Code: code}, bearer(token)...)
		}
		if st := e.mfaStatus(tk.AccessToken); st != (api.MFAStatus{}) {
			t.Fatalf("status with MFA off: %+v", st)
		}
		regen(tk.AccessToken, "123456").want(t, 409, api.CodeConflict)

		secret, old := ada.enableMFA()
		var signed api.Tokens
		e.verify(e.challenge(ada.email, testPassword), old[0]).want(t, 200).decode(t, &signed)
		tk = signed
		if st := e.mfaStatus(tk.AccessToken); st != (api.MFAStatus{Enabled: true, RecoveryCodesLeft: 9}) {
			t.Fatalf("status after one code: %+v", st)
		}
		// Bearer only; a code is required, and it must be a current TOTP code.
		e.do("GET", "/auth/mfa", nil, "Authorization", basic(ada.email, testPassword)).want(t, 401)
		e.do("POST", "/auth/mfa/recovery-codes", api.MFACode{Code: e.code(secret)}, "Authorization", basic(ada.email, testPassword)).want(t, 401)
		regen(tk.AccessToken, "").want(t, 400, api.CodeInvalidRequest, "code")
		regen(tk.AccessToken, e.wrongCode(secret)).want(t, 400, api.CodeInvalidRequest, "code")
		r := regen(tk.AccessToken, old[1]).want(t, 400, api.CodeInvalidRequest, "code")
		if r.apiErr(t).Message != errRecoveryCodeHere.Message {
			t.Fatalf("a recovery code to regenerate: %s", r.body)
		}
		if st := e.mfaStatus(tk.AccessToken); st.RecoveryCodesLeft != 9 {
			t.Fatalf("a refused request spent a code: %+v", st)
		}

		e.tick()
		code := e.code(secret)
		var fresh api.RecoveryCodes
		regen(tk.AccessToken, code).want(t, 200).decode(t, &fresh)
		if len(fresh.RecoveryCodes) != 10 || slices.ContainsFunc(fresh.RecoveryCodes, func(c string) bool { return slices.Contains(old, c) }) {
			t.Fatalf("new codes: %v (old %v)", fresh.RecoveryCodes, old)
		}
		if st := e.mfaStatus(tk.AccessToken); st != (api.MFAStatus{Enabled: true, RecoveryCodesLeft: 10}) {
			t.Fatalf("status after regenerating: %+v", st)
		}
		regen(tk.AccessToken, code).want(t, 400, api.CodeInvalidRequest, "code") // the TOTP code is spent

		// The old set is gone, spent or not: both are plain wrong now. A new code signs in once.
		for _, c := range []string{old[0], old[2]} {
			r := e.verify(e.challenge(ada.email, testPassword), c).want(t, 401)
			wantMessage(t, r, "The code is wrong")
		}
		e.verify(e.challenge(ada.email, testPassword), fresh.RecoveryCodes[3]).want(t, 200)
		if st := e.mfaStatus(tk.AccessToken); st.RecoveryCodesLeft != 9 {
			t.Fatalf("after a new code: %+v", st)
		}

		// The change is an event on the account's stream, with the count.
		evs, err := e.s.ledger.EventsAfter(context.Background(), ada.id, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range evs {
			var d ledger.RecoveryCodesChanged
			if ev.Type == api.EventSecurityMFAChanged && json.Unmarshal(ev.Data, &d) == nil && d.RecoveryCodesLeft == 10 {
				found = true
			}
		}
		if !found {
			t.Fatalf("no security.mfa_changed with recoveryCodesLeft 10 in %d events", len(evs))
		}

		e.tick()
		e.do("POST", "/auth/mfa/disable", api.MFACode{Code: e.code(secret)}, bearer(tk.AccessToken)...).want(t, 204)
		if st := e.mfaStatus(tk.AccessToken); st != (api.MFAStatus{}) {
			t.Fatalf("status after disable: %+v", st)
		}
		e.tick()
		regen(tk.AccessToken, e.code(secret)).want(t, 409, api.CodeConflict)
	})
}

func TestRegenerateRecoveryCodesAtOnceSucceedsOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		ada := e.newUser("ada@example.com", "")
		secret, _ := ada.enableMFA()
		tk := ada.login2(e, secret)
		e.tick()
		code := e.code(secret)
		const n = 6
		rs := e.burst(n, func(int) (resp, error) {
			return e.send("POST", "/auth/mfa/recovery-codes", api.MFACode{Code: code}, bearer(tk.AccessToken)...)
		})
		if c := tally(rs); c[200] != 1 || c[400] != n-1 {
			t.Fatalf("one TOTP code to regenerate %d times at once: %v", n, c)
		}
		var fresh api.RecoveryCodes
		for _, r := range rs {
			if r.status == 200 {
				r.decode(t, &fresh)
			}
		}
		// The one answered is the set in force.
		e.verify(e.challenge(ada.email, testPassword), fresh.RecoveryCodes[0]).want(t, 200)
	}, func(c *Config) { c.Limits = Limits{Account: Rate{PerMinute: 600, Burst: 100}} })
}
