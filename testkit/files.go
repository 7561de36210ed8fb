package testkit

import (
	"os"
	"testing"
)

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
