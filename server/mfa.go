package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/auth"
)

// Two-factor authentication (TOTP, RFC 6238: SHA-1, 6 digits, 30 s) and its recovery codes.
//
//   - A code works at most once: the account's last used time step is raised atomically
//     (AuthStore.UseTOTPStep), so the same code sent twice at once succeeds once. A recovery code
//     is spent atomically too (UseRecoveryCode).
//   - A challenge lives 5 minutes and dies after 5 wrong codes; 10 consecutive wrong codes across
//     challenges lock the account's MFA for 15 minutes (the store records security.mfa_changed).
//     While locked, login, initiate, verify and disable answer 429 with Retry-After.
//   - Secrets are sealed with the keyset's data key, bound to the account id, before they reach
//     the store; recovery codes are stored hashed.
//   - Wherever a TOTP code is accepted (verify, disable), a recovery code is accepted in its place.
//     One offered again after it was spent is answered "already used" (codeSpent), and counts as a
//     wrong code against every budget: only someone who held the code can get that answer.
//   - New recovery codes (POST /auth/mfa/recovery-codes) need a current TOTP code and replace
//     every old one; GET /auth/mfa says how many are left (mfa_recovery.go).
//   - A secret sealed by a data key the service no longer has (its keys were replaced with
//     --new-keys: docs/api-decisions.md, "Keys") cannot be checked: a TOTP code for it is answered
//     with a sentence asking for a recovery code (never a 500), and the account may enroll again
//     while two-factor is still on, which replaces the lost secret and the recovery codes.

// challengePolicy is api.md's: 5 wrong codes per challenge; 10 in a row lock MFA for 15 minutes.
var challengePolicy = ledger.ChallengePolicy{MaxWrong: 5, LockAfter: 10, LockFor: 15 * time.Minute}

// recoveryCodeCount is how many recovery codes enabling MFA returns.
const recoveryCodeCount = 10

// maxCodeBytes bounds a submitted code (a recovery code with separators is under 30).
const maxCodeBytes = 64

var errChallengeInvalid = unauthenticated("This sign-in is no longer valid (expired, finished or unknown): sign in again.")

// mfaLocked is 429 with Retry-After while the account's MFA is locked.
func (s *Server) mfaLocked(st ledger.MFAState) error {
	if wait := st.LockedUntil.Sub(s.now()); wait > 0 {
		return rateLimited(wait, "Too many wrong codes: two-factor sign-in is locked for "+humanWait(wait)+".")
	}
	return nil
}

