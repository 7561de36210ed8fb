package client

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"
)

// readAuditLines reads the audit log in dir, one map a line, failing on a line that is not JSON.
func readAuditLines(t *testing.T, dir string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, AuditFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]string
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestAuditLogRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	l, err := OpenAuditLog(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 29, 11, 54, 24, 123456789, time.FixedZone("CET", 3600))
	if err := l.Record(AuditEntry{
		Time: at, Action: AuditPay, IdempotencyKey: "idem-1", Counterparty: "bob@example.org",
		Amount: "10.50", Outcome: "ok", TransactionID: "tx-1",
	}); err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return at }
	if err := l.Record(AuditEntry{Action: AuditConfirm, Outcome: "conflict", TransactionID: "tx-2"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	got := readAuditLines(t, dir)
	want := []map[string]string{
		{"time": "2026-11-29T10:54:24.123Z", "action": "pay", "idempotencyKey": "idem-1",
			"counterparty": "bob@example.org", "amount": "10.50", "outcome": "ok", "transactionId": "tx-1"},
		{"time": "2026-11-29T10:54:24.123Z", "action": "confirm", "idempotencyKey": "",
			"counterparty": "", "amount": "", "outcome": "conflict", "transactionId": "tx-2"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	// Appends across openings.
	l, err = OpenAuditLog(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Record(AuditEntry{Action: AuditCancel, Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if n := len(readAuditLines(t, dir)); n != 3 {
		t.Errorf("%d lines after reopening, want 3", n)
	}
}

func TestAuditLogPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "data")
	l, err := OpenAuditLog(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, AuditFileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode %o, want %o", path, got, want)
		}
	}

	// A file left too open is tightened.
	path := filepath.Join(dir, AuditFileName)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err = OpenAuditLog(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o after reopening, want 600", fi.Mode().Perm())
	}
}

func TestAuditLogDisabled(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	l, err := OpenAuditLog(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if l.Enabled() {
		t.Error("a disabled log says it is enabled")
	}
	if err := l.Record(AuditEntry{Action: AuditPay, Outcome: "ok"}); err != nil {
		t.Error(err)
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a disabled log touched the disk: %v", err)
	}

	var nilLog *AuditLog
	if err := nilLog.Record(AuditEntry{Action: AuditPay}); err != nil || nilLog.Close() != nil {
		t.Error("a nil *AuditLog is not a no-op")
	}
}

func TestAuditLogClosed(t *testing.T) {
	l, err := OpenAuditLog(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := l.Record(AuditEntry{Action: AuditPay}); !errors.Is(err, ErrAuditClosed) {
		t.Errorf("Record after Close: err = %v", err)
	}
}

func TestAuditLogNoDataDir(t *testing.T) {
	if _, err := OpenAuditLog("", true); err == nil {
		t.Error("opened an audit log without a data dir")
	}
}

func TestAuditLogConcurrent(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenAuditLog(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				e := AuditEntry{Action: AuditBatch, IdempotencyKey: fmt.Sprintf("k-%d-%d", w, i), Outcome: "ok",
					Counterparty: "multi\nline@example.org"}
				if err := l.Record(e); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	lines := readAuditLines(t, dir)
	if len(lines) != writers*each {
		t.Fatalf("%d lines, want %d", len(lines), writers*each)
	}
	seen := map[string]bool{}
	for _, m := range lines {
		seen[m["idempotencyKey"]] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d distinct entries, want %d", len(seen), writers*each)
	}
}
