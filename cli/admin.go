package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/service"
	"github.com/syftbox/syftwallet/termsafe"
)

// syftwallet admin: the operator's commands, on the ledger itself (--db, as serve takes it)
// rather than over HTTP, so they work with the service stopped too: check, backup, add-balance,
// users. Exit codes as every command's; check exits 1 when an invariant is broken.

// adminRun is one invocation of an admin command.
type adminRun struct {
	ctx    context.Context
	json   bool
	out    io.Writer // stdout as is, for --json (writeJSON escapes what it must)
	stdout *termsafe.Writer
	stderr *termsafe.Writer
	l      *service.Admin
	cur    string
}

type adminFlags struct {
	db, currency string
	json         bool
}

func adminCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "admin",
		Short: "Operate the accounting service's ledger: check, backup, add-balance, users",
		Long: `Commands for the operator of the accounting service. They open the ledger itself
(--db, the same value serve takes; default ledger.db in the data directory, or DATABASE_URL),
so they work whether the service runs or not.

  syftwallet admin check                 the ledger's invariants; exit 1 when one is broken
  syftwallet admin backup FILE           an online, consistent copy of a SQLite ledger
  syftwallet admin add-balance EMAIL AMOUNT
  syftwallet admin users`,
	}
	c.AddCommand(adminCheckCmd(o), adminBackupCmd(o), adminAddBalanceCmd(o), adminUsersCmd(o))
	return c
}

// adminCommand finishes an admin command: --db, --currency, --json, and a RunE that opens the
// ledger, calls fn, closes the ledger and reports a failure (as JSON too with --json).
func adminCommand(o *options, c *cobra.Command, fn func(a *adminRun, args []string) error) *cobra.Command {
	var f adminFlags
	c.Flags().StringVar(&f.db, "db", "", "the ledger: a SQLite file (default ledger.db in the data directory) or postgres://… (or DATABASE_URL)")
	c.Flags().StringVar(&f.currency, "currency", "USD", "the deployment's currency, as serve has it")
	c.Flags().BoolVar(&f.json, "json", false, "print one JSON document (see the README for its schema)")
	c.Args = wrapArgs(c.Args)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		a := &adminRun{ctx: cmd.Context(), json: f.json, cur: strings.ToUpper(f.currency), out: cmd.OutOrStdout(),
			stdout: termsafe.NewWriter(cmd.OutOrStdout()), stderr: termsafe.NewWriter(cmd.ErrOrStderr())}
		if a.ctx == nil {
			a.ctx = context.Background()
		}
		err := a.open(o, f.db)
		if err == nil {
			err = fn(a, args)
			if cerr := a.l.Close(); err == nil && cerr != nil {
				err = &serviceFailure{err: cerr}
			}
		}
		_, _ = a.stdout.Flush(), a.stderr.Flush()
		if err == nil {
			return nil
		}
		if a.json {
			var doc errorJSON
			doc.Error.Code, doc.Error.Message, doc.Error.ExitCode = adminErrorCode(err), err.Error(), ExitCode(err)
			_ = writeJSON(cmd.OutOrStdout(), doc)
		}
		return &shown{err: err}
	}
	return c
}

func (a *adminRun) open(o *options, db string) error {
	if db == "" {
		if v, ok := o.getenv("DATABASE_URL"); ok && v != "" {
			db = v
		} else {
			dir, err := config.DefaultDataDir()
			if err != nil {
				return usagef("There is no data directory (%v): pass --db.", err)
			}
			db = filepath.Join(dir, "ledger.db")
		}
	}
	l, err := service.OpenAdmin(a.ctx, db, a.cur)
	if err != nil {
		return &serviceFailure{err: err}
	}
	a.l = l
	return nil
}

// emit writes the command's --json document.
func (a *adminRun) emit(v any) error { return writeJSON(a.out, v) }