// POST /auth/mfa/verify {challengeId, code}: 200 tokens.
func (s *Server) mfaVerify(w http.ResponseWriter, r *http.Request) error {
	var req api.MFAVerifyRequest
	if e := decode(r, &req); e != nil {
		return e
	}
	if req.ChallengeID == "" {
		return api.Invalid("challengeId", "The challengeId from /auth/login is required.")
	}
	if strings.TrimSpace(req.Code) == "" {
		return api.Invalid("code", "The code is required.")
	}
	ctx := r.Context()
	att := s.attempt(r, kindMFA, "")
	if err := att.reserve(ctx); err != nil {
		return err
	}
	defer att.release(ctx)
	ch, err := s.auth.Challenge(ctx, req.ChallengeID)
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return err
	}
	if err != nil || ch.Done || !s.now().Before(ch.ExpiresAt) {
		att.fail()
		return errChallengeInvalid
	}
	att.account = ch.AccountID
	if err := att.reserveAccount(ctx); err != nil {
		return err
	}
	st, err := s.auth.MFA(ctx, ch.AccountID)
	if err != nil {
		return err
	}
	if err := s.mfaLocked(st); err != nil {
		return err
	}
	if !st.Enabled {
		return errChallengeInvalid
	}
	// The challenge's attempt is taken in the store before the code is checked, so that codes
	// sent at once cannot exceed the challenge's budget or the account's lockout.
	if _, err := s.auth.TakeChallengeAttempt(ctx, ch.ID, challengePolicy); err != nil {
		switch {
		case errors.Is(err, ledger.ErrNotFound):
			att.fail()
			return errChallengeInvalid
		case errors.Is(err, ledger.ErrNoAttemptsLeft):
			return rateLimited(time.Second, "Other codes for this account are being checked: try again in a second.")
		}
		return err
	}
	settled := false
	defer func() {
		if !settled {
			if err := s.auth.ReleaseChallengeAttempt(context.WithoutCancel(ctx), ch.ID); err != nil {
				s.log.Warn("release challenge attempt", "error", err.Error())
			}
		}
	}()
	method, _, v, err := s.secondFactor(ctx, ch.AccountID, st.Secret, st.LastStep, req.Code, true)
	if errors.Is(err, errSecretLost) {
		return unauthenticated("This account's authenticator codes cannot be checked any more (the service's keys were replaced): " +
			"enter one of your recovery codes instead, then turn two-factor authentication on again.")
	}
	if err != nil {
		return err
	}
	settled = true
	if v != codeRight {
		att.fail()
		ch, st, err := s.auth.FailChallenge(ctx, ch.ID, challengePolicy)
		if err != nil {
			return err
		}
		if err := s.mfaLocked(st); err != nil {
			return err
		}
		what, reason := "The code is wrong", ""
		if v == codeSpent {
			what, reason = "This recovery code was already used", api.ReasonRecoveryCodeUsed
		}
		e := unauthenticated(fmt.Sprintf("%s: %d more tries for this sign-in.", what, challengePolicy.MaxWrong-ch.Wrong))
		if ch.Done {
			e = unauthenticated(what + ", and this sign-in has had too many wrong codes: sign in again.")
		}
		e.Reason = reason
		return e
	}
	// The code is spent; now the challenge, once (a concurrent verify of it may have won).
	if err := s.auth.PassChallenge(ctx, ch.ID); err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			return errChallengeInvalid
		}
		return err
	}
	att.succeed(ctx)
	acct, err := s.ledger.AccountByID(ctx, ch.AccountID)
	if err != nil {
		return err
	}
	return s.signedIn(w, r, acct, method)
}

// codeVerdict is what secondFactor found of a code. Anything but codeRight is a failure, counted
// as such by the caller, whichever it is.
type codeVerdict int

const (
	codeWrong codeVerdict = iota // not a code of this account now
	codeRight                    // right, and spent by this call
	codeSpent                    // one of the account's recovery codes, spent before
)

// secondFactor checks code against the sealed secret (a TOTP code, spent at once if right) or,
// when recovery is true and it has their form, the account's recovery codes (spent if right).
// It returns the method that matched and the TOTP step (0 for a recovery code). A recovery code
// that loses the race to spend it, or was spent long ago, is codeSpent.
func (s *Server) secondFactor(ctx context.Context, accountID string, sealed []byte, lastStep int64, code string,
	recovery bool) (method string, step int64, v codeVerdict, err error) {
	if len(code) > maxCodeBytes {
		return "", 0, codeWrong, nil
	}
	if digits := strings.ReplaceAll(strings.TrimSpace(code), " ", ""); isDigits(digits) {
		secret, err := s.openSecret(sealed, accountID)
		if err != nil {
			return "", 0, codeWrong, err
		}
		step, ok := auth.CheckTOTP(secret, digits, s.now(), lastStep)
		if !ok {
			return "totp", 0, codeWrong, nil
		}
		used, err := s.auth.UseTOTPStep(ctx, accountID, step)
		return "totp", step, verdict(used), err
	}
	if !recovery {
		return "", 0, codeWrong, nil
	}
	rc, ok := auth.NormalizeRecoveryCode(code)
	if !ok {
		return "", 0, codeWrong, nil
	}
	hash := auth.HashSecret(rc)
	used, err := s.auth.UseRecoveryCode(ctx, accountID, hash)
	if err != nil || used {
		return "recovery", 0, verdict(used), err
	}
	spent, err := s.auth.RecoveryCodeUsed(ctx, accountID, hash)
	if err != nil || !spent {
		return "recovery", 0, codeWrong, err
	}
	return "recovery", 0, codeSpent, nil
}

