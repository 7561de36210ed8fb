package client

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// enrolledClient signs a new account in at a service on a clock of its own and enrolls it in
// two-factor (not yet on); code gives a TOTP code of the next time step (codes are single use).
func enrolledClient(t *testing.T, email string) (*svc, *Client, func() string) {
	t.Helper()
	clk := &fakeClock{}
	s := startServiceWith(t, svcOpts{clock: clk})
	requireAuth(t, s)
	c := signUp(t, s, testConfig(t, s.URL), email, WithClock(clk.Now))
	enr, err := c.EnrollMFA(context.Background())
	if err != nil || enr.Secret == "" || !strings.HasPrefix(enr.OtpauthURL, "otpauth://") {
		t.Fatalf("enroll: %+v %v", enr, err)
	}
	return s, c, func() string {
		clk.Advance(30 * time.Second)
		code, err := totp.GenerateCode(enr.Secret, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
}

// Recovery codes over the real service: the count, a new set for a TOTP code, and a spent code
// told apart (RecoveryCodeUsedError) at sign-in and at disable.
func TestRecoveryCodes(t *testing.T) {
	s, c, code := enrolledClient(t, "ivy@example.com")
	ctx := context.Background()
	if st, err := c.MFAStatus(ctx); err != nil || st.Enabled || st.RecoveryCodesLeft != 0 {
		t.Fatalf("status before MFA: %+v %v", st, err)
	}
	old, err := c.EnableMFA(ctx, code())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.MFAStatus(ctx); err != nil || !st.Enabled || st.RecoveryCodesLeft != 10 {
		t.Fatalf("status after enabling: %+v %v", st, err)
	}

	// A recovery code cannot make new ones; a TOTP code can.
	var val *ValidationError
	if _, err := c.RegenerateRecoveryCodes(ctx, old[0]); !errors.As(err, &val) || val.Field != "code" {
		t.Fatalf("regenerate with a recovery code: %v", err)
	}
	fresh, err := c.RegenerateRecoveryCodes(ctx, code())
	if err != nil || len(fresh) != 10 || slices.Contains(fresh, old[0]) {
		t.Fatalf("regenerate: %v %v", fresh, err)
	}

	// Sign in with a new code, then offer it again: already used, and still a wrong code.
	signIn := func(rc string) error {
		t.Helper()
		c.Logout(ctx)
		var mfa *MFARequiredError
		if _, err := c.Login(ctx, "ivy@example.com", testPassword); !errors.As(err, &mfa) {
			t.Fatalf("login: %v", err)
		}
		_, err := c.VerifyMFA(ctx, mfa.Challenge, rc)
		return err
	}
	if err := signIn(fresh[0]); err != nil {
		t.Fatal(err)
	}
	var used *RecoveryCodeUsedError
	err = signIn(fresh[0])
	if !errors.As(err, &used) || !errors.As(err, &val) || val.Field != "code" || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("a spent code at sign-in: %T %v", err, err)
	}
	if err := signIn(old[1]); errors.As(err, &used) || !errors.As(err, &val) {
		t.Fatalf("a code of the replaced set: %T %v", err, err)
	}
	if err := signIn(fresh[1]); err != nil {
		t.Fatal(err)
	}
	if st, err := c.MFAStatus(ctx); err != nil || st.RecoveryCodesLeft != 8 {
		t.Fatalf("status after two codes: %+v %v", st, err)
	}
	if err := c.DisableMFA(ctx, fresh[0]); !errors.As(err, &used) || val.Field != "code" {
		t.Fatalf("a spent code at disable: %T %v", err, err)
	}
	if err := c.DisableMFA(ctx, fresh[2]); err != nil {
		t.Fatal(err)
	}

	// Basic (legacy) has no two-factor calls.
	legacy := newClient(t, testConfigLegacy(t, s.URL))
	var unsup *UnsupportedError
	if _, err := legacy.MFAStatus(ctx); !errors.As(err, &unsup) {
		t.Errorf("legacy status: %v", err)
	}
	if _, err := legacy.RegenerateRecoveryCodes(ctx, "123456"); !errors.As(err, &unsup) {
		t.Errorf("legacy regenerate: %v", err)
	}
}