// checkJSON is admin check's document.
type checkJSON struct {
	OK            bool     `json:"ok"`
	Accounts      int      `json:"accounts"`
	Transactions  int      `json:"transactions"`
	Total         string   `json:"total"`        // the sum of every balance, the system account's included: "0.00"
	MoneyCreated  string   `json:"moneyCreated"` // by add-balance and welcome credits
	Negative      []string `json:"negative"`     // people's accounts below zero
	OverHeld      []string `json:"overHeld"`     // accounts holding more than their balance
	Mismatched    []string `json:"mismatched"`   // balances that differ from their postings
	HeldMismatch  []string `json:"heldMismatch"` // held amounts that differ from their pending transfers
	SeqGaps       []string `json:"seqGaps"`      // accounts whose event seqs have a gap
	Currency      string   `json:"currency"`
	SystemBalance string   `json:"systemBalance"` // minus moneyCreated
}

// errBreach: admin check found a broken invariant (exit 1).
type errBreach struct{ n int }

func (e *errBreach) Error() string {
	return fmt.Sprintf("The ledger breaks %d of its invariants: restore it from a backup and report it.", e.n)
}

func adminCheckCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "check",
		Short: "Check the ledger's invariants (exit 1 when one is broken)",
		Long: `Check the ledger's invariants on one consistent snapshot: the sum of every balance is
zero (money is only created by add-balance, from the system account), no person's balance is
negative or holds more than it has, every balance equals the sum of its postings and every held
amount the sum of its pending transfers, and every account's event seqs run without a gap.
Exit 0 when they all hold, 1 when one is broken.`,
	}
	return adminCommand(o, c, func(a *adminRun, _ []string) error {
		inv, err := a.l.Check(a.ctx)
		if err != nil {
			return &serviceFailure{err: fmt.Errorf("the ledger could not be checked: %w", err)}
		}
		doc := checkJSON{OK: inv.OK(), Accounts: inv.Accounts, Transactions: inv.Transactions,
			Total: amount(inv.Total), MoneyCreated: amount(-inv.SystemBalance), SystemBalance: amount(inv.SystemBalance),
			Negative: nonNil(inv.Negative), OverHeld: nonNil(inv.OverHeld), Mismatched: nonNil(inv.Mismatched),
			HeldMismatch: nonNil(inv.HeldMismatch), SeqGaps: nonNil(inv.SeqGaps), Currency: a.cur}
		breaches := 0
		if inv.Total != 0 {
			breaches++
		}
		for _, l := range [][]string{doc.Negative, doc.OverHeld, doc.Mismatched, doc.HeldMismatch, doc.SeqGaps} {
			if len(l) > 0 {
				breaches++
			}
		}
		if a.json {
			if err := a.emit(doc); err != nil {
				return err
			}
		} else {
			a.printCheck(doc)
		}
		if !doc.OK {
			return &errBreach{n: max(breaches, 1)}
		}
		return nil
	})
}

