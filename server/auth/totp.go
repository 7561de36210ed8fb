package auth

import (
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings (RFC 6238 as authenticator apps expect them).
const (
	totpPeriod = 30 // seconds
	totpDigits = 6
	totpSkew   = 1 // steps accepted either side of now
)

var totpOpts = totp.ValidateOpts{
	Period:    totpPeriod,
	Digits:    otp.DigitsSix,
	Algorithm: otp.AlgorithmSHA1,
}

// NewTOTP creates a TOTP secret (160 bits, base32) for accountEmail and the
// otpauth:// URL an authenticator app scans. Store the secret sealed with
// Keyset.Seal, never in the clear.
func NewTOTP(issuer, accountEmail string) (secret, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: accountEmail,
		Period:      totpPeriod,
		SecretSize:  20,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", errors.New("auth: cannot create TOTP secret: issuer and account are required")
	}
	return key.Secret(), key.URL(), nil
}

// CheckTOTP reports whether code is the TOTP for secret at now, or one step
// (30 s) either side, and returns the time step it matched. Steps at or below
// lastUsedStep are refused, so a code works at most once: on success the
// caller must store step, atomically (e.g. UPDATE ... SET last_step = step
// WHERE last_step < step), before accepting the sign-in. Pass 0 when no code
// was ever used. Spaces in code are ignored; comparison is constant-time.
func CheckTOTP(secret, code string, now time.Time, lastUsedStep int64) (step int64, ok bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != totpDigits {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	var matched int64
	found := false
	for s := current - totpSkew; s <= current+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
		if eq && s > lastUsedStep {
			matched, found = s, true // keep the latest matching step: it burns the most
		}
	}
	if !found {
		return 0, false
	}
	return matched, true
}
