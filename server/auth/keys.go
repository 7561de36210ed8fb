package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// ErrDecrypt means Keyset.Open was given a ciphertext that is truncated,
// tampered with, sealed under another key or with other associated data.
var ErrDecrypt = errors.New("auth: ciphertext cannot be opened")

// ErrKeysetCorrupt means a keyset file exists but does not hold a usable keyset
// (not JSON, an unknown version, keys of the wrong length, a kid that does not
// match its key). Errors that wrap it never quote the file's bytes.
var ErrKeysetCorrupt = errors.New("auth: keyset file is corrupt")

// Keyset is the service's long-lived key material: the Ed25519 key that signs
// tokens (named by kid) and a separate AES-256 key that encrypts data at rest
// (TOTP secrets). It is safe for concurrent use.
type Keyset struct {
	kid  string
	did  string // DataKeyID
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	aead cipher.AEAD
}

// keyFile is the on-disk form. []byte fields are standard base64 in JSON.
type keyFile struct {
	Version     int       `json:"version"`
	KID         string    `json:"kid"`
	SigningSeed []byte    `json:"signingSeed"`
	DataKey     []byte    `json:"dataKey"`
	CreatedAt   time.Time `json:"createdAt"`
}

// GenerateKeyset returns a fresh in-memory Keyset (for tests and for callers
// that do not need the keys to outlive the process).
func GenerateKeyset() (*Keyset, error) {
	seed := make([]byte, ed25519.SeedSize)
	dataKey := make([]byte, 32)
	rand.Read(seed)
	rand.Read(dataKey)
	return newKeyset(seed, dataKey)
}

func newKeyset(seed, dataKey []byte) (*Keyset, error) {
	if len(seed) != ed25519.SeedSize || len(dataKey) != 32 {
		return nil, errors.New("auth: keyset has keys of the wrong length")
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		return nil, errors.New("auth: keyset data key unusable")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, errors.New("auth: keyset data key unusable")
	}
	return &Keyset{kid: keyID(pub), did: dataKeyID(dataKey), priv: priv, pub: pub, aead: aead}, nil
}

// dataKeyID names a data key without revealing anything about it: base64url
// (unpadded) of the first 8 bytes of HMAC-SHA256 keyed by the data key over a
// fixed label. Without the key the id cannot be computed, and the id does not
// help to find the key.
func dataKeyID(dataKey []byte) string {
	m := hmac.New(sha256.New, dataKey)
	m.Write([]byte("syftwallet data key id v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:8])
}

// keyID is base64url (unpadded) of the first 8 bytes of SHA-256(public key).
func keyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:8])
}

// LoadOrCreateKeyset reads the keyset at path, or creates it when the file
// does not exist. The file is JSON with mode 0600, written atomically (a
// synced temporary file in the same directory, then linked into place, so two
// processes starting at once end up sharing one keyset). A file that group or
// others may access is refused: fix it with chmod 600. The directory is
// created (0700) if missing.
//
// A service whose ledger already holds secrets must not call it: new keys
// cannot open what the old ones sealed. It checks with LoadKeyset first and
// calls CreateKeyset or ReplaceKeyset only when the ledger allows it.
func LoadOrCreateKeyset(path string) (*Keyset, error) {
	ks, err := loadKeyset(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return ks, err
	}
	return CreateKeyset(path)
}

// LoadKeyset reads the keyset at path. A missing file gives an error that
// wraps fs.ErrNotExist; a file whose content is not a usable keyset, one that
// wraps ErrKeysetCorrupt; a file group or others may access is refused too
// (fix it with chmod 600).
func LoadKeyset(path string) (*Keyset, error) { return loadKeyset(path) }

// CreateKeyset writes a new keyset at path, as LoadOrCreateKeyset does, and
// returns it. When another process created the file first, its keys are
// returned instead.
func CreateKeyset(path string) (*Keyset, error) {
	if err := createKeyset(path); err != nil {
		return nil, err
	}
	return loadKeyset(path)
}

