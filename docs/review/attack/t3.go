package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/pquerna/otp/totp"
)

type keyState struct {
	Email, Pw, Secret string
	Codes             []string
	Pending           string // an account with a pending enrollment
	PendingSecret     string
	Refresh           string
}

// t3prep makes an MFA account and a pending enrollment; writes them to /tmp/rev/t3.json.
func t3prep() {
	tag := runTag()
	st := keyState{Email: "keys" + tag + "@example.com", Pw: "keys-password-1"}
	st.Secret, st.Codes = mfaAccount("127.0.10.1", st.Email, st.Pw)
	st.Pending = "pending" + tag + "@example.com"
	register("127.0.10.1", st.Pending, st.Pw)
	l := login("127.0.10.1", st.Pending, st.Pw)
	st.Refresh = l.str("refreshToken")
	e := do("127.0.10.1", "POST", "/auth/mfa/enroll", nil, bearer(l.str("accessToken")))
	st.PendingSecret = e.str("secret")
	b, _ := json.Marshal(st)
	os.WriteFile("/tmp/rev/t3.json", b, 0o600)
	fmt.Println("prepared", st.Email, st.Pending)
}

func t3check() {
	var st keyState
	b, _ := os.ReadFile("/tmp/rev/t3.json")
	json.Unmarshal(b, &st)
	src := "127.0.10.2"
	l := login(src, st.Email, st.Pw)
	ch := l.str("challengeId")
	fmt.Printf("3 login MFA account: %d mfaRequired=%v\n", l.Status, l.json()["mfaRequired"])
	code, _ := totp.GenerateCode(st.Secret, time.Now())
	v := do(src, "POST", "/auth/mfa/verify", map[string]any{"challengeId": ch, "code": code}, nil)
	fmt.Printf("3 verify with TOTP: %d %s\n", v.Status, v.Body)
	v = do(src, "POST", "/auth/mfa/verify", map[string]any{"challengeId": ch, "code": st.Codes[5]}, nil)
	fmt.Printf("3 same challenge with a recovery code: %d %.60s\n", v.Status, v.Body)
	tok := v.str("accessToken")
	if tok == "" {
		return
	}
	d := do(src, "POST", "/auth/mfa/disable", map[string]any{"code": code}, bearer(tok))
	fmt.Printf("3 disable with TOTP: %d %s\n", d.Status, d.Body)
	e := do(src, "POST", "/auth/mfa/enroll", nil, bearer(tok))
	fmt.Printf("3 enroll again while on: %d\n", e.Status)
	if s := e.str("secret"); s != "" {
		c, _ := totp.GenerateCode(s, time.Now())
		en := do(src, "POST", "/auth/mfa/enable", map[string]any{"code": c}, bearer(tok))
		fmt.Printf("3 enable the new secret: %d %.60s\n", en.Status, en.Body)
		var rc struct{ RecoveryCodes []string }
		json.Unmarshal(en.Body, &rc)
		time.Sleep(31 * time.Second)
		l := login(src, st.Email, st.Pw)
		c, _ = totp.GenerateCode(s, time.Now())
		v := do(src, "POST", "/auth/mfa/verify", map[string]any{"challengeId": l.str("challengeId"), "code": c}, nil)
		fmt.Printf("3 sign in with the new secret: %d %.40s\n", v.Status, v.Body)
		l = login(src, st.Email, st.Pw)
		v = do(src, "POST", "/auth/mfa/verify", map[string]any{"challengeId": l.str("challengeId"), "code": st.Codes[6]}, nil)
		fmt.Printf("3 an old recovery code after re-enrolling: %d %.80s\n", v.Status, v.Body)
	}
	// pending enrollment
	pl := login(src, st.Pending, st.Pw)
	ptok := pl.str("accessToken")
	c, _ := totp.GenerateCode(st.PendingSecret, time.Now())
	en := do(src, "POST", "/auth/mfa/enable", map[string]any{"code": c}, bearer(ptok))
	fmt.Printf("3 enable a pending enrollment sealed by the old key: %d %s\n", en.Status, en.Body)
	r := do(src, "POST", "/auth/refresh", map[string]any{"refreshToken": st.Refresh}, nil)
	fmt.Printf("3 refresh token from before: %d %s\n", r.Status, r.Body)
}
