package service

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// These tests start the real service on a real ledger that holds what its keys sealed and signed
// (an account with two-factor sign-in, live sessions), then change keys.json under it.

// keyed is a data directory whose ledger depends on its keys.
type keyed struct {
	dir, db, keys string
	keyBytes      []byte // keys.json as the ledger's service made it
	email, pw     string
	secret        string   // the TOTP secret of email
	recovery      []string // its recovery codes
	refresh       string   // a refresh token of a live session (of plain@example.com)
	enabledAt     time.Time
}

var hc = &http.Client{Timeout: 30 * time.Second}

func mustCall(t *testing.T, want int, method, url, auth string, body any) []byte {
	t.Helper()
	st, b, err := call(hc, method, url, auth, body, nil)
	if err != nil || st != want {
		t.Fatalf("%s %s: %d %s %v (want %d)", method, url, st, b, err, want)
	}
	return b
}

func decodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// totpAt is secret's code at t.
func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at) // 30 s, six digits, SHA-1: as the service enrolls
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startAt(t *testing.T, db string) (*Service, error) {
	t.Helper()
	return Start(context.Background(), Options{Addr: "127.0.0.1:0", DBPath: db})
}

// newKeyed makes the data directory: mfa@example.com has two-factor sign-in on (and a live
// session), plain@example.com has a live session.
func newKeyed(t *testing.T) *keyed {
	t.Helper()
	k := &keyed{dir: t.TempDir(), email: "mfa@example.com", pw: "correct horse battery"}
	k.db, k.keys = filepath.Join(k.dir, "ledger.db"), filepath.Join(k.dir, "keys.json")
	svc, err := startAt(t, k.db)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	for _, email := range []string{k.email, "plain@example.com"} {
		mustCall(t, 201, "POST", svc.URL+"/auth/register", "", api.CreateUserRequest{Email: email, Password: &k.pw})
	}
	var tk api.Tokens
	decodeInto(t, mustCall(t, 200, "POST", svc.URL+"/auth/login", "", api.Credentials{Email: "plain@example.com", Password: k.pw}), &tk)
	k.refresh = tk.RefreshToken
	decodeInto(t, mustCall(t, 200, "POST", svc.URL+"/auth/login", "", api.Credentials{Email: k.email, Password: k.pw}), &tk)
	var en api.MFAEnrollment
	decodeInto(t, mustCall(t, 200, "POST", svc.URL+"/auth/mfa/enroll", "Bearer "+tk.AccessToken, nil), &en)
	k.secret, k.enabledAt = en.Secret, time.Now()
	var rc api.RecoveryCodes
	decodeInto(t, mustCall(t, 200, "POST", svc.URL+"/auth/mfa/enable", "Bearer "+tk.AccessToken,
		api.MFACode{Code: totpAt(t, k.secret, k.enabledAt)}), &rc)
	k.recovery = rc.RecoveryCodes
	if k.keyBytes, err = os.ReadFile(k.keys); err != nil {
		t.Fatal(err)
	}
	return k
}

// challenge signs mfa@example.com in with its password and returns the challenge id.
func (k *keyed) challenge(t *testing.T, url string) string {
	t.Helper()
	var ch api.MFAChallenge
	decodeInto(t, mustCall(t, 200, "POST", url+"/auth/login", "", api.Credentials{Email: k.email, Password: k.pw}), &ch)
	if ch.ChallengeID == "" {
		t.Fatal("no MFA challenge")
	}
	return ch.ChallengeID
}

