package testkit

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSecretsIn: a secret is found in a file however deep, through a link and once for each
// secret; what except names (a file, a directory and all below it) and the empty secret are
// passed over.
func TestSecretsIn(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a/b/deep.txt", "x s3cret-one y s3cret-two")
	write("keys.json", "s3cret-one")
	write("cache/c.txt", "s3cret-two")
	write("clean.txt", "nothing here")
	outside := filepath.Join(t.TempDir(), "target.txt")
	if err := os.WriteFile(outside, []byte("s3cret-two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link.txt")); err != nil {
		t.Fatal(err)
	}
	got, err := SecretsIn(root, []string{"s3cret-one", "s3cret-two", ""}, "keys.json", "cache")
	if err != nil {
		t.Fatal(err)
	}
	want := []Leak{
		{filepath.Join(root, "a/b/deep.txt"), "s3cret-one"},
		{filepath.Join(root, "a/b/deep.txt"), "s3cret-two"},
		{filepath.Join(root, "link.txt"), "s3cret-two"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
