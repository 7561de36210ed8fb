package sshhost

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// HostKeyFile is the host key's name in the data directory.
const HostKeyFile = "ssh_host_ed25519_key"

// loadOrCreateHostKey returns the PEM of the ed25519 host key at path, creating it (mode 0600,
// its directory 0700) when it does not exist. A key that others may read is refused, as sshd
// refuses one.
func loadOrCreateHostKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("host key %s: mode %04o lets others read it; chmod 600 it", path, fi.Mode().Perm())
	}
	if _, err := gossh.ParsePrivateKey(data); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return data, nil
}

func createHostKey(path string) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "syftwallet ssh host key")
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	data := pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	// O_EXCL: two hosts starting at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("host key: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("host key: %w", err)
	}
	return data, nil
}

// authorizedKeys is an authorized_keys file: the keys it lists, read again when the file
// changes, so that removing a line takes effect without a restart.
type authorizedKeys struct {
	path string
	log  *slog.Logger

	mu    sync.Mutex
	keys  []ssh.PublicKey
	mtime time.Time
	size  int64
}

// loadAuthorizedKeys reads path; a file that cannot be read or parsed is an error at start.
func loadAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, log: log}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	keys, err := parseAuthorizedKeys(path, log)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("authorized keys %s: no keys; nobody could connect", path)
	}
	a.keys, a.mtime, a.size = keys, fi.ModTime(), fi.Size()
	return a, nil
}

// allowed reports whether key is one of the listed keys (compared whole, in constant time).
func (a *authorizedKeys) allowed(key ssh.PublicKey) bool {
	for _, k := range a.current() {
		if ssh.KeysEqual(key, k) {
			return true
		}
	}
	return false
}

// current returns the keys, reading the file again if it changed. When the file is gone or no
// longer parses, nobody is let in until it is fixed: a broken allowlist must not open the door.
func (a *authorizedKeys) current() []ssh.PublicKey {
	a.mu.Lock()
	defer a.mu.Unlock()
	fi, err := os.Stat(a.path)
	if err != nil {
		a.log.Error("authorized keys unreadable; refusing every key", "path", a.path, "err", err)
		return nil
	}
	if fi.ModTime().Equal(a.mtime) && fi.Size() == a.size {
		return a.keys
	}
	keys, err := parseAuthorizedKeys(a.path, a.log)
	if err != nil {
		a.log.Error("authorized keys no longer parse; refusing every key", "path", a.path, "err", err)
		return nil
	}
	a.keys, a.mtime, a.size = keys, fi.ModTime(), fi.Size()
	a.log.Info("authorized keys reloaded", "path", a.path, "keys", len(keys))
	return a.keys
}

// parseAuthorizedKeys parses an authorized_keys file with the ssh package's parser. Options
// (from=, command=, …) are not honoured: a line with options is logged and its key still
// accepted, so an operator is told rather than surprised.
func parseAuthorizedKeys(path string, log *slog.Logger) ([]ssh.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	var keys []ssh.PublicKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, _, options, _, err := ssh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("authorized keys %s line %d: %w", path, n, err)
		}
		if len(options) > 0 {
			log.Warn("authorized keys: options are not honoured here", "path", path, "line", n, "options", options)
		}
		keys = append(keys, key)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	return keys, nil
}
