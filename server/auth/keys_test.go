package auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/testkit"
)

func TestLoadOrCreateKeyset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "keys.json")
	ks, err := LoadOrCreateKeyset(path)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WantMode(t, path, 0o600)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries; temp file left behind?", len(entries))
	}

	again, err := LoadOrCreateKeyset(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.KID() != ks.KID() || !again.PublicKey().Equal(ks.PublicKey()) {
		t.Fatal("reloaded keyset has different keys")
	}
	sealed, _ := ks.Seal([]byte("secret"), []byte("ad"))
	if plain, err := again.Open(sealed, []byte("ad")); err != nil || string(plain) != "secret" {
		t.Fatalf("data key not persisted: %q, %v", plain, err)
	}

	// kid is base64url of the first 8 bytes of SHA-256(pub): 11 characters.
	if len(ks.KID()) != 11 {
		t.Errorf("kid %q", ks.KID())
	}
	var kf keyFile
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &kf); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(kf.SigningSeed, kf.DataKey) || len(kf.DataKey) != 32 || len(kf.SigningSeed) != 32 {
		t.Error("signing seed and data key must be separate 32-byte keys")
	}
}

func TestLoadOrCreateKeysetConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	kids := make([]string, 8)
	testkit.Together(len(kids), func(i int) {
		ks, err := LoadOrCreateKeyset(path)
		if err != nil {
			t.Error(err)
			return
		}
		kids[i] = ks.KID()
	})
	for _, k := range kids {
		if k != kids[0] {
			t.Fatalf("concurrent creators disagree: %v", kids)
		}
	}
}

func TestLoadKeysetRefusesOpenMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	if _, err := LoadOrCreateKeyset(path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		os.Chmod(path, mode)
		_, err := LoadOrCreateKeyset(path)
		if err == nil {
			t.Fatalf("mode %04o accepted", mode)
		}
		if !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("error does not say how to fix it: %v", err)
		}
	}
	os.Chmod(path, 0o400)
	if _, err := LoadOrCreateKeyset(path); err != nil {
		t.Errorf("mode 0400 refused: %v", err)
	}
}

func TestLoadKeysetRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, _ := GenerateKeyset()
	other, _ := GenerateKeyset()
	seed := good.priv.Seed()
	for name, content := range map[string]string{
		"not json":     `{"version":1, nope`,
		"version":      `{"version":2}`,
		"short seed":   `{"version":1,"signingSeed":"AAAA","dataKey":"AAAA"}`,
		"kid mismatch": mustJSON(t, keyFile{Version: 1, KID: other.KID(), SigningSeed: seed, DataKey: make([]byte, 32)}),
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		os.WriteFile(path, []byte(content), 0o600)
		if _, err := LoadOrCreateKeyset(path); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok := filepath.Join(dir, "ok")
	os.WriteFile(ok, []byte(mustJSON(t, keyFile{Version: 1, KID: good.KID(), SigningSeed: seed, DataKey: make([]byte, 32)})), 0o600)
	if ks, err := LoadOrCreateKeyset(ok); err != nil || ks.KID() != good.KID() {
		t.Errorf("well-formed file refused: %v", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSealOpen(t *testing.T) {
	ks, _ := GenerateKeyset()
	other, _ := GenerateKeyset()
	plain := []byte("JBSWY3DPEHPK3PXP")
	ad := []byte("user:42")
	a, err := ks.Seal(plain, ad)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ks.Seal(plain, ad)
	if bytes.Equal(a, b) {
		t.Fatal("two seals are equal: nonce not random")
	}
	if bytes.Contains(a, plain) {
		t.Fatal("ciphertext contains the plaintext")
	}
	if got, err := ks.Open(a, ad); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	flipped := bytes.Clone(a)
	flipped[len(flipped)-1] ^= 1
	for name, c := range map[string]struct {
		ks     *Keyset
		sealed []byte
		ad     []byte
	}{
		"other ad":  {ks, a, []byte("user:43")},
		"no ad":     {ks, a, nil},
		"other key": {other, a, ad},
		"flipped":   {ks, flipped, ad},
		"truncated": {ks, a[:20], ad},
		"empty":     {ks, nil, ad},
	} {
		if got, err := c.ks.Open(c.sealed, c.ad); !errors.Is(err, ErrDecrypt) || got != nil {
			t.Errorf("%s: Open = %q, %v; want ErrDecrypt", name, got, err)
		}
	}
}

func TestJWKS(t *testing.T) {
	ks, _ := GenerateKeyset()
	data, err := json.Marshal(ks.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string][]map[string]string
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got["keys"]) != 1 {
		t.Fatalf("JWKS = %s", data)
	}
	k := got["keys"][0]
	want := map[string]string{"kty": "OKP", "crv": "Ed25519", "kid": ks.KID(), "alg": "EdDSA", "use": "sig"}
	for name, v := range want {
		if k[name] != v {
			t.Errorf("%s = %q; want %q", name, k[name], v)
		}
	}
	if len(k) != 6 {
		t.Errorf("JWK has fields %v; want exactly kty crv x kid alg use", k)
	}
	x, err := base64.RawURLEncoding.DecodeString(k["x"])
	if err != nil || !ed25519.PublicKey(x).Equal(ks.PublicKey()) {
		t.Fatalf("x %q is not the public key", k["x"])
	}
	msg := []byte("hello")
	if !ed25519.Verify(x, msg, ed25519.Sign(ks.priv, msg)) {
		t.Fatal("published key does not verify the signing key's signatures")
	}
}

// The data key's id names it across reloads, differs between keysets, and gives nothing of the
// key away (it is not a piece of it, nor of its SHA-256).
func TestDataKeyID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	ks, err := CreateKeyset(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadKeyset(path)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := GenerateKeyset()
	if ks.DataKeyID() == "" || ks.DataKeyID() != again.DataKeyID() || ks.DataKeyID() == other.DataKeyID() ||
		ks.DataKeyID() == ks.KID() {
		t.Fatalf("data key ids: %q %q %q (kid %q)", ks.DataKeyID(), again.DataKeyID(), other.DataKeyID(), ks.KID())
	}
	var kf keyFile
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &kf); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(kf.DataKey)
	for _, b := range [][]byte{kf.DataKey, sum[:]} {
		enc := base64.RawURLEncoding.EncodeToString(b)
		if strings.Contains(enc, ks.DataKeyID()) || bytes.Contains(b, []byte(ks.DataKeyID())) {
			t.Fatal("the data key id is a piece of the key or of its hash")
		}
	}
}

// LoadKeyset tells a missing file (fs.ErrNotExist) from a damaged one (ErrKeysetCorrupt), and never
// creates one.
func TestLoadKeysetKinds(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	if _, err := LoadKeyset(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("LoadKeyset created a file")
	}
	good, _ := CreateKeyset(filepath.Join(dir, "good.json"))
	data, _ := os.ReadFile(filepath.Join(dir, "good.json"))
	for name, content := range map[string][]byte{
		"empty":     nil,
		"truncated": data[:len(data)/2],
		"version":   bytes.Replace(data, []byte(`"version": 1`), []byte(`"version": 7`), 1),
		"kid":       bytes.Replace(data, []byte(good.KID()), []byte("AAAAAAAAAAA"), 1),
	} {
		p := filepath.Join(dir, name+".json")
		os.WriteFile(p, content, 0o600)
		if _, err := LoadKeyset(p); !errors.Is(err, ErrKeysetCorrupt) {
			t.Errorf("%s: %v; want ErrKeysetCorrupt", name, err)
		}
	}
}

// ReplaceKeyset never destroys key material: what was there is renamed beside, byte for byte.
func TestReplaceKeysetKeepsTheOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	old, _ := CreateKeyset(path)
	before, _ := os.ReadFile(path)
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	ks, moved, err := ReplaceKeyset(path, at)
	if err != nil {
		t.Fatal(err)
	}
	if moved != path+".replaced-20261201T093000Z" || ks.KID() == old.KID() {
		t.Fatalf("moved to %q, kid %s (old %s)", moved, ks.KID(), old.KID())
	}
	if kept, _ := os.ReadFile(moved); !bytes.Equal(kept, before) {
		t.Fatal("the old keyset was not kept as it was")
	}
	if again, err := LoadKeyset(path); err != nil || again.KID() != ks.KID() {
		t.Fatalf("new keyset not in place: %v", err)
	}
	if _, _, err := ReplaceKeyset(path, at); err == nil {
		t.Fatal("a second replacement in the same second overwrote the kept file")
	}
	// Nothing there: nothing to keep.
	if _, moved, err := ReplaceKeyset(filepath.Join(t.TempDir(), "keys.json"), at); err != nil || moved != "" {
		t.Fatalf("replace with no file: %q %v", moved, err)
	}
}
