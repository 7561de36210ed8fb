package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgersql"
)

// The writer's side of the money calls (ledgersql's rules, Tx): accounts read on the single
// writer, postings and transfers written at once, kept responses upserted.

// acct is the writer's view of an account row.
type acct = ledgersql.Acct

// acctFrom reads an account without its last_seq: Move returns it with the update.
const acctFrom = `SELECT n, id, email, balance, held, system FROM accounts WHERE `

func (w *wtx) acctBy(query string, arg any) (*acct, error) {
	var a acct
	err := w.queryRow(query, arg).Scan(&a.N, &a.ID, &a.Email, &a.Balance, &a.Held, &a.System)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ledger.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read account: %w", err)
	}
	return &a, nil
}

func (w *wtx) AccountByID(id string) (*acct, error) { return w.acctBy(acctFrom+`id = ?`, id) }
func (w *wtx) AccountByEmail(email string) (*acct, error) {
	return w.acctBy(acctFrom+`email = ?`, email)
}
func (w *wtx) AccountByN(n int64) (*acct, error) { return w.acctBy(acctFrom+`n = ?`, n) }

// Lock: the single writer serializes every write; there is nothing to lock.
func (w *wtx) Lock([]string, []string, []int64) (bool, error) { return false, nil }

// Remember: lookups read the row again.
func (w *wtx) Remember(*acct) {}

func (w *wtx) Move(a *acct, dBalance, dHeld, seqs int64) error {
	return w.queryRow(`UPDATE accounts SET balance = balance + ?, held = held + ?, last_seq = last_seq + ?
		WHERE n = ? RETURNING balance, held, last_seq`, dBalance, dHeld, seqs, a.N).Scan(&a.Balance, &a.Held, &a.LastSeq)
}

func (w *wtx) Event(a *acct, e ledger.Event) error {
	if _, err := w.exec(`INSERT INTO events (account, seq, type, at, data) VALUES (?, ?, ?, ?, ?)`,
		a.N, e.Seq, e.Type, e.At.UnixMilli(), string(e.Data)); err != nil {
		return err
	}
	w.events = append(w.events, e)
	return nil
}

func (w *wtx) Insert(t ledgersql.TxRow) error {
	var n int64
	if err := w.queryRow(`INSERT INTO transactions (id, sender, recipient, amount, status, created_by,
		resolved_by, created_at, resolved_at, app_name, app_ep_path, memo, metadata, api_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING n`,
		t.ID, t.Sender, t.Recipient, t.Amount, t.Status, t.CreatedBy, orNull(t.ResolvedBy), t.CreatedAt,
		orNull(t.ResolvedAt), t.AppName, t.AppEpPath, t.Memo, orNull(t.Metadata), orNull(t.APIKey)).Scan(&n); err != nil {
		return err
	}
	if _, err := w.exec(`INSERT INTO parties (account, tx, outgoing, counterparty) VALUES (?, ?, 1, ?), (?, ?, 0, ?)`,
		t.Sender, n, t.Recipient, t.Recipient, n, t.Sender); err != nil {
		return fmt.Errorf("ledger: insert parties: %w", err)
	}
	return nil
}

// orNull is v, or NULL when v is zero.
func orNull[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

func (w *wtx) Kept(account int64, key string) (*ledger.Kept, error) {
	k, _, err := ledgersql.ReadKept(w, account, key, w.s.opts.KeyTTL) // an expired one is replaced by Keep
	return k, err
}

func (w *wtx) Keep(account int64, key string, k ledger.Kept) error {
	_, err := w.exec(`INSERT INTO idempotency (account, key, fingerprint, response, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, key) DO UPDATE SET fingerprint = excluded.fingerprint,
		response = excluded.response, created_at = excluded.created_at`,
		account, key, k.Fingerprint, k.Response, k.CreatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("ledger: keep idempotent response: %w", err)
	}
	return nil
}
