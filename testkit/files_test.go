package testkit

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FilesHolding finds a secret in a file at any depth, and names no file that does not hold one.
func TestFilesHolding(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		filepath.Join(root, "config.yaml"): "theme: dark\n",
		filepath.Join(deep, "ledger.db"):   "row\x00swk_secret\x00row",
		filepath.Join(root, "a", "log"):    "signed in\n",
	}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := FilesHolding(root, "", "swk_secret", "not-there")
	if want := []string{filepath.Join(deep, "ledger.db")}; !slices.Equal(got, want) {
		t.Errorf("FilesHolding: %v, want %v", got, want)
	}
}
