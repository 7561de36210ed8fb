package client

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/termsafe"
)

// The one CSV export of the history, for the wallet's `e` and `syftwallet history --csv`.
//
// Columns, in order: CSVHeader (the names of the --json fields). Amounts are exact decimals
// with at least two places, negative for money out (-41.80); times are RFC 3339 in UTC with
// milliseconds; resolvedAt is empty while pending; metadata is "key=value; key=value", sorted.
//
// Every cell may be read by a person with cat or in a spreadsheet, so:
//   - control and bidi characters in any cell are replaced by the visible escape the terminal
//     output uses (termsafe.String: `\x1b`, `\n`, `\u202e`). It changes nothing in a
//     well-formed id, amount or time, and applying it again changes nothing.
//   - a text cell (every column but id, amount and the times) that a spreadsheet would read as
//     a formula, one starting with = + - @ or the full-width ＝ ＋ － ＠, gets a leading '. A tab
//     or CR at the start needs no quote: the escape above has made it `\t` or `\r` already, which
//     no spreadsheet reads as a formula. Ids (which may start with -), amounts and times are never
//     prefixed.

// CSVHeader names the columns of a history export.
var CSVHeader = []string{"id", "createdAt", "resolvedAt", "direction", "counterparty", "senderEmail",
	"recipientEmail", "amount", "currency", "status", "memo", "appName", "appEpPath", "createdBy",
	"resolvedBy", "metadata"}

// CSVRecord is one transaction as a row of CSVHeader's columns.
func CSVRecord(tx api.Transaction) []string {
	opt := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	resolved := ""
	if tx.ResolvedAt != nil && !tx.ResolvedAt.IsZero() {
		resolved = tx.ResolvedAt.UTC().Format(api.TimeLayout)
	}
	amount := tx.Amount
	if tx.Direction == api.DirectionOut {
		amount = -amount
	}
	var meta []string
	for _, k := range slices.Sorted(maps.Keys(tx.Metadata)) {
		meta = append(meta, k+"="+tx.Metadata[k])
	}
	return []string{
		termsafe.String(tx.ID), tx.CreatedAt.UTC().Format(api.TimeLayout), resolved, csvText(tx.Direction),
		csvText(tx.Counterparty()), csvText(tx.SenderEmail), csvText(tx.RecipientEmail), amount.Fixed(2),
		csvText(tx.Currency), csvText(tx.Status), csvText(opt(tx.Memo)), csvText(opt(tx.AppName)),
		csvText(opt(tx.AppEpPath)), csvText(tx.CreatedBy), csvText(opt(tx.ResolvedBy)), csvText(strings.Join(meta, "; ")),
	}
}

// csvText is a text cell: escaped, then quoted away from a spreadsheet formula. (After the
// escape no cell starts with a tab or a CR.)
func csvText(s string) string {
	s = termsafe.String(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@':
		return "'" + s
	}
	switch r, _ := utf8.DecodeRuneInString(s); r {
	case '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

// WriteCSV writes the header and a row for each transaction of pages, newest first as the pages
// come, flushing after each page, and returns how many rows it wrote. It stops at the first
// error of pages or of w.
func WriteCSV(w io.Writer, pages iter.Seq2[HistoryPage, error]) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return 0, err
	}
	n := 0
	for page, err := range pages {
		if err != nil {
			return n, err
		}
		for _, tx := range page.Transactions {
			if err := cw.Write(CSVRecord(tx)); err != nil {
				return n, err
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
	cw.Flush()
	return n, cw.Error()
}

// ExportCSV writes the pages to a new file named name in dir (created 0700 if missing; the file
// is 0600) and returns its absolute path. It streams to a temporary file and renames it when
// complete, so a failed export leaves nothing; an existing file is never overwritten (name-1.csv,
// name-2.csv, ... instead).
func ExportCSV(ctx context.Context, pages iter.Seq2[HistoryPage, error], dir, name string) (string, int, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("cannot create the export folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".export-*.csv")
	if err != nil {
		return "", 0, fmt.Errorf("cannot write to the export folder: %w", err)
	}
	tmp := f.Name()
	n, err := WriteCSV(f, func(yield func(HistoryPage, error) bool) {
		for p, err := range pages {
			if err == nil {
				err = ctx.Err()
			}
			if !yield(p, err) || err != nil {
				return
			}
		}
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", 0, err
	}
	// Link, unlike rename, fails when the name is taken, so a file that appears meanwhile (another
	// export in the same second) is never overwritten either.
	defer os.Remove(tmp)
	path := filepath.Join(dir, name)
	for i := 1; ; i++ {
		err := os.Link(tmp, path)
		if err != nil && !errors.Is(err, os.ErrExist) {
			// A file system without hard links: rename onto a name that is free now.
			if _, serr := os.Lstat(path); errors.Is(serr, os.ErrNotExist) {
				err = os.Rename(tmp, path)
			}
		}
		if err == nil {
			break
		}
		if i > 1000 {
			return "", 0, fmt.Errorf("cannot name the export: %w", err)
		}
		path = filepath.Join(dir, strings.TrimSuffix(name, ".csv")+"-"+strconv.Itoa(i)+".csv")
	}
	return path, n, nil
}