func verdict(right bool) codeVerdict {
	if right {
		return codeRight
	}
	return codeWrong
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// errSecretLost means a sealed TOTP secret cannot be opened with this service's data key: it was
// sealed by keys that are gone. Every caller turns it into a sentence for the person.
var errSecretLost = errors.New("server: a TOTP secret cannot be opened with this keyset")

func (s *Server) openSecret(sealed []byte, accountID string) (string, error) {
	if len(sealed) == 0 {
		return "", errors.New("server: account has no TOTP secret")
	}
	b, err := s.cfg.Keys.Open(sealed, []byte(accountID))
	if err != nil {
		return "", errSecretLost
	}
	return string(b), nil
}

// secretLost reports whether the account has two-factor on with a secret this service cannot
// open: then it may enroll again without turning two-factor off first.
func (s *Server) secretLost(st ledger.MFAState, accountID string) bool {
	if !st.Enabled {
		return false
	}
	_, err := s.openSecret(st.Secret, accountID)
	return errors.Is(err, errSecretLost)
}

// POST /auth/mfa/enroll (bearer): 200 {secret, otpauthUrl}. The secret is kept sealed as pending
// until /auth/mfa/enable confirms a code from it; enrolling again replaces a pending one. 409
// conflict when MFA is already on, unless its secret was sealed by keys this service no longer
// has (then the new enrollment replaces it once enabled).
func (s *Server) mfaEnroll(w http.ResponseWriter, r *http.Request, p *Principal) error {
	ctx := r.Context()
	st, err := s.auth.MFA(ctx, p.Account.ID)
	if err != nil {
		return err
	}
	if st.Enabled && !s.secretLost(st, p.Account.ID) {
		return &api.Error{Code: api.CodeConflict, Message: "Two-factor authentication is already on: disable it first."}
	}
	secret, url, err := auth.NewTOTP(s.cfg.Issuer, p.Account.Email)
	if err != nil {
		return err
	}
	sealed, err := s.cfg.Keys.Seal([]byte(secret), []byte(p.Account.ID))
	if err != nil {
		return err
	}
	if err := s.auth.SetPendingMFA(ctx, p.Account.ID, sealed, s.cfg.Keys.DataKeyID()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.MFAEnrollment{Secret: secret, OtpauthURL: url})
	return nil
}

// POST /auth/mfa/enable {code} (bearer): 200 {recoveryCodes}. The code must come from the pending
// secret (a recovery code cannot enable); a wrong one is 400 on field code and counts against the
// rate limits. 409 conflict when MFA is on already or nothing was enrolled. (Routed through
// mfaCodeHandler.)
func (s *Server) mfaEnable(ctx context.Context, w http.ResponseWriter, p *Principal, code string, att *attempt,
	st ledger.MFAState) error {
	if st.Enabled && !s.secretLost(st, p.Account.ID) {
		return &api.Error{Code: api.CodeConflict, Message: "Two-factor authentication is already on."}
	}
	if len(st.Pending) == 0 {
		return errNotEnrolled
	}
	secret, err := s.openSecret(st.Pending, p.Account.ID)
	if errors.Is(err, errSecretLost) {
		return &api.Error{Code: api.CodeConflict, Message: "This enrollment cannot be confirmed any more (the service's keys were replaced): call /auth/mfa/enroll again."}
	}
	if err != nil {
		return err
	}
	// The pending secret is new: no code of it was ever used, whatever step an old secret reached.
	step, ok := auth.CheckTOTP(secret, code, s.now(), 0)
	if !ok {
		att.fail()
		return errWrongCode
	}
	codes, hashes := auth.NewRecoveryCodes(recoveryCodeCount)
	if err := s.auth.EnableMFA(ctx, p.Account.ID, step, hashes); err != nil {
		if errors.Is(err, ledger.ErrNotFound) { // a concurrent enable took the pending secret
			return errNotEnrolled
		}
		return err
	}
	att.succeed(ctx)
	s.creds.ForgetUser(p.Account.ID)
	writeJSON(w, http.StatusOK, api.RecoveryCodes{RecoveryCodes: codes})
	return nil
}

// POST /auth/mfa/disable {code} (bearer): 204. The code is a current TOTP code or an unused
// recovery code (someone who lost their authenticator can still turn MFA off); either is spent.
// A wrong one is 400 on field code and counts against the rate limits; while MFA is locked, 429.
// 409 conflict when MFA is off. (Routed through mfaCodeHandler.)
func (s *Server) mfaDisable(ctx context.Context, w http.ResponseWriter, p *Principal, code string, att *attempt,
	st ledger.MFAState) error {
	if !st.Enabled {
		return errMFAOff
	}
	if err := s.mfaLocked(st); err != nil {
		return err
	}
	_, step, v, err := s.secondFactor(ctx, p.Account.ID, st.Secret, st.LastStep, code, true)
	if errors.Is(err, errSecretLost) {
		return api.Invalid("code", "Authenticator codes cannot be checked any more (the service's keys were replaced): enter one of your recovery codes.")
	}
	if err != nil {
		return err
	}
	switch v {
	case codeSpent:
		att.fail()
		return errSpentRecoveryCode
	case codeWrong:
		att.fail()
		return errWrongCode
	}
	if err := s.auth.DisableMFA(ctx, p.Account.ID, step); err != nil {
		return err
	}
	att.succeed(ctx)
	s.creds.ForgetUser(p.Account.ID)
	writeNoContent(w)
	return nil
}

var (
	errWrongCode = api.Invalid("code", "The code is wrong or was already used: enter the current code from your authenticator app.")
	// errSpentRecoveryCode is a recovery code of this account that was spent before (codeSpent).
	errSpentRecoveryCode = &api.Error{Code: api.CodeInvalidRequest, Field: "code", Reason: api.ReasonRecoveryCodeUsed,
		Message: "This recovery code was already used: enter another one, or the current code from your authenticator app."}
	errNotEnrolled = &api.Error{Code: api.CodeConflict, Message: "There is no enrollment to confirm: call /auth/mfa/enroll first."}
)

// mfaCode reads {code} of enable and disable.
func mfaCode(r *http.Request) (string, *api.Error) {
	var req api.MFACode
	if e := decode(r, &req); e != nil {
		return "", e
	}
	return checkCode(req.Code, api.Invalid("code", "The code is required."))
}

// checkCode trims a submitted code: missing when there is none, errWrongCode when it is too long
// to be one.
func checkCode(code string, missing *api.Error) (string, *api.Error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", missing
	}
	if len(code) > maxCodeBytes {
		return "", errWrongCode
	}
	return code, nil
}

