package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Backup implements ledger.Backuper: VACUUM INTO path, from one read snapshot, while the store
// keeps serving (readers and the writer go on; WAL keeps the snapshot consistent). The copy is a
// complete, compacted database file that Open takes as it is. path must not exist (it is
// created with mode 0600); a failed backup removes it.
func (s *Store) Backup(ctx context.Context, path string) error {
	// An empty file of the owner's only, made here so that the copy (password hashes, sealed
	// secrets) is never readable by others, not even for a moment; VACUUM INTO fills an empty file.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("ledger: backup: %s: %w", path, fs.ErrExist)
	}
	if err != nil {
		return fmt.Errorf("ledger: backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("ledger: backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.Remove(path)
		}
	}()
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("ledger: backup: %w", err)
	}
	defer conn.Close()
	// The read pool is query_only; VACUUM INTO writes only the new file, but SQLite refuses it
	// under query_only, so the pragma is lifted on this connection for the copy and put back.
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		return fmt.Errorf("ledger: backup: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = 1"); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // never back in the pool writable
		}
	}()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("ledger: backup: %w", err)
	}
	done = true
	return nil
}
