package sqlite

import (
	"errors"
	"fmt"
	"syscall"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/syftbox/syftwallet/ledger"
)

// lowSpace is the free space below which an I/O error of SQLite is taken for a full disk: a
// write that fails with ENOSPC can surface as SQLITE_IOERR (a failed fsync, a -shm that cannot
// grow) rather than SQLITE_FULL, and SQLite does not say which errno it saw.
const lowSpace = 8 << 20

// storageError wraps err with ledger.ErrStorageFull when it means the storage is full: SQLite's
// SQLITE_FULL (the disk, or PRAGMA max_page_count), ENOSPC, or an I/O error while the ledger's
// file system has (almost) no space left. Other errors are returned as they are.
func (s *Store) storageError(err error) error {
	if err == nil || errors.Is(err, ledger.ErrStorageFull) {
		return err
	}
	full := errors.Is(err, syscall.ENOSPC)
	var se *msqlite.Error
	if !full && errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			full = true
		case sqlite3.SQLITE_IOERR:
			free, ok := freeBytes(s.dir)
			full = ok && free < lowSpace
		}
	}
	if !full {
		return err
	}
	return fmt.Errorf("%w: %w", ledger.ErrStorageFull, err)
}

// abortsTransaction reports whether err is one after which SQLite may have rolled the whole
// transaction back by itself (https://sqlite.org/lang_transaction.html, "Response To Errors
// Within A Transaction"), or the database is not usable: the writer then rolls the whole group
// back rather than going on with a transaction that may no longer exist.
func abortsTransaction(err error) bool {
	if errors.Is(err, ledger.ErrStorageFull) || errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_BUSY,
		sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}
