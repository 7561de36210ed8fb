package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"
)

// t11: secrets in files and logs.
func t11() {
	tag := runTag()
	src := "127.0.20.1"
	email, pw := "secret"+tag+"@example.com", "Sup3r-secret-pass-"+tag
	secrets := map[string]string{"password": pw, "admin key": adminKey}
	secret, codes := mfaAccount(src, email, pw)
	secrets["totp secret"] = secret
	for i, c := range codes {
		secrets[fmt.Sprint("recovery code ", i)] = c
		secrets[fmt.Sprint("recovery code (bare) ", i)] = strings.ReplaceAll(c, "-", "")
	}
	l := login(src, email, pw)
	ch := l.str("challengeId")
	secrets["challenge id (open)"] = ch
	// a wrong code to make the challenge row change
	do(src, "POST", "/auth/mfa/verify", map[string]any{"challengeId": ch, "code": "000000"}, nil)
	l2 := login(src, email, pw)
	ch2 := l2.str("challengeId")
	secrets["challenge id (passed)"] = ch2
	time.Sleep(31 * time.Second)
	code, _ := totp.GenerateCode(secret, time.Now())
	v := do(src, "POST", "/auth/mfa/verify", map[string]any{"challengeId": ch2, "code": code}, nil)
	if v.Status != 200 {
		fmt.Println("verify:", v.Status, string(v.Body))
	}
	secrets["access token"] = v.str("accessToken")
	secrets["refresh token"] = v.str("refreshToken")
	// a plain account with Basic, a password change, a generated password, a delegation token
	p2 := "plain" + tag + "@example.com"
	cr := do(src, "POST", "/user/create", map[string]any{"email": p2}, nil)
	gen := cr.str("password")
	secrets["generated password"] = gen
	do(src, "GET", "/user/my-info", nil, basicHdr(p2, gen))
	do(src, "GET", "/user/my-info", nil, basicHdr(p2, "wrong-"+gen))
	np := "New-password-" + tag
	do(src, "PUT", "/user/update-password", map[string]any{"oldPassword": gen, "newPassword": np}, basicHdr(p2, gen))
	secrets["changed password"] = np
	dt := do(src, "POST", "/token/create", map[string]any{"recipientEmail": email}, basicHdr(p2, np)).str("token")
	secrets["delegation token"] = dt
	// enroll (pending secret)
	e := do(src, "POST", "/auth/mfa/enroll", nil, basicHdr(p2, np))
	if s := e.str("secret"); s != "" {
		secrets["pending totp secret"] = s
	}
	// refresh rotation
	r := do(src, "POST", "/auth/refresh", map[string]any{"refreshToken": secrets["refresh token"]}, nil)
	secrets["rotated refresh token"] = r.str("refreshToken")
	time.Sleep(500 * time.Millisecond)
	var files []string
	for _, d := range strings.Split(os.Getenv("SCAN"), ",") {
		filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				files = append(files, p)
			}
			return nil
		})
	}
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for name, s := range secrets {
			if s == "" {
				continue
			}
			forms := map[string][]byte{"clear": []byte(s), "base64": []byte(base64.StdEncoding.EncodeToString([]byte(s))),
				"hex": []byte(hex.EncodeToString([]byte(s)))}
			if name == "challenge id (open)" || name == "challenge id (passed)" {
				if raw, err := base64.RawURLEncoding.DecodeString(s); err == nil {
					forms["raw bytes"] = raw
				}
			}
			for form, needle := range forms {
				if len(needle) >= 8 && bytes.Contains(b, needle) {
					fmt.Printf("11 FOUND %s (%s) in %s\n", name, form, f)
					found++
				}
			}
		}
	}
	fmt.Printf("11 scanned %d files for %d secrets: %d found\n", len(files), len(secrets), found)
}
