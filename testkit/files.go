package testkit

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// A Holding is a file that holds one of the secrets a test looked for.
type Holding struct {
	Path   string // the file, below the root searched
	Secret string // the secret it holds: a test shows only its first characters (Prefix)
}

// Prefix is the start of the secret found, enough to tell which one without showing it.
func (h Holding) Prefix() string { return h.Secret[:min(4, len(h.Secret))] + "…" }

// FilesHolding returns the files below root whose bytes hold any of the secrets (empty ones are
// passed over), once per secret, for the tests that check a secret was written to no file: no
// config, data or log file, no database. Links are followed; sockets and devices hold no bytes
// and are passed over. A root that is missing or a file that cannot be read fails the test: a
// scan that read nothing must not pass as "no secret anywhere".
func FilesHolding(tb testing.TB, root string, secrets ...string) []Holding {
	tb.Helper()
	var found []Holding
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		st, err := os.Stat(path) // through a link
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if s != "" && bytes.Contains(b, []byte(s)) {
				found = append(found, Holding{Path: path, Secret: s})
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("looking for secrets in files: %v", err)
	}
	return found
}

// WantMode fails the test unless the file at path exists and its permission bits are perm (a
// file that holds secrets or password hashes is the owner's only: 0o600).
func WantMode(t testing.TB, path string, perm os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != perm {
		t.Errorf("%s has mode %v, want %v", path, st.Mode().Perm(), perm)
	}
}
