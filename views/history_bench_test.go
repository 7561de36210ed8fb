package views

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// bigLedger serves pages of a generated list of transactions, newest first, with the cursor an
// index: History over 100,000 rows without the fake's linear scan, so the benchmark measures the
// screen and not the stand-in.
type bigLedger struct {
	*viewstest.Client
	txs []api.Transaction
}

func newBigLedger(n int) *bigLedger {
	fc := newFake()
	fc.SignIn("me@example.com")
	b := &bigLedger{Client: fc, txs: make([]api.Transaction, n)}
	for i := range b.txs {
		memo := fmt.Sprintf("invoice %d · café ☕", i)
		dir, from, to := api.DirectionIn, "ada@example.com", "me@example.com"
		if i%3 == 0 {
			dir, from, to = api.DirectionOut, "me@example.com", "grace@example.com"
		}
		b.txs[i] = api.Transaction{ID: fmt.Sprintf("tx%07d", i), SenderEmail: from, RecipientEmail: to,
			Amount: money.Micros(i%50000+1) * 10_000, Status: api.StatusCompleted, CreatedBy: api.PartySender,
			CreatedAt: api.At(viewstest.Epoch.Add(-time.Duration(i) * time.Minute)), Memo: &memo, Currency: "USD", Direction: dir}
	}
	return b
}

func (b *bigLedger) History(_ context.Context, q client.HistoryQuery) (client.HistoryPage, error) {
	start := 0
	if q.Cursor != "" {
		start, _ = strconv.Atoi(q.Cursor)
	}
	end := min(start+q.Limit, len(b.txs))
	p := client.HistoryPage{Transactions: slices.Clone(b.txs[start:end])}
	if end < len(b.txs) {
		p.HasMore, p.NextCursor = true, strconv.Itoa(end)
	}
	return p, nil
}

// BenchmarkHistoryKeypress measures one keypress to its rendered frame (Update then View) on
// History over 100,000 transactions, scrolling down through them (and back up once past
// 20,000 rows), at 98×27. Page loads run between frames, outside the timing, as the program runs
// them off the UI goroutine. It reports p50/p99/max per frame and the most rows ever held.
func BenchmarkHistoryKeypress(b *testing.B) {
	led := newBigLedger(100_000)
	c := newCommon(b, led.Client)
	c.Client = led
	h := NewHistory(c)
	h.SetSize(98, 27)
	var s Screen = pump(h, h.Init())
	down, up := keyMsg("j"), keyMsg("k")
	durs := make([]time.Duration, 0, b.N)
	maxRows := 0
	goingUp := false
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := down
		if h.win.Cur >= 20_000 {
			goingUp = true
		} else if h.win.Cur == 0 {
			goingUp = false
		}
		if goingUp {
			k = up
		}
		t0 := time.Now()
		var cmd tea.Cmd
		s, cmd = s.Update(k)
		_ = s.View()
		durs = append(durs, time.Since(t0))
		if cmd != nil {
			b.StopTimer()
			s = pump(s, cmd)
			b.StartTimer()
		}
		maxRows = max(maxRows, h.Loaded())
	}
	b.StopTimer()
	slices.Sort(durs)
	q := func(p float64) float64 { return float64(durs[int(p*float64(len(durs)-1))].Microseconds()) }
	b.ReportMetric(q(0.5), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(float64(durs[len(durs)-1].Microseconds()), "max-µs")
	b.ReportMetric(float64(maxRows), "max-rows-held")
	b.ReportMetric(float64(h.PageSize()), "page-size")
}
