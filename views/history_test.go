package views

import (
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// pump runs cmd's functions and feeds the screen the first answer that is not a timer tick,
// without waiting for spinners: a fast stand-in for settle when a test presses a thousand keys.
func pump(s Screen, cmd tea.Cmd) Screen {
	for cmd != nil {
		ch := make(chan tea.Msg, 16)
		var walk func(tea.Cmd)
		n := 0
		walk = func(c tea.Cmd) {
			if c == nil {
				return
			}
			n++
			go func() {
				m := c()
				if b, ok := m.(tea.BatchMsg); ok {
					for _, sub := range b {
						walk(sub)
					}
				}
				ch <- m
			}()
		}
		walk(cmd)
		cmd = nil
		deadline := time.After(2 * time.Second)
	wait:
		for {
			select {
			case m := <-ch:
				switch m.(type) {
				case nil, spinner.TickMsg, tea.BatchMsg:
					continue
				}
				s, cmd = s.Update(m)
				break wait
			case <-deadline:
				break wait
			}
		}
	}
	return s
}

func newHistory(t testing.TB, fc *viewstest.Client) (*History, *Common) {
	t.Helper()
	fc.SignIn("me@example.com")
	c := newCommon(t, fc)
	h := NewHistory(c)
	h.SetSize(98, 27)
	s := pump(h, h.Init())
	return s.(*History), c
}

func seedMany(fc *viewstest.Client, n int) []api.Transaction {
	out := make([]api.Transaction, 0, n)
	for i := 0; i < n; i++ {
		from, to := "ada@example.com", "me@example.com"
		if i%3 == 0 {
			from, to = "me@example.com", "grace@example.com"
		}
		status := api.StatusCompleted
		if i%7 == 0 {
			status = api.StatusPending
		}
		out = append(out, fc.AddTx(from, to, money.Micros(i+1)*money.Scale/100, status,
			fmt.Sprintf("memo %d", i), viewstest.Epoch.Add(-time.Duration(n-i)*time.Minute)))
	}
	return out
}

func TestHistoryPagingKeepsAtMostThreePages(t *testing.T) {
	fc := newFake()
	const n = 1000
	all := seedMany(fc, n) // oldest first
	h, _ := newHistory(t, fc)
	want := func(i int) string { return all[n-1-i].ID } // newest first
	limit := HistoryMaxPages * h.PageSize()
	check := func(step string) {
		t.Helper()
		if got := h.Loaded(); got > limit {
			t.Fatalf("%s: %d rows in memory, at most %d allowed", step, got, limit)
		}
		tx, ok := h.selected()
		if !ok {
			t.Fatalf("%s: the selected row %d is not in memory", step, h.win.Cur)
		}
		if tx.ID != want(h.win.Cur) {
			t.Fatalf("%s: row %d is %s, want %s", step, h.win.Cur, tx.ID, want(h.win.Cur))
		}
	}
	var s Screen = h
	for i := 0; i < n+20; i++ {
		var cmd tea.Cmd
		s, cmd = s.Update(keyMsg("j"))
		s = pump(s, cmd)
		check(fmt.Sprintf("down %d", i))
	}
	if h.win.Cur != n-1 {
		t.Fatalf("after scrolling to the end the cursor is at %d, want %d", h.win.Cur, n-1)
	}
	if !strings.Contains(plain(h), fmt.Sprintf("row %d of %d", n, n)) {
		t.Errorf("footer does not say the end was reached:\n%s", plain(h))
	}
	loadsDown := fc.CountCalls("History")
	t.Logf("page size %d, %d loads down, %d rows held", h.PageSize(), loadsDown, h.Loaded())
	for i := 0; i < n+20; i++ {
		var cmd tea.Cmd
		s, cmd = s.Update(keyMsg("k"))
		s = pump(s, cmd)
		check(fmt.Sprintf("up %d", i))
	}
	if h.win.Cur != 0 {
		t.Fatalf("after scrolling back the cursor is at %d, want 0", h.win.Cur)
	}
	if fc.CountCalls("History") <= loadsDown {
		t.Fatal("scrolling back up reloaded nothing: the top pages were never dropped")
	}
	// Page by page both ways, too.
	for i := 0; i < 80; i++ {
		var cmd tea.Cmd
		s, cmd = s.Update(keyMsg("pgdown"))
		s = pump(s, cmd)
		check(fmt.Sprintf("pgdown %d", i))
	}
	for i := 0; i < 80; i++ {
		var cmd tea.Cmd
		s, cmd = s.Update(keyMsg("pgup"))
		s = pump(s, cmd)
		check(fmt.Sprintf("pgup %d", i))
	}
}

func TestParseFilter(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.ParseInLocation("2006-01-02", s, time.UTC); return d }
	cases := []struct {
		in   string
		want client.HistoryQuery
		err  string
	}{
		{in: "", want: client.HistoryQuery{}},
		{in: "coffee", want: client.HistoryQuery{Q: "coffee"}},
		{in: `"rent share" in`, want: client.HistoryQuery{Q: "rent share", Direction: api.DirectionIn}},
		{in: "OUT", want: client.HistoryQuery{Direction: api.DirectionOut}},
		{in: "status:pending", want: client.HistoryQuery{Status: api.StatusPending}},
		{in: "status:Canceled", want: client.HistoryQuery{Status: api.StatusCancelled}},
		{in: ">10", want: client.HistoryQuery{MinAmount: 10*money.Scale + 1}},
		{in: ">=10", want: client.HistoryQuery{MinAmount: 10 * money.Scale}},
		{in: "<5", want: client.HistoryQuery{MaxAmount: 5*money.Scale - 1}},
		{in: "<=0.000001", want: client.HistoryQuery{MaxAmount: 1}},
		{in: ">1,000.5", want: client.HistoryQuery{MinAmount: 1000_500_001}},
		{in: "since:2026-11-01", want: client.HistoryQuery{Since: day("2026-11-01")}},
		{in: "until:2026-11-30", want: client.HistoryQuery{Until: day("2026-12-01")}},
		{in: "since:2026-11-01T10:00:00Z", want: client.HistoryQuery{Since: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}},
		{in: "with:Ada@Example.com", want: client.HistoryQuery{Counterparty: "ada@example.com"}},
		{in: "in status:completed >10 <50 since:2026-11-01 until:2026-11-30 lunch split",
			want: client.HistoryQuery{Direction: api.DirectionIn, Status: api.StatusCompleted, MinAmount: 10*money.Scale + 1,
				MaxAmount: 50*money.Scale - 1, Since: day("2026-11-01"), Until: day("2026-12-01"), Q: "lunch split"}},
		{in: `"re:lunch"`, want: client.HistoryQuery{Q: "re:lunch"}},
		{in: "ada@example.com", want: client.HistoryQuery{Q: "ada@example.com"}},
		{in: "in out", err: "in and out"},
		{in: "status:done-ish", err: "status:done-ish"},
		{in: ">ten", err: ">ten"},
		{in: ">1.0000001", err: "6 decimal"},
		{in: "<0.000001", err: "no amount"},
		{in: "<0", err: "no amount"},
		{in: ">-5", err: ">-5"},
		{in: "since:yesterday", err: "since:yesterday"},
		{in: "since:2026-11-30 until:2026-11-01", err: "until must be after"},
		{in: ">50 <10", err: "no amount"},
		{in: "colour:red", err: "unknown filter"},
		{in: `"open`, err: "quote"},
		{in: "with:nobody", err: "not an email"},
	}
	for _, tc := range cases {
		got, err := ParseFilter(tc.in, time.UTC)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseFilter(%q) error = %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tc.in, err)
			continue
		}
		if !got.Since.Equal(tc.want.Since) || !got.Until.Equal(tc.want.Until) {
			t.Errorf("ParseFilter(%q) times = %v..%v, want %v..%v", tc.in, got.Since, got.Until, tc.want.Since, tc.want.Until)
		}
		got.Since, got.Until, tc.want.Since, tc.want.Until = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != tc.want {
			t.Errorf("ParseFilter(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func seedSmall(fc *viewstest.Client) {
	at := viewstest.Epoch
	fc.AddTx("ada@example.com", "me@example.com", 12_500_000, api.StatusCompleted, "coffee ☕", at.Add(-26*24*time.Hour))
	fc.AddTx("me@example.com", "grace@example.com", 40*money.Scale, api.StatusCompleted, "=HYPERLINK(\"x\")", at.Add(-12*24*time.Hour))
	fc.AddTx("me@example.com", "ada@example.com", 7*money.Scale, api.StatusPending, "book club", at.Add(-2*time.Hour))
	fc.AddTx("grace@example.com", "me@example.com", 2*money.Scale, api.StatusCompleted, "lunch split", at.Add(-2*time.Minute))
}

// smallHistory is History over seedSmall's four transactions.
func smallHistory(t testing.TB) (*History, *viewstest.Client) {
	t.Helper()
	fc := newFake()
	seedSmall(fc)
	h, _ := newHistory(t, fc)
	return h, fc
}

func TestHistoryFilterAppliesAndBadFilterKeepsText(t *testing.T) {
	h, _ := smallHistory(t)
	if h.Loaded() != 4 {
		t.Fatalf("loaded %d rows, want 4", h.Loaded())
	}
	var s Screen = h
	s, _ = press(s, "/")
	if !h.InputFocused() {
		t.Fatal("/ does not focus the filter")
	}
	s = submit(s, "out >10 status:sideways")
	if !h.InputFocused() || h.filterErr == "" || h.input.Value() != "out >10 status:sideways" {
		t.Fatalf("a bad filter should keep the text and say why: editing=%v err=%q text=%q", h.editing, h.filterErr, h.input.Value())
	}
	if !strings.Contains(plain(s), "✗ status:sideways") {
		t.Errorf("the inline error is not shown:\n%s", plain(s))
	}
	for range len("sideways") {
		s, _ = press(s, "backspace")
	}
	s = submit(s, "pending")
	if h.InputFocused() || h.filterErr != "" {
		t.Fatalf("a good filter should apply: err=%q", h.filterErr)
	}
	q := h.Query()
	if q.Direction != api.DirectionOut || q.Status != api.StatusPending || q.MinAmount != 10*money.Scale+1 {
		t.Fatalf("query = %+v", q)
	}
	if h.Loaded() != 0 || !strings.Contains(plain(s), "Nothing matches this filter") {
		t.Fatalf("want the empty-filter state, got %d rows:\n%s", h.Loaded(), plain(s))
	}
	s, _ = press(s, "esc") // clears the filter
	if h.filterText != "" || h.Loaded() != 4 {
		t.Fatalf("esc should clear the filter: %q, %d rows", h.filterText, h.Loaded())
	}
	s, _ = press(s, "/")
	s = submit(s, "in")
	if h.Loaded() != 2 {
		t.Fatalf("in: %d rows, want 2", h.Loaded())
	}
	for _, line := range strings.Split(plain(s), "\n") {
		if strings.Contains(line, "→ out") {
			t.Errorf("an outgoing row passed the in filter: %q", line)
		}
	}
}

func TestHistoryConfirmAndCancel(t *testing.T) {
	h, fc := smallHistory(t)
	var s Screen = h
	// Row 0 is completed: c explains, and asks nothing.
	s, _ = press(s, "c")
	if h.ask.Open() || !strings.Contains(h.note, "Only a pending") {
		t.Fatalf("c on a completed row: open=%v note=%q", h.ask.Open(), h.note)
	}
	s, _ = press(s, "j") // the pending one
	s, _ = press(s, "c")
	if !h.ask.Asking() || !strings.Contains(plain(s), "Confirm the pending payment of 7.00 USD to ada@example.com?") {
		t.Fatalf("want the prompt with the amount:\n%s", plain(s))
	}
	s, _ = press(s, "enter") // not an answer
	s, _ = press(s, "n")
	if h.ask.Open() || fc.CountCalls("Confirm") != 0 {
		t.Fatal("n must not confirm")
	}
	s, _ = press(s, "x")
	if !strings.Contains(plain(s), "Cancel the pending") {
		t.Fatalf("want the cancel prompt:\n%s", plain(s))
	}
	s, _ = press(s, "y")
	if fc.CountCalls("Cancel") != 1 {
		t.Fatalf("y should cancel once, calls: %v", fc.Calls())
	}
	tx, _ := h.selected()
	if tx.Status != api.StatusCancelled || !strings.Contains(h.note, "✓ Cancelled 7.00 USD to ada@example.com") {
		t.Fatalf("after cancel: status %s, note %q", tx.Status, h.note)
	}
	// Confirming it now is refused locally; a conflict from the service is said.
	s, _ = press(s, "c")
	if fc.CountCalls("Confirm") != 0 || !strings.Contains(h.note, "cancelled") {
		t.Fatalf("c on a cancelled row: note %q", h.note)
	}
	// An error is shown, and the row stays as it was.
	fc.Err["Confirm"] = &client.UnavailableError{}
	pend := fc.AddTx("ada@example.com", "me@example.com", 3*money.Scale, api.StatusPending, "", viewstest.Epoch)
	s, _ = press(s, "r", "g")
	if tx, _ := h.selected(); tx.ID != pend.ID {
		t.Fatalf("top row is %s, want %s", tx.ID, pend.ID)
	}
	s, _ = press(s, "c", "y")
	if !h.noteBad || !strings.Contains(h.note, "Could not confirm") {
		t.Fatalf("want the error: %q", h.note)
	}
	_ = s
}

func TestHistoryDetail(t *testing.T) {
	h, _ := smallHistory(t)
	var s Screen = h
	s, _ = press(s, "j", "enter")
	out := plain(s)
	for _, want := range []string{"Transaction", "tx000003", "me@example.com", "ada@example.com", "book club", "pending", "confirm"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
	s, _ = press(s, "esc")
	if h.detail {
		t.Fatal("esc should close the detail")
	}
}

func TestHistoryExportCSV(t *testing.T) {
	fc := newFake()
	seedSmall(fc)
	seedMany(fc, 450) // more than two export pages
	h, c := newHistory(t, fc)
	var s Screen = h
	s, _ = press(s, "/")
	s = submit(s, "out")
	s, _ = press(s, "e")
	if h.noteBad || !strings.Contains(h.note, "Exported") {
		t.Fatalf("export: %q", h.note)
	}
	path := strings.TrimSpace(h.note[strings.Index(h.note, " to ")+4:])
	if !strings.HasPrefix(path, c.ExportDir) || !strings.Contains(path, "syftwallet-history-20261129-105424") {
		t.Fatalf("path %q not in %q", path, c.ExportDir)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantOut := 2 + 150 // seedSmall's two outgoing, every third of seedMany
	if len(recs) != wantOut+1 {
		t.Fatalf("%d records, want %d rows and a header", len(recs), wantOut)
	}
	if strings.Join(recs[0], ",") != strings.Join(client.CSVHeader, ",") {
		t.Fatalf("header %v", recs[0])
	}
	found := false
	for _, r := range recs[1:] {
		if r[3] != "out" || !strings.HasPrefix(r[7], "-") {
			t.Fatalf("row %v: want only outgoing, signed amounts", r)
		}
		if strings.Contains(r[10], "HYPERLINK") {
			found = true
			if r[10] != `'=HYPERLINK("x")` || r[7] != "-40.00" {
				t.Errorf("formula cell not neutralised: memo %q amount %q", r[10], r[7])
			}
		}
	}
	if !found {
		t.Error("the formula memo is not in the export")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("export mode %v, want 0600", info.Mode().Perm())
	}
	// A failed export leaves no file and says why.
	fc.Err["History"] = &client.UnavailableError{}
	s, _ = press(s, "e")
	if !h.noteBad || !strings.Contains(h.note, "Export failed") {
		t.Fatalf("failed export: %q", h.note)
	}
	ents, _ := os.ReadDir(c.ExportDir)
	if len(ents) != 1 {
		t.Fatalf("export dir holds %d files, want 1", len(ents))
	}
	_ = s
}

func TestHistoryLive(t *testing.T) {
	h, fc := smallHistory(t)
	var s Screen = h
	s, _ = press(s, "j") // select the second row
	sel, _ := h.selected()
	calls := fc.CountCalls("History")
	tx := fc.AddTx("ada@example.com", "me@example.com", 9*money.Scale, api.StatusCompleted, "live one", viewstest.Epoch)
	tx.Direction = api.DirectionIn
	s, _ = s.Update(LiveMsg{Type: api.EventPaymentReceived, Tx: &tx})
	if fc.CountCalls("History") != calls {
		t.Fatal("a live payment caused a reload")
	}
	if top, _ := h.row(0); top.ID != tx.ID {
		t.Fatalf("the live payment is not at the top: %s", top.ID)
	}
	if now, _ := h.selected(); now.ID != sel.ID {
		t.Fatalf("the selection moved from %s to %s", sel.ID, now.ID)
	}
	if !strings.Contains(plain(s), "live one") {
		t.Errorf("not drawn:\n%s", plain(s))
	}
	// A status change replaces the row in place.
	pend, _ := h.row(3)
	done := *pend
	done.Status = api.StatusCompleted
	s, _ = s.Update(LiveMsg{Type: api.EventTransactionCompleted, Tx: &done})
	if r, _ := h.row(3); r.Status != api.StatusCompleted {
		t.Fatalf("status not updated: %s", r.Status)
	}
	// A filter that excludes it keeps it out.
	s, _ = press(s, "/")
	s = submit(s, "out")
	n := h.Loaded()
	tx2 := fc.AddTx("grace@example.com", "me@example.com", money.Scale, api.StatusCompleted, "", viewstest.Epoch)
	tx2.Direction = api.DirectionIn
	s, _ = s.Update(LiveMsg{Type: api.EventPaymentReceived, Tx: &tx2})
	if h.Loaded() != n {
		t.Fatal("a filtered-out live payment was added")
	}
	_ = s
}

func TestHistoryLiveWhileScrolledAway(t *testing.T) {
	fc := newFake()
	all := seedMany(fc, 400)
	h, _ := newHistory(t, fc)
	var s Screen = h
	for range 300 {
		var cmd tea.Cmd
		s, cmd = s.Update(keyMsg("j"))
		s = pump(s, cmd)
	}
	if h.win.Start() == 0 {
		t.Fatal("the top page should have been dropped")
	}
	tx := fc.AddTx("ada@example.com", "me@example.com", money.Scale, api.StatusCompleted, "new", viewstest.Epoch)
	tx.Direction = api.DirectionIn
	s, _ = s.Update(LiveMsg{Type: api.EventPaymentReceived, Tx: &tx})
	if !strings.Contains(plain(s), "↑ 1 new") {
		t.Fatalf("no notice of the new row:\n%s", plain(s))
	}
	// Scrolling all the way back finds it at the top, with every row in order.
	for range 320 {
		var cmd tea.Cmd
		s, cmd = s.Update(keyMsg("k"))
		s = pump(s, cmd)
	}
	if top, _ := h.row(0); h.win.Cur != 0 || top.ID != tx.ID {
		t.Fatalf("cursor %d, top %v", h.win.Cur, top)
	}
	if r, _ := h.row(1); r.ID != all[len(all)-1].ID {
		t.Fatalf("row 1 is %s, want %s", r.ID, all[len(all)-1].ID)
	}
}

func TestHistoryStates(t *testing.T) {
	fc := newFake()
	fc.Err["History"] = &client.UnavailableError{}
	h, _ := newHistory(t, fc)
	if !strings.Contains(plain(h), "Could not load your history") || !strings.Contains(plain(h), "to try again") {
		t.Fatalf("error state:\n%s", plain(h))
	}
	delete(fc.Err, "History")
	s, _ := press(h, "r")
	if !strings.Contains(plain(s), "No transactions yet") {
		t.Fatalf("empty state:\n%s", plain(s))
	}
}
