package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestErrorsCarryNoSecrets makes failing calls with secrets in their inputs
// and checks that no error text contains them (or any long part of them).
func TestErrorsCarryNoSecrets(t *testing.T) {
	type failure struct {
		name    string
		err     error
		secrets []string
	}
	var failures []failure
	add := func(name string, err error, secrets ...string) {
		if err == nil {
			t.Errorf("%s: expected an error", name)
			return
		}
		failures = append(failures, failure{name, err, secrets})
	}

	h := newTestHasher(t, 1)
	const password = "Tr0ub4dor-and-3"
	_, err := h.Verify(context.Background(), "$argon2id$v=19$m="+password, password)
	add("Verify malformed", err, password)
	_, err = h.Verify(context.Background(), "$argon2id$v=19$m=19456,t=2,p=1$"+password+"$"+password, password)
	add("Verify bad base64", err, password)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = h.Hash(ctx, password)
	add("Hash cancelled", err, password)
	add("VerifyAbsent cancelled", h.VerifyAbsent(ctx, password), password)

	iss, clk := newTestIssuer(t)
	access, _, _ := iss.IssueAccess("u1", "a@example.com", "s1")
	txn, _ := iss.IssueTransactionToken("tx1", "a@example.com", "b@example.com", time.Hour)
	tampered := access[:len(access)-4] + "AAAA"
	_, err = iss.VerifyAccess(tampered)
	add("VerifyAccess tampered", err, tampered)
	_, err = iss.VerifyAccess(txn)
	add("VerifyAccess txn", err, txn)
	_, err = iss.VerifyTransactionToken(access)
	add("VerifyTransactionToken access", err, access)
	junk := "eyJhbGciOiJub25lIn0." + password + ".sig"
	_, err = iss.VerifyAccess(junk)
	add("VerifyAccess junk", err, junk, password)
	_, err = iss.VerifyTransactionToken(junk)
	add("VerifyTransactionToken junk", err, junk, password)
	clk.Advance(2 * time.Hour)
	_, err = iss.VerifyAccess(access)
	add("VerifyAccess expired", err, access)
	_, err = iss.VerifyTransactionToken(txn)
	add("VerifyTransactionToken expired", err, txn)

	totpSecret, _, _ := NewTOTP("syftwallet", "a@example.com")
	sealed, _ := iss.Keys.Seal([]byte(totpSecret), []byte("u1"))
	_, err = iss.Keys.Open(sealed, []byte("u2"))
	add("Open wrong ad", err, totpSecret)

	dir := t.TempDir()
	seedLike := "c2VjcmV0LXNlZWQtdGhhdC1tdXN0LW5vdC1sZWFr"
	for name, content := range map[string]string{
		"syntax": `{"version":1,"signingSeed":"` + seedLike + `" ` + seedLike + `}`,
		"base64": `{"version":1,"signingSeed":"` + seedLike + `!!","dataKey":"x"}`,
		"length": `{"version":1,"signingSeed":"` + seedLike + `","dataKey":"` + seedLike + `"}`,
	} {
		path := filepath.Join(dir, name+".json")
		os.WriteFile(path, []byte(content), 0o600)
		_, err := LoadOrCreateKeyset(path)
		add("LoadOrCreateKeyset "+name, err, seedLike)
	}

	for _, f := range failures {
		msg := f.err.Error()
		for _, s := range f.secrets {
			if leaks(msg, s) {
				t.Errorf("%s: error %q reveals a secret", f.name, msg)
			}
		}
	}
}

// leaks reports whether msg contains s or any 12-character piece of it.
func leaks(msg, s string) bool {
	const piece = 12
	if len(s) <= piece {
		return strings.Contains(msg, s)
	}
	for i := 0; i+piece <= len(s); i++ {
		if strings.Contains(msg, s[i:i+piece]) {
			return true
		}
	}
	return false
}
