//go:build !unix

package service

import "os"

// tryLock on systems without flock: every process runs its own service (SQLite still keeps the
// ledger consistent across processes; live events then stay within each process).
func tryLock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}
