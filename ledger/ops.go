package ledger

import "context"

// Backuper is a Ledger that can write an online, consistent copy of itself to a file while it
// serves (the SQLite store). A store without it (PostgreSQL) is backed up with its engine's own
// tools.
type Backuper interface {
	// Backup writes a consistent snapshot of the whole ledger to path, which must not exist.
	Backup(ctx context.Context, path string) error
}
