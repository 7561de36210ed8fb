package api

// MFAStatus is GET /auth/mfa: whether two-factor authentication is on and how many unused
// recovery codes are left (0 when it is off). Regenerating the codes is POST
// /auth/mfa/recovery-codes {code} (MFACode, a current TOTP code), which answers RecoveryCodes.
type MFAStatus struct {
	Enabled           bool `json:"enabled"`
	RecoveryCodesLeft int  `json:"recoveryCodesLeft"`
}
