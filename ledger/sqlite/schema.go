package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations lists the embedded migrations in version order.
func migrations() ([]ledgersql.Migration, error) {
	return ledgersql.Migrations(migrationFiles, "migrations")
}

// migrate applies every migration above the database's user_version, each in its own transaction.
func migrate(ctx context.Context, conn *sql.Conn) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var have int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for _, m := range ms {
		if m.Version <= have {
			continue
		}
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
			return err
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return fmt.Errorf("migration %s: commit: %w", m.Name, err)
		}
	}
	if last := ms[len(ms)-1].Version; have > last {
		return fmt.Errorf("database schema version %d is newer than this program's %d", have, last)
	}
	return nil
}
