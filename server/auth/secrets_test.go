package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"testing"
)

func TestNewRefreshToken(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		tok, hash := NewRefreshToken()
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q is not 256 bits of base64url", tok)
		}
		sum := sha256.Sum256([]byte(tok))
		if !bytes.Equal(hash, sum[:]) || !bytes.Equal(HashSecret(tok), hash) {
			t.Fatal("hash is not SHA-256 of the token")
		}
		if seen[tok] {
			t.Fatal("duplicate refresh token")
		}
		seen[tok] = true
	}
	if bytes.Equal(HashSecret("a"), HashSecret("b")) {
		t.Fatal("HashSecret ignores its input")
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes(10)
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("got %d codes, %d hashes", len(codes), len(hashes))
	}
	re := regexp.MustCompile(`^[a-z2-7]{6}(-[a-z2-7]{6}){3}$`) // 24*5 = 120 bits
	seen := map[string]bool{}
	for i, c := range codes {
		if !re.MatchString(c) {
			t.Errorf("code %q has the wrong shape", c)
		}
		if seen[c] {
			t.Errorf("duplicate code %q", c)
		}
		seen[c] = true
		if !bytes.Equal(hashes[i], HashSecret(c)) {
			t.Errorf("hash %d is not HashSecret(code)", i)
		}
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	codes, hashes := NewRecoveryCodes(1)
	code := codes[0]
	upper := []byte(code)
	for i := range upper {
		if upper[i] >= 'a' && upper[i] <= 'z' {
			upper[i] -= 'a' - 'A'
		}
	}
	nodash := regexp.MustCompile(`-`).ReplaceAllString(code, "")
	for _, in := range []string{
		code,
		string(upper),
		nodash,
		"  " + code + " ",
		regexp.MustCompile(`-`).ReplaceAllString(code, " "),
		nodash[:5] + " " + nodash[5:13] + "-" + nodash[13:],
	} {
		got, ok := NormalizeRecoveryCode(in)
		if !ok || got != code || !bytes.Equal(HashSecret(got), hashes[0]) {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, ok, code)
		}
	}
	for _, in := range []string{"", "abc", nodash[:23], nodash + "a", nodash[:23] + "0", nodash[:23] + "!", nodash[:23] + "é"} {
		if got, ok := NormalizeRecoveryCode(in); ok {
			t.Errorf("Normalize(%q) = %q, true; want false", in, got)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(raw) != 16 {
			t.Fatalf("id %q is not 128 bits of base64url", id)
		}
		if seen[id] {
			t.Fatal("duplicate id")
		}
		seen[id] = true
	}
}
