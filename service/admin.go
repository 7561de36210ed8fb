package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/money"
)

// Administration (syftwallet admin): the ledger opened directly, beside a running service or
// without one, for its invariants, a backup, a credit and the list of users.

// Admin is a ledger opened for administration. Close it once.
type Admin struct {
	l        ledger.Ledger
	currency string
}

// Invariants is what Admin.Check found (see ledger.Invariants).
type Invariants = ledger.Invariants

// Errors of Admin, for the command to word.
var (
	// ErrNoOnlineBackup: the ledger cannot copy itself (PostgreSQL); its engine's tools back it up.
	ErrNoOnlineBackup = errors.New("This ledger is on PostgreSQL: back it up with pg_dump (for example pg_dump --format=custom --file=wallet.dump \"$DATABASE_URL\"), which takes a consistent copy while the service runs.")
	ErrNoSuchAccount  = errors.New("no account has that address")
	ErrBalanceLimit   = errors.New("the balance would pass what the ledger can hold")
)

// OpenAdmin opens the ledger at db for administration: a PostgreSQL URL (postgres://…), or the
// path of an existing SQLite file (never created here: a mistyped path is an error, not a new
// empty ledger). Several processes may have one SQLite file open; their writes wait for each
// other.
func OpenAdmin(ctx context.Context, db, currency string) (*Admin, error) {
	if currency == "" {
		currency = "USD"
	}
	if sharedDB(db) {
		store, err := postgres.Open(ctx, db, postgres.Options{Currency: currency})
		if err != nil {
			return nil, fmt.Errorf("the ledger on PostgreSQL cannot be opened: %w", err)
		}
		return &Admin{l: store, currency: currency}, nil
	}
	if _, err := os.Stat(db); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("there is no ledger at %s: pass --db with the path serve uses", db)
		}
		return nil, fmt.Errorf("the ledger at %s cannot be read: %w", db, err)
	}
	store, err := sqlite.Open(ctx, db, sqlite.Options{Currency: currency})
	if err != nil {
		return nil, fmt.Errorf("the ledger at %s cannot be opened: %w", db, err)
	}
	return &Admin{l: store, currency: currency}, nil
}

// Close closes the ledger.
func (a *Admin) Close() error { return a.l.Close() }

// Check verifies the ledger's invariants on one consistent snapshot.
func (a *Admin) Check(ctx context.Context) (Invariants, error) { return a.l.Check(ctx) }

// Backup writes an online, consistent copy of the ledger to path (which must not exist), or
// returns ErrNoOnlineBackup for a ledger that cannot copy itself.
func (a *Admin) Backup(ctx context.Context, path string) error {
	b, ok := a.l.(ledger.Backuper)
	if !ok {
		return ErrNoOnlineBackup
	}
	if err := b.Backup(ctx, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists already: name a new file for the backup", path)
		}
		return err
	}
	return nil
}

// AddBalance credits email with amount of new money, from the system account; it returns the
// account afterwards and the transaction's id.
func (a *Admin) AddBalance(ctx context.Context, email string, amount money.Micros) (api.User, string, error) {
	acct, tx, err := a.l.Credit(ctx, ledger.Credit{RecipientEmail: email, Amount: amount})
	switch {
	case errors.Is(err, ledger.ErrNotFound), errors.Is(err, ledger.ErrUnknownRecipient):
		return api.User{}, "", ErrNoSuchAccount
	case errors.Is(err, ledger.ErrBalanceLimit):
		return api.User{}, "", ErrBalanceLimit
	case err != nil:
		return api.User{}, "", err
	}
	return acct.API(a.currency), tx.ID, nil
}

// Users lists people's accounts (not the system account), oldest first as the ledger keeps them.
func (a *Admin) Users(ctx context.Context) ([]api.User, error) {
	accts, err := a.l.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	users := make([]api.User, 0, len(accts))
	for _, ac := range accts {
		if !ac.System {
			users = append(users, ac.API(a.currency))
		}
	}
	return users, nil
}