func (a *adminRun) printCheck(d checkJSON) {
	w := a.stdout
	if d.OK {
		fmt.Fprintf(w, "The ledger is consistent: %d accounts, %d transactions, %s %s created.\n",
			d.Accounts, d.Transactions, d.MoneyCreated, d.Currency)
		return
	}
	fmt.Fprintf(w, "The ledger is NOT consistent (%d accounts, %d transactions):\n", d.Accounts, d.Transactions)
	if d.Total != amount(0) {
		fmt.Fprintf(w, "  the balances sum to %s %s, not 0: money was created or lost outside add-balance\n", d.Total, d.Currency)
	}
	for _, b := range []struct {
		what  string
		names []string
	}{
		{"below zero", d.Negative},
		{"holding more than their balance", d.OverHeld},
		{"with a balance that differs from their postings", d.Mismatched},
		{"with a held amount that differs from their pending transfers", d.HeldMismatch},
		{"with a gap in their event seqs", d.SeqGaps},
	} {
		if len(b.names) > 0 {
			fmt.Fprintf(w, "  accounts %s: %s\n", b.what, strings.Join(b.names, ", "))
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// backupJSON is admin backup's document.
type backupJSON struct {
	File  string `json:"file"`
	Bytes int64  `json:"bytes"`
}

func adminBackupCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write an online, consistent copy of the ledger to FILE",
		Long: `Write a consistent copy of a SQLite ledger to FILE (a new file, mode 0600) while the
service goes on serving; the copy is a ledger file serve can open as it is. Back up keys.json
beside it too: without its keys the ledger's two-factor secrets cannot be opened. A PostgreSQL
ledger is backed up with pg_dump.`,
		Args: cobra.ExactArgs(1),
	}
	return adminCommand(o, c, func(a *adminRun, args []string) error {
		path := args[0]
		if err := a.l.Backup(a.ctx, path); err != nil {
			if errors.Is(err, service.ErrNoOnlineBackup) {
				return usagef("%s", err.Error())
			}
			return &serviceFailure{err: err}
		}
		fi, err := os.Stat(path)
		if err != nil {
			return &serviceFailure{err: err}
		}
		if a.json {
			return a.emit(backupJSON{File: path, Bytes: fi.Size()})
		}
		fmt.Fprintf(a.stdout, "Backed up the ledger to %s (%d bytes). Keep keys.json with it.\n", path, fi.Size())
		return nil
	})
}

// addBalanceJSON is admin add-balance's document.
type addBalanceJSON struct {
	Account       accountJSON `json:"account"`
	Amount        string      `json:"amount"`
	TransactionID string      `json:"transactionId"`
}

func adminAddBalanceCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "add-balance EMAIL AMOUNT",
		Short: "Credit an account with new money (from the system account)",
		Long: `Credit EMAIL with AMOUNT of new money: a completed transfer from the system account,
the only way money is created. On PostgreSQL every instance's live sockets hear of it at once;
on SQLite with the account's next event (the admin endpoint POST /user/add-balance of the
running service tells them at once).

  syftwallet admin add-balance grace@example.com 100.00`,
		Args: cobra.ExactArgs(2),
	}
	return adminCommand(o, c, func(a *adminRun, args []string) error {
		email, e := api.NormalizeEmail("email", args[0])
		if e != nil {
			return usagef("%s", e.Message)
		}
		amt, err := money.ParseHumanPositive(args[1])
		if err != nil {
			return usagef("%s", err.Error())
		}
		user, txID, err := a.l.AddBalance(a.ctx, email, amt)
		switch {
		case errors.Is(err, service.ErrNoSuchAccount):
			return usagef("No account has the address %s.", email)
		case errors.Is(err, service.ErrBalanceLimit):
			return usagef("That credit would take the balance past what the ledger can hold.")
		case err != nil:
			return &serviceFailure{err: fmt.Errorf("the credit failed: %w", err)}
		}
		doc := addBalanceJSON{Account: accountOf(user), Amount: amount(amt), TransactionID: txID}
		if a.json {
			return a.emit(doc)
		}
		fmt.Fprintf(a.stdout, "Credited %s %s to %s: the balance is now %s %s.\n",
			doc.Amount, a.cur, user.Email, doc.Account.Balance, a.cur)
		return nil
	})
}

// usersJSON is admin users' document.
type usersJSON struct {
	Users []accountJSON `json:"users"`
}

func adminUsersCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "users",
		Short: "List the accounts (people's, not the system account)",
	}
	return adminCommand(o, c, func(a *adminRun, _ []string) error {
		users, err := a.l.Users(a.ctx)
		if err != nil {
			return &serviceFailure{err: fmt.Errorf("the accounts could not be read: %w", err)}
		}
		doc := usersJSON{Users: []accountJSON{}}
		for _, u := range users {
			doc.Users = append(doc.Users, accountOf(u))
		}
		if a.json {
			return a.emit(doc)
		}
		rows := [][]string{{"EMAIL", "BALANCE", "AVAILABLE", "MFA", "CREATED"}}
		for _, u := range doc.Users {
			mfa := "off"
			if u.MFAEnabled {
				mfa = "on"
			}
			rows = append(rows, []string{u.Email, u.Balance, u.AvailableBalance, mfa, localTime(u.CreatedAt.Time)})
		}
		table(a.stdout, rows, map[int]bool{1: true, 2: true})
		fmt.Fprintf(a.stdout, "%d accounts\n", len(doc.Users))
		return nil
	})
}

func adminErrorCode(err error) string {
	var b *errBreach
	if errors.As(err, &b) {
		return "invariant_broken"
	}
	return errorCode(err)
}
