package testkit

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// A Leak is a file that holds one of the secrets a test looked for.
type Leak struct {
	Path   string // the file, under the root that was searched
	Secret string // the secret it holds (for the test's eyes: say only a prefix of it)
}

// SecretsIn reads every file under root (a link is followed), but for the files and directories
// named in except, and answers each file that holds one of secrets, once for each secret it
// holds, in walk order. An empty secret is not looked for. A file that cannot be read is an
// error.
func SecretsIn(root string, secrets []string, except ...string) ([]Leak, error) {
	var leaks []Leak
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case path != root && slices.Contains(except, d.Name()):
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir():
			return nil
		}
		held, err := holding(path, secrets)
		for _, s := range held {
			leaks = append(leaks, Leak{Path: path, Secret: s})
		}
		return err
	})
	return leaks, err
}

// holding answers which of secrets (but the empty one) the file at path holds.
func holding(path string, secrets []string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(secrets), func(s string) bool {
		return s == "" || !bytes.Contains(b, []byte(s))
	}), nil
}
