package service

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
)

// TestDelegationTokensKeepTheirKeys: a ledger used only through the compatible layer (Basic, no
// session, no two-factor) still depends on its keys while a delegation token it signed may be
// presented: missing or other keys are refused with a sentence that says so, rather than
// replaced silently (after which the token would answer "not valid").
func TestDelegationTokensKeepTheirKeys(t *testing.T) {
	dir := t.TempDir()
	db, keys := filepath.Join(dir, "ledger.db"), filepath.Join(dir, "keys.json")
	svc, err := startAt(t, db)
	if err != nil {
		t.Fatal(err)
	}
	pw := "correct horse battery"
	for _, email := range []string{"payer@example.com", "app@example.com"} {
		mustCall(t, 201, "POST", svc.URL+"/user/create", "", api.CreateUserRequest{Email: email, Password: &pw})
	}
	mustCall(t, 201, "POST", svc.URL+"/token/create", basicAuth("payer@example.com", pw), api.RecipientRequest{RecipientEmail: "app@example.com"})
	if err := svc.Stop(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	for name, prepare := range map[string]func(){
		"missing": func() { os.Remove(keys) },
		"other":   func() { os.WriteFile(keys, otherKeys(t), 0o600) },
	} {
		prepare()
		svc, err := startAt(t, db)
		if err == nil {
			svc.Stop()
			t.Fatalf("%s keys: the service started, and the delegation token it signed stopped working", name)
		}
		var ke *KeysError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), "delegation token") {
			t.Fatalf("%s keys: %v; want a KeysError that names the delegation tokens", name, err)
		}
		t.Logf("%s: %v", name, err)
		if err := os.WriteFile(keys, good, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	svc, err = startAt(t, db)
	if err != nil {
		t.Fatalf("with its own keys: %v", err)
	}
	svc.Stop()
}

func basicAuth(email, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+password))
}

// TestOtherDataKeyIsNamed: a keys file with the ledger's signing key but another data key (a
// hand-edited or mixed-up file) is refused with a sentence that says the data key is the one that
// differs, rather than "other keys (key id X) than … (key id X)".
func TestOtherDataKeyIsNamed(t *testing.T) {
	k := newKeyed(t)
	var mine, other map[string]any
	decodeInto(t, k.keyBytes, &mine)
	decodeInto(t, otherKeys(t), &other)
	mine["dataKey"] = other["dataKey"]
	b, err := json.Marshal(mine)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(k.keys, b, 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := startAt(t, k.db)
	if err == nil {
		svc.Stop()
		t.Fatal("started with another data key")
	}
	msg := err.Error()
	t.Log(msg)
	kid, _ := mine["kid"].(string)
	if strings.Count(msg, kid) > 1 || !strings.Contains(msg, "data key") {
		t.Fatalf("the refusal does not say that the data key differs: %s", msg)
	}
}
