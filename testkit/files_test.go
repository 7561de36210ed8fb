package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FilesHolding finds a secret in a file at any depth and through a link, says which secret, and
// names no file that does not hold one.
func TestFilesHolding(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "outside.log")
	files := map[string]string{
		filepath.Join(root, "config.yaml"): "theme: dark\n",
		filepath.Join(deep, "ledger.db"):   "row\x00swk_secret\x00row",
		filepath.Join(root, "a", "log"):    "signed in\n",
		outside:                            "refresh rt_other here",
	}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(root, "latest.log")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	got := FilesHolding(t, root, "", "swk_secret", "not-there", "rt_other")
	want := []Holding{{Path: filepath.Join(deep, "ledger.db"), Secret: "swk_secret"}, {Path: link, Secret: "rt_other"}}
	if !slices.Equal(got, want) {
		t.Errorf("FilesHolding: %v, want %v", got, want)
	}
	if p := got[0].Prefix(); p != "swk_…" {
		t.Errorf("Prefix: %q", p)
	}
}

// failures records what FilesHolding fails the test with.
type failures struct {
	testing.TB
	said []string
}

func (f *failures) Fatalf(format string, args ...any) {
	f.said = append(f.said, fmt.Sprintf(format, args...))
}

// A scan that could not read is no proof that nothing holds a secret: a missing root and an
// unreadable file fail the test.
func TestFilesHoldingFailsWhatItCannotRead(t *testing.T) {
	missing := &failures{TB: t}
	FilesHolding(missing, filepath.Join(t.TempDir(), "no-such-dir"), "swk_secret")
	if len(missing.said) != 1 {
		t.Errorf("a missing root: %q", missing.said)
	}
	root := t.TempDir()
	dangling := filepath.Join(root, "gone.log")
	if err := os.Symlink(filepath.Join(root, "no-such-file"), dangling); err != nil {
		t.Fatal(err)
	}
	unreadable := &failures{TB: t}
	FilesHolding(unreadable, root, "swk_secret")
	if len(unreadable.said) != 1 {
		t.Errorf("a file that cannot be read: %q", unreadable.said)
	}
}
