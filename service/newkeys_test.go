package service

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// TestNewKeysDoesWhatItSays: with keys.json lost (missing, another keyset, corrupt), --new-keys starts
// the service with new keys, keeps the other file, ends every session, and the two-factor account
// signs in with a recovery code (its TOTP codes get a sentence, never a 500) and enrolls again.
func TestNewKeysDoesWhatItSays(t *testing.T) {
	for _, lost := range []string{"missing", "other", "corrupt"} {
		t.Run(lost, func(t *testing.T) {
			k := newKeyed(t)
			var other []byte
			os.Remove(k.keys)
			if lost != "missing" {
				other = otherKeys(t)
				if lost == "corrupt" {
					other = other[:len(other)/2]
				}
				if err := os.WriteFile(k.keys, other, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", DBPath: k.db, NewKeys: true})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { svc.Stop() }()

			now, _ := os.ReadFile(k.keys)
			if len(now) == 0 || string(now) == string(k.keyBytes) || string(now) == string(other) {
				t.Fatal("keys.json was not replaced by new keys")
			}
			kept, _ := filepath.Glob(k.keys + ".replaced-*")
			if lost != "missing" {
				if len(kept) != 1 {
					t.Fatalf("the other keys file was not kept aside: %v", kept)
				}
				if b, _ := os.ReadFile(kept[0]); string(b) != string(other) {
					t.Fatal("the file kept aside is not the one that was there")
				}
			} else if len(kept) != 0 {
				t.Fatalf("kept %v, but there was no file", kept)
			}

			// Every session ended.
			if st, b, _ := call(hc, "POST", svc.URL+"/auth/refresh", "", api.RefreshRequest{RefreshToken: k.refresh}, nil); st != 401 {
				t.Errorf("refresh of a session from before the new keys: %d %s", st, b)
			}
			// A TOTP code cannot be checked: a sentence that asks for a recovery code.
			ch := k.challenge(t, svc.URL)
			b := mustCall(t, 401, "POST", svc.URL+"/auth/mfa/verify", "", api.MFAVerifyRequest{
				ChallengeID: ch, Code: totpAt(t, k.secret, time.Now())})
			var e api.Error
			decodeInto(t, b, &e)
			if e.Code != api.CodeUnauthenticated || !strings.Contains(e.Message, "recovery code") {
				t.Errorf("TOTP code for a secret sealed by lost keys: %s", b)
			}
			// The same challenge takes a recovery code.
			var tk api.Tokens
			decodeInto(t, mustCall(t, 200, "POST", svc.URL+"/auth/mfa/verify", "", api.MFAVerifyRequest{
				ChallengeID: ch, Code: k.recovery[0]}), &tk)
			// Disabling with a TOTP code is refused cleanly too.
			b = mustCall(t, 400, "POST", svc.URL+"/auth/mfa/disable", "Bearer "+tk.AccessToken, api.MFACode{Code: "123456"})
			if !strings.Contains(string(b), "recovery code") {
				t.Errorf("disable with a TOTP code: %s", b)
			}
			// Enroll again, although two-factor is still on: the new secret replaces the lost one.
			var en api.MFAEnrollment
			decodeInto(t, mustCall(t, 200, "POST", svc.URL+"/auth/mfa/enroll", "Bearer "+tk.AccessToken, nil), &en)
			enabled := time.Now()
			var rc api.RecoveryCodes
			decodeInto(t, mustCall(t, 200, "POST", svc.URL+"/auth/mfa/enable", "Bearer "+tk.AccessToken,
				api.MFACode{Code: totpAt(t, en.Secret, enabled)}), &rc)
			if len(rc.RecoveryCodes) != 10 {
				t.Fatalf("recovery codes: %v", rc.RecoveryCodes)
			}
			svc.Stop()

			// Without the flag it starts again (the new ids are recorded) and the new secret works.
			svc, err = startAt(t, k.db)
			if err != nil {
				t.Fatalf("restart after --new-keys: %v", err)
			}
			mustCall(t, 200, "POST", svc.URL+"/auth/mfa/verify", "", api.MFAVerifyRequest{
				ChallengeID: k.challenge(t, svc.URL), Code: totpAt(t, en.Secret, enabled.Add(30*time.Second))})
		})
	}
}

// TestNewKeysIsIgnoredWhenTheKeysOpenTheLedger: a --new-keys left in a unit file changes nothing
// while keys.json is the ledger's: sessions live on, the keys stay.
func TestNewKeysIsIgnoredWhenTheKeysOpenTheLedger(t *testing.T) {
	k := newKeyed(t)
	svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", DBPath: k.db, NewKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	if b, _ := os.ReadFile(k.keys); string(b) != string(k.keyBytes) {
		t.Error("keys.json changed")
	}
	mustCall(t, 200, "POST", svc.URL+"/auth/refresh", "", api.RefreshRequest{RefreshToken: k.refresh})
}

// TestKeysRefusalIsTyped: callers (the wallet, the scripting commands) find the refusal with
// errors.As and show its sentences as they are.
func TestKeysRefusalIsTyped(t *testing.T) {
	k := newKeyed(t)
	os.Remove(k.keys)
	_, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", DBPath: k.db, NewKeysCommand: "syftwallet --new-keys"})
	var ke *KeysError
	if !errors.As(err, &ke) || ke.Problem != KeysMissing {
		t.Fatalf("want a *KeysError (missing), got %v", err)
	}
	if !strings.Contains(err.Error(), "`syftwallet --new-keys`") {
		t.Errorf("the refusal does not name the caller's command: %v", err)
	}
}
