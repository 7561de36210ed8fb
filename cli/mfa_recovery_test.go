package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/syftbox/syftwallet/cli"
)

// mfa recovery-codes: the count, a new set for a TOTP code (never for a recovery code), and a
// spent code at sign-in said to be already used.
func TestMFARecoveryCodes(t *testing.T) {
	e := newEnv(t)
	e.account("ada@example.com", "")
	e.signIn("ada@example.com")
	r := e.must(call{args: []string{"mfa", "recovery-codes"}})
	if !strings.Contains(r.stdout, "off") {
		t.Errorf("count with MFA off: %q", r.stdout)
	}
	var en struct {
		Secret *string `json:"secret"`
	}
	decode(t, e.must(call{args: []string{"mfa", "enable", "--json"}}).stdout, &en)
	now := time.Now()
	code, _ := totp.GenerateCode(*en.Secret, now)
	var on recoveryDoc
	decode(t, e.must(call{args: []string{"mfa", "enable", "--mfa-code", code, "--json"}}).stdout, &on)

	var st recoveryDoc
	decode(t, e.must(call{args: []string{"mfa", "recovery-codes", "--json"}}).stdout, &st)
	if !st.MFAEnabled || st.RecoveryCodesLeft != 10 || st.RecoveryCodes != nil {
		t.Fatalf("count: %+v", st)
	}
	if r := e.run("mfa", "recovery-codes", "--new"); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--mfa-code") {
		t.Errorf("--new without a code, no terminal: exit %d %q", r.code, r.stderr)
	}
	if r := e.run("mfa", "recovery-codes", "--new", "--mfa-code", on.RecoveryCodes[0]); r.code != cli.ExitAuth ||
		!strings.Contains(r.stderr, "recovery code cannot") {
		t.Errorf("--new with a recovery code: exit %d %q", r.code, r.stderr)
	}
	next, _ := totp.GenerateCode(*en.Secret, now.Add(30*time.Second))
	var fresh recoveryDoc
	decode(t, e.must(call{args: []string{"mfa", "recovery-codes", "--new", "--mfa-code", next, "--json"}}).stdout, &fresh)
	if !fresh.MFAEnabled || fresh.RecoveryCodesLeft != 10 || len(fresh.RecoveryCodes) != 10 || fresh.RecoveryCodes[0] == on.RecoveryCodes[0] {
		t.Fatalf("new codes: %+v", fresh)
	}

	login := []string{"login", "--email", "ada@example.com", "--password-stdin", "--mfa-code"}
	e.must(call{args: []string{"logout"}})
	e.must(call{args: append(login, fresh.RecoveryCodes[0]), stdin: password})
	e.must(call{args: []string{"logout"}})
	r = e.do(call{args: append(login, fresh.RecoveryCodes[0]), stdin: password})
	if r.code != cli.ExitAuth || !strings.Contains(r.stderr, "already used") {
		t.Errorf("a spent recovery code: exit %d %q", r.code, r.stderr)
	}
	e.must(call{args: append(login, fresh.RecoveryCodes[1]), stdin: password})
	if r := e.must(call{args: []string{"mfa", "recovery-codes"}}); r.stdout != "8 recovery codes left.\n" {
		t.Errorf("count after two: %q", r.stdout)
	}
}

type recoveryDoc struct {
	MFAEnabled        bool     `json:"mfaEnabled"`
	RecoveryCodesLeft int      `json:"recoveryCodesLeft"`
	RecoveryCodes     []string `json:"recoveryCodes"`
}