// otherKeys writes a valid keyset that is not the ledger's.
func otherKeys(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.json")
	if _, err := auth.LoadOrCreateKeyset(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStartRefusesKeysThatCannotOpenTheLedger: missing, another valid keyset, corrupt. Each is
// refused with sentences that say what is wrong and how to fix it; the keys file is left as it
// was; and once the right keys.json is back, the service starts and two-factor sign-in works.
func TestStartRefusesKeysThatCannotOpenTheLedger(t *testing.T) {
	k := newKeyed(t)
	cases := []struct {
		name  string
		bytes []byte // nil: no file
		say   string
	}{
		{"missing", nil, "is missing"},
		{"other", otherKeys(t), "holds other keys"},
		{"corrupt", []byte(`{"version":1,"kid":"x","signingSeed":"tr`), "is damaged"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(k.keys)
			if c.bytes != nil {
				if err := os.WriteFile(k.keys, c.bytes, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			svc, err := startAt(t, k.db)
			if err == nil {
				svc.Stop()
				t.Fatalf("the service started with keys.json %s", c.name)
			}
			msg := err.Error()
			t.Logf("refusal: %s", msg)
			for _, want := range []string{
				"The keys file " + k.keys + " " + c.say,
				"Restore keys.json from your backup to " + k.keys,
				"`syftwallet serve --new-keys`",
				"1 account with two-factor sign-in must sign in with a recovery code and enroll again",
				"2 sessions end",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("refusal %q\ndoes not say %q", msg, want)
				}
			}
			for _, leak := range []string{"service:", "auth:", "%!"} {
				if strings.Contains(msg, leak) {
					t.Errorf("refusal %q is not a sentence for a person (%q)", msg, leak)
				}
			}
			got, err := os.ReadFile(k.keys)
			if c.bytes == nil && err == nil {
				t.Error("a keys file was created on a ledger that needs the lost one")
			}
			if c.bytes != nil && string(got) != string(c.bytes) {
				t.Error("the keys file was changed")
			}

			// The right keys are back: the service starts and the two-factor secret opens (a
			// wrong code is answered as wrong, not as a secret that cannot be checked).
			if err := os.WriteFile(k.keys, k.keyBytes, 0o600); err != nil {
				t.Fatal(err)
			}
			svc, err = startAt(t, k.db)
			if err != nil {
				t.Fatalf("with the right keys back: %v", err)
			}
			defer svc.Stop()
			b := mustCall(t, 401, "POST", svc.URL+"/auth/mfa/verify", "", api.MFAVerifyRequest{
				ChallengeID: k.challenge(t, svc.URL), Code: wrongCode(t, k.secret)})
			if !strings.Contains(string(b), "The code is wrong") {
				t.Errorf("a wrong code with the right keys: %s", b)
			}
		})
	}
	// And a right code signs in (the step after the enabling one).
	svc, err := startAt(t, k.db)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	mustCall(t, 200, "POST", svc.URL+"/auth/mfa/verify", "", api.MFAVerifyRequest{
		ChallengeID: k.challenge(t, svc.URL), Code: totpAt(t, k.secret, k.enabledAt.Add(30*time.Second))})
}

// wrongCode is a six-digit code that is not secret's at any step near now.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	near := map[string]bool{}
	for d := -3; d <= 3; d++ {
		near[totpAt(t, secret, time.Now().Add(time.Duration(d)*30*time.Second))] = true
	}
	for _, c := range []string{"000000", "111111", "123456", "999999", "424242"} {
		if !near[c] {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// TestFreshDataDirStartsWithoutFlag: a new data directory gets its keys silently, and a ledger
// that holds nothing the keys sealed or signed (accounts without two-factor, no live session) gets
// new keys silently too when keys.json is gone.
func TestFreshDataDirStartsWithoutFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ledger.db")
	svc, err := startAt(t, db)
	if err != nil {
		t.Fatal(err)
	}
	pw := "correct horse battery"
	mustCall(t, 201, "POST", svc.URL+"/auth/register", "", api.CreateUserRequest{Email: "ada@example.com", Password: &pw})
	svc.Stop()
	keys := filepath.Join(filepath.Dir(db), "keys.json")
	if _, err := os.Stat(keys); err != nil {
		t.Fatalf("no keys.json made in a fresh data directory: %v", err)
	}
	os.Remove(keys)
	svc, err = startAt(t, db)
	if err != nil {
		t.Fatalf("a ledger that depends on no keys should start with new ones: %v", err)
	}
	svc.Stop()
}

// TestUpgradeFindsWhichKeysOpenTheLedger: a ledger from before key ids (its secrets carry none, it
// records none) is checked by opening its secrets: keys that open none of them are refused, the
// right ones are adopted.
func TestUpgradeFindsWhichKeysOpenTheLedger(t *testing.T) {
	k := newKeyed(t)
	db, err := sql.Open("sqlite", "file:"+k.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE accounts SET mfa_secret_key = NULL`, `DELETE FROM key_ids`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	if err := os.WriteFile(k.keys, otherKeys(t), 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := startAt(t, k.db)
	if err == nil {
		svc.Stop()
		t.Fatal("started with keys that open none of the ledger's secrets")
	}
	if !strings.Contains(err.Error(), "it opens none of them") || !strings.Contains(err.Error(), "Restore keys.json from your backup") {
		t.Errorf("refusal: %v", err)
	}

	if err := os.WriteFile(k.keys, k.keyBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err = startAt(t, k.db)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	use, err := svc.Ledger.KeyUse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if use.Recorded.Signing == "" || use.MFAAccounts != 1 || len(use.Legacy) != 0 {
		t.Errorf("after the upgrade: %+v", use)
	}
	mustCall(t, 200, "POST", svc.URL+"/auth/mfa/verify", "", api.MFAVerifyRequest{
		ChallengeID: k.challenge(t, svc.URL), Code: totpAt(t, k.secret, k.enabledAt.Add(30*time.Second))})
}

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
