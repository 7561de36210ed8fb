package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// AuditFileName is the audit log's file name inside the data dir.
const AuditFileName = "audit.log"

// AuditAction names a money-moving call in the audit log.
type AuditAction string

// The actions the audit log records.
const (
	AuditPay       AuditAction = "pay"       // a single payment
	AuditBatch     AuditAction = "batch"     // a batch of payments
	AuditConfirm   AuditAction = "confirm"   // confirming a pending transaction
	AuditCancel    AuditAction = "cancel"    // cancelling a pending transaction
	AuditToken     AuditAction = "token"     // creating a transaction token for a recipient
	AuditDelegated AuditAction = "delegated" // creating a delegated transaction from a token
)

// AuditEntry is one line of the audit log. It has no field for a secret:
// never put a token or password in any of them.
type AuditEntry struct {
	// Time is when the call finished; zero means now.
	Time time.Time
	// Action is what was done.
	Action AuditAction
	// IdempotencyKey is the key the call carried, if any.
	IdempotencyKey string
	// Counterparty is the other party's email (for a batch, as the caller
	// chooses to summarise it).
	Counterparty string
	// Amount is the decimal amount as sent, e.g. "10.50".
	Amount string
	// Outcome is "ok" or the service's error code (e.g. "insufficient_funds").
	Outcome string
	// TransactionID is the transaction the call created or resolved, if any.
	TransactionID string
}

// auditLine is an AuditEntry as written: every field always present.
type auditLine struct {
	Time           string      `json:"time"`
	Action         AuditAction `json:"action"`
	IdempotencyKey string      `json:"idempotencyKey"`
	Counterparty   string      `json:"counterparty"`
	Amount         string      `json:"amount"`
	Outcome        string      `json:"outcome"`
	TransactionID  string      `json:"transactionId"`
}

// auditTimeFormat is RFC 3339 with milliseconds, as the wire contract writes times.
const auditTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// ErrAuditClosed is returned by Record after Close.
var ErrAuditClosed = errors.New("client: audit log is closed")

// AuditLog appends one JSON line per money-moving call to audit.log in the
// data dir. It is safe for concurrent use. A disabled log, and a nil
// *AuditLog, record nothing.
type AuditLog struct {
	mu     sync.Mutex
	f      *os.File // nil when disabled
	closed bool
	now    func() time.Time
}

// OpenAuditLog opens (creating it with mode 0600, and dataDir with mode 0700
// if missing) the audit log in dataDir. When enabled is false it returns a log
// that records nothing and touches no file.
func OpenAuditLog(dataDir string, enabled bool) (*AuditLog, error) {
	l := &AuditLog{now: time.Now}
	if !enabled {
		return l, nil
	}
	if dataDir == "" {
		return nil, errors.New("client: audit log: no data dir")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("client: audit log: %w", err)
	}
	path := filepath.Join(dataDir, AuditFileName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("client: audit log: %w", err)
	}
	// A file that was already there keeps its mode; tighten it.
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("client: audit log: %w", err)
		}
	}
	l.f = f
	return l, nil
}

// Enabled reports whether the log writes anything.
func (l *AuditLog) Enabled() bool { return l != nil && l.f != nil }

// Record appends e as one line, with a single write so that lines from
// concurrent callers never interleave.
func (l *AuditLog) Record(e AuditEntry) error {
	return l.whileOpen(ErrAuditClosed, func() error {
		t := e.Time
		if t.IsZero() {
			t = l.now()
		}
		b, err := json.Marshal(auditLine{
			Time:           t.UTC().Format(auditTimeFormat),
			Action:         e.Action,
			IdempotencyKey: e.IdempotencyKey,
			Counterparty:   e.Counterparty,
			Amount:         e.Amount,
			Outcome:        e.Outcome,
			TransactionID:  e.TransactionID,
		})
		if err != nil {
			return fmt.Errorf("client: audit log: %w", err)
		}
		if _, err := l.f.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("client: audit log: %w", err)
		}
		return nil
	})
}

// Close closes the file. Closing twice, or closing a disabled log, is fine.
func (l *AuditLog) Close() error {
	return l.whileOpen(nil, func() error {
		l.closed = true
		return l.f.Close()
	})
}

// whileOpen runs f under the lock on an enabled log that is not closed. A disabled log does
// nothing; a closed one returns ifClosed.
func (l *AuditLog) whileOpen(ifClosed error, f func() error) error {
	if !l.Enabled() {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ifClosed
	}
	return f()
}
