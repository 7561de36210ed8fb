package auth

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestNewTOTP(t *testing.T) {
	secret, u, err := NewTOTP("syftwallet", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(raw) < 20 {
		t.Fatalf("secret %q is not 160 bits of base32", secret)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	if parsed.Scheme != "otpauth" || parsed.Host != "totp" || q.Get("secret") != secret ||
		q.Get("issuer") != "syftwallet" || q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("otpauth URL %q", u)
	}
	if !strings.Contains(parsed.Path, "alice@example.com") {
		t.Errorf("URL path %q lacks the account", parsed.Path)
	}
	other, _, _ := NewTOTP("syftwallet", "alice@example.com")
	if other == secret {
		t.Error("secrets repeat")
	}
	if _, _, err := NewTOTP("", "alice@example.com"); err == nil {
		t.Error("empty issuer accepted")
	}
}

// RFC 6238 appendix B vectors (SHA-1), truncated to 6 digits: independent of
// the library that generates codes.
func TestCheckTOTPRFCVectors(t *testing.T) {
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, v := range []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		step, ok := CheckTOTP(secret, v.code, time.Unix(v.unix, 0), 0)
		if !ok || step != v.unix/30 {
			t.Errorf("t=%d code %s: step %d ok %v; want step %d", v.unix, v.code, step, ok, v.unix/30)
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	secret, _, _ := NewTOTP("syftwallet", "a@example.com")
	now := time.Date(2026, 11, 29, 10, 54, 24, 0, time.UTC)
	cur := now.Unix() / 30
	code := func(step int64) string {
		c, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totpOpts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, d := range []int64{-1, 0, 1} {
		step, ok := CheckTOTP(secret, code(cur+d), now, 0)
		if !ok || step != cur+d {
			t.Errorf("skew %d: step %d ok %v; want %d", d, step, ok, cur+d)
		}
	}
	for _, d := range []int64{-3, -2, 2, 3} {
		if c := code(cur + d); c != code(cur-1) && c != code(cur) && c != code(cur+1) {
			if _, ok := CheckTOTP(secret, c, now, 0); ok {
				t.Errorf("skew %d accepted", d)
			}
		}
	}

	// Replay: once step s is stored, its code and every earlier one fail.
	step, ok := CheckTOTP(secret, code(cur), now, 0)
	if !ok {
		t.Fatal("current code refused")
	}
	if _, ok := CheckTOTP(secret, code(cur), now, step); ok {
		t.Error("code accepted twice")
	}
	if _, ok := CheckTOTP(secret, code(cur-1), now, step); ok {
		t.Error("older code accepted after a newer one was used")
	}
	if s, ok := CheckTOTP(secret, code(cur+1), now, step); !ok || s != cur+1 {
		t.Error("next step's code refused")
	}
	if _, ok := CheckTOTP(secret, code(cur), now.Add(30*time.Second), step); ok {
		t.Error("used code accepted half a minute later")
	}

	spaced := code(cur)[:3] + " " + code(cur)[3:]
	if _, ok := CheckTOTP(secret, spaced, now, 0); !ok {
		t.Error("code with a space refused")
	}
	wrong := []byte(code(cur))
	wrong[5] = '0' + (wrong[5]-'0'+1)%10
	for _, c := range []string{string(wrong), "", "12345", "1234567", "abcdef"} {
		if c == code(cur-1) || c == code(cur+1) {
			continue
		}
		if _, ok := CheckTOTP(secret, c, now, 0); ok {
			t.Errorf("code %q accepted", c)
		}
	}
	if _, ok := CheckTOTP("not base32!!", code(cur), now, 0); ok {
		t.Error("bad secret accepted")
	}
}
