package testkit

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
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
