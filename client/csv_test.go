package client

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

func pagesOf(ps ...[]api.Transaction) iter.Seq2[HistoryPage, error] {
	return func(yield func(HistoryPage, error) bool) {
		for i, p := range ps {
			if !yield(HistoryPage{Transactions: p, HasMore: i < len(ps)-1}, nil) {
				return
			}
		}
	}
}

// hostileRows are transactions whose every text holds what a spreadsheet or a terminal would
// act on, and an id that starts with "-" (ids are base64url).
func hostileRows() []api.Transaction {
	at := api.At(time.Date(2026, 11, 29, 10, 54, 24, 123_000_000, time.UTC))
	res := api.At(at.Add(1500 * time.Millisecond))
	s := func(v string) *string { return &v }
	return []api.Transaction{
		{ID: "-Xk3Lw9_aZ", SenderEmail: "me@example.com", RecipientEmail: "-bob@example.com", Amount: 41_800_000,
			Status: api.StatusCompleted, CreatedBy: api.PartySender, ResolvedBy: s(api.PartySender), CreatedAt: at,
			ResolvedAt: &res, Memo: s("=HYPERLINK(\"http://evil.example\",\"refund\")"), AppName: s("+cmd|' /C calc'!A0"),
			AppEpPath: s("@SUM(1+1)*cmd|' /C calc'!A0"), Metadata: map[string]string{"b": "-2", "a": "=1"},
			Currency: "USD", Direction: api.DirectionOut},
		{ID: "tx2", SenderEmail: "@eve@example.com", RecipientEmail: "me@example.com", Amount: 1,
			Status: api.StatusPending, CreatedBy: api.PartySender, CreatedAt: at,
			Memo:    s("\x1b]52;c;Y3VybCBldmlsLnNo\x07 \x1b]0;title\x1b\\ \x1b[2J \u009b31m \r\x00 \u202eevil \u2066x\u2069"),
			AppName: s("\tTAB"), AppEpPath: s("\r=CR"), Currency: "USD", Direction: api.DirectionIn},
		{ID: "tx3", SenderEmail: "ann@example.com", RecipientEmail: "me@example.com", Amount: 12_345_678_000_000,
			Status: api.StatusCancelled, CreatedBy: api.PartyRecipient, CreatedAt: at,
			Memo: s("＝1+1"), AppName: s("＋1"), AppEpPath: s("－1"), Metadata: map[string]string{"k": "＠x"},
			Currency: "USD", Direction: api.DirectionIn},
		{ID: "tx4", SenderEmail: "ann@example.com", RecipientEmail: "me@example.com", Amount: 500_000,
			Status: api.StatusCompleted, CreatedBy: api.PartySender, CreatedAt: at,
			Memo: s("a=b, plain; \"quoted\"\nsecond line"), Currency: "USD", Direction: api.DirectionIn},
	}
}

// TestCSVGolden pins the bytes of an export of hostile rows: formulas quoted in text cells only,
// every control and bidi character escaped, amounts with two or more decimals and a sign for
// money out, times in UTC with milliseconds.
func TestCSVGolden(t *testing.T) {
	rows := hostileRows()
	var b strings.Builder
	n, err := WriteCSV(&b, pagesOf(rows[:2], rows[2:]))
	if err != nil || n != 4 {
		t.Fatalf("WriteCSV: %d rows, %v", n, err)
	}
	got := b.String()
	path := filepath.Join("testdata", "history-hostile.csv")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("export differs from %s (go test -update rewrites it)\n got:\n%s\nwant:\n%s", path, got, want)
	}
	for i, c := range got {
		if c == '\n' {
			continue
		}
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) {
			t.Fatalf("export holds %U at byte %d", c, i)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	first := recs[1]
	for name, want := range map[string]string{
		"id": "-Xk3Lw9_aZ", "amount": "-41.80", "createdAt": "2026-11-29T10:54:24.123Z",
		"resolvedAt": "2026-11-29T10:54:25.623Z", "counterparty": "'-bob@example.com", "direction": "out",
	} {
		if first[col[name]] != want {
			t.Errorf("%s = %q, want %q", name, first[col[name]], want)
		}
	}
	if got := recs[3][col["amount"]]; got != "12345678.00" {
		t.Errorf("large amount %q", got)
	}
	if got := recs[2][col["amount"]]; got != "0.000001" {
		t.Errorf("small amount %q", got)
	}
}

func TestCSVTextCells(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "plain": "plain", "=1+2": "'=1+2", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)",
		"\tx": `\tx`, "\rx": `\rx`, "＝1": "'＝1", "＋1": "'＋1", "－1": "'－1", "＠x": "'＠x", "a=b": "a=b",
		"\x1b]52;c;x\x07": `\x1b]52;c;x\x07`, "\u202e=1": `\u202e=1`, "'=1": "'=1",
	} {
		got := csvText(in)
		if got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
		if csvText(got) != got && !strings.HasPrefix(want, "'") {
			t.Errorf("csvText is not idempotent on %q", in)
		}
	}
}

func TestExportCSVFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "exports")
	rows := hostileRows()
	path, n, err := ExportCSV(context.Background(), pagesOf(rows), dir, "h.csv")
	if err != nil || n != len(rows) || path != filepath.Join(dir, "h.csv") {
		t.Fatalf("export: %q %d %v", path, n, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	// A second export never overwrites the first.
	path2, _, err := ExportCSV(context.Background(), pagesOf(rows[:1]), dir, "h.csv")
	if err != nil || path2 != filepath.Join(dir, "h-1.csv") {
		t.Fatalf("second export: %q %v", path2, err)
	}
	// A failed one leaves nothing.
	boom := errors.New("page 2 failed")
	failing := func(yield func(HistoryPage, error) bool) {
		if yield(HistoryPage{Transactions: rows}, nil) {
			yield(HistoryPage{}, boom)
		}
	}
	if _, _, err := ExportCSV(context.Background(), failing, dir, "h.csv"); !errors.Is(err, boom) {
		t.Fatalf("failing export: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("export dir holds %d files, want 2", len(ents))
	}
	_ = money.Scale
}
