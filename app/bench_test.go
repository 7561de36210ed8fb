package app

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/zalando/go-keyring"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/service"
	"github.com/syftbox/syftwallet/ui"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// Benchmarks (figures in BENCHMARKS.md):
//
//	go test ./app -run '^$' -bench BenchmarkHistoryKeypress -benchtime 5000x
//	go test ./app -run '^$' -bench BenchmarkStartup -benchtime 20x

// frame is one Update and one View: what a message costs before it is on screen.
func frame(m *ui.Model, msg tea.Msg) (time.Duration, tea.Cmd) {
	start := time.Now()
	_, cmd := m.Update(msg)
	_ = m.View()
	return time.Since(start), cmd
}

// settleAll delivers every answer a command produces, timing each as a frame.
func settleAll(m *ui.Model, cmd tea.Cmd, frames *[]time.Duration) {
	viewstest.Settle(cmd, 0, run, func(msg tea.Msg) tea.Cmd {
		if _, ok := msg.(tea.QuitMsg); ok {
			return nil
		}
		d, next := frame(m, msg)
		if frames != nil {
			*frames = append(*frames, d)
		}
		return next
	})
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

// history100k is a service whose ledger holds 100,000 transactions of bench@example.com, and a
// client signed in as them. Built once per process.
var history100k = sync.OnceValues(func() (*service.Service, error) {
	keyring.MockInit()
	dir, err := osTempDir()
	if err != nil {
		return nil, err
	}
	svc, err := service.Start(context.Background(), service.Options{Addr: "127.0.0.1:0",
		DBPath: filepath.Join(dir, "ledger.db")})
	if err != nil {
		return nil, err
	}
	return svc, nil
})

const benchMe, benchPassword = "bench@example.com", "bench-password-1"

func benchClient(b *testing.B) (*service.Service, *client.Client) {
	b.Helper()
	svc, err := history100k()
	if err != nil {
		b.Fatal(err)
	}
	cfg := client.DefaultConfig()
	cfg.ServiceURL, cfg.DataDir, cfg.RateLimitPerMinute = svc.URL, b.TempDir(), 1_000_000
	cfg.AuditLogging = false
	c, err := client.New(cfg, client.WithTokenStore(client.NewMemoryStore()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := svc.Ledger.AccountByEmail(ctx, benchMe); err != nil {
		if _, err := c.Register(ctx, benchMe, benchPassword, nil); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		seedLedger(b, svc.Ledger, benchMe, 100_000)
		b.Logf("seeded 100,000 transactions in %v", time.Since(start).Round(time.Millisecond))
	}
	if _, err := c.Login(ctx, benchMe, benchPassword); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return svc, c
}

// historyStats is what the History screen reports about what it holds.
type historyStats interface {
	Loaded() int
	PageSize() int
}

// BenchmarkHistoryKeypress measures keypress to rendered frame (root Update + View, History on
// screen, 100×30) while scrolling through 100,000 transactions: mostly ↓, some pgdn, a few ↑.
// Pages load from the real service over loopback as the cursor nears the edge of what is held;
// those loads run outside the timed frame (as commands do), and the frame that puts an arrived
// page on screen is timed separately (page-p99). rows-held is the most rows History ever held.
func BenchmarkHistoryKeypress(b *testing.B) {
	_, c := benchClient(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := ui.New(ui.Options{Ctx: ctx, Client: c, Theme: "default", Server: "embedded",
		ExportDir: b.TempDir(), PayThreshold: 1000 * money.Scale, Dark: true})
	defer m.Shutdown()
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	settleAll(m, func() tea.Msg { return views.SignedInMsg{Session: c.Session()} }, nil)
	_, cmd := m.Update(press("3"))
	settleAll(m, cmd, nil)
	h, ok := m.Screen(views.HistoryScreen).(historyStats)
	if !ok || h.Loaded() == 0 {
		b.Fatalf("History did not load (%T)", m.Screen(views.HistoryScreen))
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	keys := make([]time.Duration, 0, b.N)
	var pages []time.Duration
	maxHeld := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := "down"
		switch {
		case i%20 == 7:
			k = "pgdown"
		case i%20 == 13:
			k = "up"
		}
		d, cmd := frame(m, press(k))
		keys = append(keys, d)
		if cmd != nil {
			b.StopTimer()
			settleAll(m, cmd, &pages)
			b.StartTimer()
		}
		maxHeld = max(maxHeld, h.Loaded())
	}
	b.StopTimer()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(percentile(keys, 0.50).Microseconds()), "p50-µs/key")
	b.ReportMetric(float64(percentile(keys, 0.99).Microseconds()), "p99-µs/key")
	b.ReportMetric(float64(percentile(keys, 1).Microseconds()), "max-µs/key")
	b.ReportMetric(float64(percentile(pages, 0.99).Microseconds()), "page-p99-µs")
	b.ReportMetric(float64(maxHeld), "rows-held")
	b.ReportMetric(float64(h.PageSize()), "page-size")
	b.ReportMetric(float64(len(pages)), "pages-loaded")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1024, "heap-growth-KiB")
	if maxHeld > 3*h.PageSize() {
		b.Errorf("History held %d rows, more than three pages of %d", maxHeld, h.PageSize())
	}
}

// BenchmarkStartup measures start-up to the first frame of the sign-in screen with the embedded
// service: open the log, start the service (ledger, keys, listener), create the demo accounts,
// build the client and the root model, lay out 100×30 and render. cold starts on an empty data
// directory (the ledger is created); warm on one that exists.
func BenchmarkStartup(b *testing.B) {
	for _, warm := range []bool{false, true} {
		name := "cold"
		if warm {
			name = "warm"
		}
		b.Run(name, func(b *testing.B) {
			keyring.MockInit()
			shared := b.TempDir()
			if warm {
				a, err := Start(context.Background(), Options{Config: benchConfig(shared), TokenStore: client.NewMemoryStore()})
				if err != nil {
					b.Fatal(err)
				}
				_ = a.Close()
			}
			for b.Loop() {
				dir := shared
				if !warm {
					b.StopTimer()
					dir = b.TempDir()
					b.StartTimer()
				}
				ctx, cancel := context.WithCancel(context.Background())
				a, err := Start(ctx, Options{Config: benchConfig(dir), TokenStore: client.NewMemoryStore()})
				if err != nil {
					b.Fatal(err)
				}
				m := a.Model(ctx)
				m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
				if v := m.View().Content; !strings.Contains(v, "Sign in") {
					b.Fatal("the first frame is not the sign-in screen")
				}
				b.StopTimer()
				cancel()
				_ = a.Close()
				b.StartTimer()
			}
		})
	}
}

func benchConfig(dir string) config.Config {
	cfg := config.Default()
	cfg.Client.DataDir = dir
	return cfg
}

// run runs a command as the program would; the live stream waits for the service's events.
func run(cmd tea.Cmd) []tea.Msg { return viewstest.Exec(cmd, viewstest.Bound, "events.(*Stream).") }

func press(k string) tea.KeyPressMsg { return viewstest.Key(k) }
