//go:build !(linux || darwin || freebsd)

package sqlite

// freeBytes is not known here: only SQLITE_FULL and ENOSPC mean a full disk.
func freeBytes(string) (uint64, bool) { return 0, false }