// mfaStep is what a check of the signed-in account's second factor does once its attempt is
// reserved: with the code, the attempt (to fail or succeed) and the account's MFA state.
type mfaStep func(ctx context.Context, code string, att *attempt, st ledger.MFAState) error

// mfaCodeStep is an endpoint that takes {code} for the signed-in account's second factor (enable,
// disable), once the code is read and its attempt reserved.
type mfaCodeStep func(ctx context.Context, w http.ResponseWriter, p *Principal, code string, att *attempt,
	st ledger.MFAState) error

// mfaCodeHandler is the handler of an mfaCodeStep: it reads {code} and runs step as one attempt
// (withMFAAttempt).
func (s *Server) mfaCodeHandler(step mfaCodeStep) userHandler {
	return func(w http.ResponseWriter, r *http.Request, p *Principal) error {
		code, e := mfaCode(r)
		if e != nil {
			return e
		}
		return s.withMFAAttempt(r, p, code, func(ctx context.Context, code string, att *attempt, st ledger.MFAState) error {
			return step(ctx, w, p, code, att, st)
		})
	}
}

// withMFAAttempt runs step as one second-factor attempt of the signed-in account: the attempt's
// tokens are reserved first (429 when a budget is spent), the account's MFA state read, and what
// step did not settle (att.fail or att.succeed) is given back when it returns.
func (s *Server) withMFAAttempt(r *http.Request, p *Principal, code string, step mfaStep) error {
	ctx := r.Context()
	att := s.attempt(r, kindMFA, p.Account.ID)
	if err := att.reserve(ctx); err != nil {
		return err
	}
	defer att.release(ctx)
	st, err := s.auth.MFA(ctx, p.Account.ID)
	if err != nil {
		return err
	}
	return step(ctx, code, att, st)
}