// ReplaceKeyset creates a new keyset at path. A file already there (another
// keyset, or a corrupt one) is never destroyed: it is renamed to
// path.replaced-<UTC time> first, and that name is returned ("" when there
// was nothing to move).
func ReplaceKeyset(path string, now time.Time) (ks *Keyset, movedTo string, err error) {
	if _, err := os.Lstat(path); err == nil {
		movedTo = path + ".replaced-" + now.UTC().Format("20060102T150405Z")
		if _, err := os.Lstat(movedTo); err == nil {
			return nil, "", fmt.Errorf("auth: %s exists already; move it away first", movedTo)
		}
		if err := os.Rename(path, movedTo); err != nil {
			return nil, "", fmt.Errorf("auth: move the old keyset aside: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("auth: keyset: %w", err)
	}
	ks, err = CreateKeyset(path)
	return ks, movedTo, err
}

func loadKeyset(path string) (*Keyset, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("auth: open keyset: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("auth: stat keyset: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("auth: keyset %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("auth: keyset %s has mode %04o, which lets group or others read it; "+
			"it holds private keys and must be 0600 (chmod 600 %s)", path, perm, path)
	}
	var kf keyFile
	dec := json.NewDecoder(f)
	if err := dec.Decode(&kf); err != nil {
		// Do not wrap: a JSON syntax error may quote bytes of the file.
		return nil, fmt.Errorf("%w: %s is not valid JSON", ErrKeysetCorrupt, path)
	}
	if kf.Version != 1 {
		return nil, fmt.Errorf("%w: %s has unsupported version %d", ErrKeysetCorrupt, path, kf.Version)
	}
	ks, err := newKeyset(kf.SigningSeed, kf.DataKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeysetCorrupt, path, err)
	}
	if kf.KID != ks.kid {
		return nil, fmt.Errorf("%w: %s: kid does not match its signing key", ErrKeysetCorrupt, path)
	}
	return ks, nil
}

func createKeyset(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("auth: create keyset directory: %w", err)
	}
	seed := make([]byte, ed25519.SeedSize)
	dataKey := make([]byte, 32)
	rand.Read(seed)
	rand.Read(dataKey)
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	data, err := json.MarshalIndent(keyFile{
		Version: 1, KID: keyID(pub), SigningSeed: seed, DataKey: dataKey,
		CreatedAt: time.Now().UTC(),
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: encode keyset: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".keyset-*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("auth: create keyset: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("auth: create keyset: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: write keyset: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: sync keyset: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth: write keyset: %w", err)
	}
	// Link refuses to replace an existing file, so a concurrent creator wins
	// cleanly and we load its keys. Where hard links are unsupported, rename.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		if err := os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("auth: install keyset: %w", err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the new directory entry durable; best effort
		d.Close()
	}
	return nil
}

// KID returns the key id that tokens carry in their header.
func (k *Keyset) KID() string { return k.kid }

// DataKeyID names the data key that Seal uses, so that whoever stores a sealed
// value can record which key sealed it. It reveals nothing about the key.
func (k *Keyset) DataKeyID() string { return k.did }

// PublicKey returns the Ed25519 public key that verifies tokens.
func (k *Keyset) PublicKey() ed25519.PublicKey { return k.pub }

// Seal encrypts plaintext with AES-256-GCM under the data key and a random
// 96-bit nonce, binding associatedData (e.g. the user id, so a ciphertext
// cannot be moved to another row). The result is nonce || ciphertext || tag.
func (k *Keyset) Seal(plaintext, associatedData []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, plaintext, associatedData), nil
}

// Open decrypts what Seal produced with the same associatedData. Any
// tampering, or a different key or associatedData, gives ErrDecrypt.
func (k *Keyset) Open(sealed, associatedData []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, ErrDecrypt
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], associatedData)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// JWKS returns the public signing key as a JWK set.
func (k *Keyset) JWKS() api.JWKS {
	return api.JWKS{Keys: []api.JWK{{
		Kty: "OKP",
		Crv: "Ed25519",
		X:   base64.RawURLEncoding.EncodeToString(k.pub),
		Kid: k.kid,
		Alg: "EdDSA",
		Use: "sig",
	}}}
}
