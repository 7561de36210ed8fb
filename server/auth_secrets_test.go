package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
	"github.com/syftbox/syftwallet/testkit"
)

// TestSignInSecretsStayOutOfLogsAndFiles runs a full sign-in flow (register with a generated
// password, login, refresh, API keys made, used, refused and revoked, password change, MFA
// enroll/enable, challenge, TOTP and recovery sign-ins, logout) and then looks for every secret it saw in the service's log and in every file
// of its data directories. keys.json (the keys) and the database are the only files allowed, and
// the database must not hold any of them in the clear either (they are stored hashed or sealed).
func TestSignInSecretsStayOutOfLogsAndFiles(t *testing.T) {
	keyDir := t.TempDir()
	keys, err := auth.LoadOrCreateKeyset(filepath.Join(keyDir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.Keys = keys })
	var secrets []string
	keep := func(s ...string) { secrets = append(secrets, s...) }

	var gen api.CreateUserResponse
	e.do("POST", "/auth/register", `{"email":"ada@example.com"}`).want(t, 201).decode(t, &gen)
	ada := &user{e: e, email: "ada@example.com", pw: *gen.Password, id: gen.User.ID}
	keep(ada.pw)
	e.newUser("bob@example.com", "")
	keep(testPassword)

	t1 := ada.login()
	var t2 api.Tokens
	e.refresh(t1.RefreshToken).want(t, 200).decode(t, &t2)
	keep(t1.AccessToken, t1.RefreshToken, t2.AccessToken, t2.RefreshToken)
	e.refresh(t1.RefreshToken).want(t, 401) // reuse: the session ends
	ada.signIn("wrong password, secret").want(t, 401)
	keep("wrong password, secret")

	t3 := ada.login()
	keep(t3.AccessToken, t3.RefreshToken)

	// API keys: used, refused (a scope it lacks, a route no key may call, a mangled key, the key
	// as a Basic password, after revocation), and never in an answer but the one creating it.
	key := e.createKey(t3.AccessToken, `{"name":"ci","scopes":["read"]}`)
	keep(key.Key, key.Key[len(api.APIKeyPrefix):])
	for _, c := range []struct {
		method, path string
		hdr          []string
		status       int
	}{
		{"GET", "/account", bearer(key.Key), 200},
		{"GET", "/transactions", bearer(key.Key), 200},
		{"POST", "/payments", bearer(key.Key), 403},
		{"GET", "/auth/api-keys", bearer(key.Key), 403},
		{"GET", "/account", bearer(key.Key[:len(key.Key)-2] + "xx"), 401},
		{"GET", "/account", []string{"Authorization", basic(ada.email, key.Key)}, 401},
		{"GET", "/auth/api-keys", bearer(t3.AccessToken), 200},
		{"DELETE", "/auth/api-keys/" + key.ID, bearer(t3.AccessToken), 204},
		{"GET", "/account", bearer(key.Key), 401},
		{"POST", "/auth/logout", bearer(key.Key), 401},
	} {
		var body any
		if c.method == "POST" && c.path == "/payments" {
			body = `{"recipientEmail":"bob@example.com","amount":1}`
		}
		r := e.do(c.method, c.path, body, c.hdr...).want(t, c.status)
		if strings.Contains(string(r.body), key.Key[len(api.APIKeyPrefix):len(api.APIKeyPrefix)+12]) {
			t.Errorf("%s %s answers with the key: %s", c.method, c.path, r.body)
		}
	}
	e.do("POST", "/auth/password", api.PasswordChange{OldPassword: ada.pw, NewPassword: "new password, secret"},
		bearer(t3.AccessToken)...).want(t, 204)
	ada.pw = "new password, secret"
	keep(ada.pw)

	var en api.MFAEnrollment
	e.do("POST", "/auth/mfa/enroll", nil, bearer(t3.AccessToken)...).want(t, 200).decode(t, &en)
	var rc api.RecoveryCodes
	e.do("POST", "/auth/mfa/enable", api.MFACode{Code: e.code(en.Secret)}, bearer(t3.AccessToken)...).want(t, 200).decode(t, &rc)
	keep(en.Secret, en.OtpauthURL)
	keep(rc.RecoveryCodes...)
	e.tick()
	mfaKey := e.createKey(t3.AccessToken, api.CreateAPIKeyRequest{Name: "after two-factor", Scopes: []string{"pay"},
		Code: e.code(en.Secret)})
	keep(mfaKey.Key, mfaKey.Key[len(api.APIKeyPrefix):])
	e.do("POST", "/payments", `{"recipientEmail":"bob@example.com","amount":1}`, bearer(mfaKey.Key)...).want(t, 402)
	e.tick()

	var t4, t5 api.Tokens
	e.verify(e.challenge(ada.email, ada.pw), e.code(en.Secret)).want(t, 200).decode(t, &t4)
	e.verify(e.challenge(ada.email, ada.pw), rc.RecoveryCodes[3]).want(t, 200).decode(t, &t5)
	e.verify(e.challenge(ada.email, ada.pw), "zzzzzz-zzzzzz-zzzzzz-zzzzzz").want(t, 401)
	keep(t4.AccessToken, t4.RefreshToken, t5.AccessToken, t5.RefreshToken)
	// A spent recovery code offered again, and a new set of codes (their answer holds them once).
	e.verify(e.challenge(ada.email, ada.pw), rc.RecoveryCodes[3]).want(t, 401)
	e.tick()
	var rc2 api.RecoveryCodes
	e.do("POST", "/auth/mfa/recovery-codes", api.MFACode{Code: e.code(en.Secret)}, bearer(t4.AccessToken)...).want(t, 200).decode(t, &rc2)
	if len(rc2.RecoveryCodes) != 10 {
		t.Fatalf("new recovery codes: %v", len(rc2.RecoveryCodes))
	}
	keep(rc2.RecoveryCodes...)
	var tb api.TokenBody
	e.do("POST", "/token/create", `{"recipientEmail":"bob@example.com"}`, bearer(t4.AccessToken)...).want(t, 201).decode(t, &tb)
	keep(tb.Token)
	e.do("POST", "/auth/logout", `{"refreshToken":"`+t4.RefreshToken+`"}`, bearer(t4.AccessToken)...).want(t, 204)
	e.do("GET", "/account", nil, bearer(t4.AccessToken)...).want(t, 401)
	e.do("GET", "/account", nil, bearer(t4.AccessToken[:len(t4.AccessToken)-3]+"abc")...).want(t, 401)
	e.do("GET", "/account", nil, "Authorization", basic(ada.email, ada.pw)).want(t, 403)

	// The parts of a JWT are secrets too (a log line might hold just the signature).
	for _, s := range append([]string(nil), secrets...) {
		if strings.Count(s, ".") == 2 {
			keep(s[strings.LastIndexByte(s, '.')+1:])
		}
	}

	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"POST /auth/mfa/verify"`) {
		t.Fatalf("the log did not capture the flow:\n%s", logs)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds a secret (%d chars, starting %.4q)", len(s), s)
		}
	}
	for _, s := range []string{"Bearer ", "Basic ", "refreshToken", "accessToken"} {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q", s)
		}
	}

	if err := e.store.Close(); err != nil { // flush everything to the files
		t.Fatal(err)
	}
	for _, dir := range []string{e.dir, keyDir} {
		for _, leak := range scanForSecrets(t, dir, secrets) {
			t.Error(leak)
		}
	}

	// The scan can fail: a secret planted in another file is found.
	if err := os.WriteFile(filepath.Join(keyDir, "debug.txt"), []byte("x "+t5.RefreshToken+" y"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := scanForSecrets(t, keyDir, secrets); len(got) != 1 || !strings.Contains(got[0], "debug.txt") {
		t.Fatalf("planted secret not found: %v", got)
	}
}

// MFA challenge ids are bearer secrets while they live: the ledger keeps only their hash.
func TestChallengeIDIsNotStoredInClear(t *testing.T) {
	e := newEnv(t)
	u := e.newUser("ada@example.com", "")
	secret, _ := u.enableMFA()
	ch := e.challenge(u.email, u.pw)
	// Looked up by hash for a wrong code (FailChallenge) and a right one (PassChallenge).
	if r := e.verify(ch, e.wrongCode(secret)); r.status != 401 || !strings.Contains(string(r.body), "more tries") {
		t.Fatalf("wrong code: %d %s", r.status, r.body)
	}
	e.verify(ch, e.code(secret)).want(t, 200)
	if _, err := os.Stat(filepath.Join(e.dir, "ledger.db")); err != nil {
		t.Fatal(err)
	}
	for _, leak := range scanForSecrets(t, e.dir, []string{ch}) {
		t.Errorf("the challenge id: %s", leak)
	}
}

// scanForSecrets reports each file under dir holding one of secrets (testkit.FilesHolding).
// keys.json is the keyset (allowed, it holds keys only); the database files (ledger.db and its
// -wal, -shm, -journal) are scanned too: what the service stores is hashed or sealed, never the
// secret itself.
func scanForSecrets(t *testing.T, dir string, secrets []string) []string {
	t.Helper()
	var leaks []string
	for _, h := range testkit.FilesHolding(t, dir, secrets...) {
		name := filepath.Base(h.Path)
		where := "a file other than the database"
		switch {
		case name == "keys.json":
			continue
		case strings.HasPrefix(name, "ledger.db"):
			where = "the database, in the clear"
		}
		leaks = append(leaks, name+" ("+where+") holds a secret starting "+h.Prefix())
	}
	return leaks
}
