package testkit

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FilesHolding returns the files below root whose bytes hold any of the secrets (empty ones are
// passed over), for the tests that check a secret was written to no file: no config, data or
// log file, no database. Files and folders it cannot read are passed over.
func FilesHolding(root string, secrets ...string) []string {
	var holding []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, s := range secrets {
			if s != "" && bytes.Contains(b, []byte(s)) {
				holding = append(holding, path)
				break
			}
		}
		return nil
	})
	return holding
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
