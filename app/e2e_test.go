package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/zalando/go-keyring"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/service"
	"github.com/syftbox/syftwallet/ui"
	"github.com/syftbox/syftwallet/ui/uitest"
)

// End to end: the real service in this process (a ledger in a temporary directory), the real
// client over loopback, the real root model in a teatest program.

func startService(t *testing.T) *service.Service {
	t.Helper()
	keyring.MockInit()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := service.Start(ctx, service.Options{
		Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "ledger.db"), WelcomeCredit: service.WelcomeCredit,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = svc.Wait()
	})
	return svc
}

func newClient(t *testing.T, svc *service.Service) *client.Client {
	t.Helper()
	cfg := client.DefaultConfig()
	cfg.ServiceURL = svc.URL
	cfg.DataDir = t.TempDir()
	cfg.Timeout = 10 * time.Second
	c, err := client.New(cfg, client.WithTokenStore(client.NewMemoryStore()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func register(t *testing.T, c *client.Client, email, password string) {
	t.Helper()
	if _, err := c.Register(context.Background(), email, password, nil); err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
}

// probe wraps the root model so that a test can read its frame from the program's own goroutine
// (the renderer only repaints what changed, so the output stream is no place to look for text).
type probe struct{ m *ui.Model }

// snapshotMsg asks for the frame: as plain text, or raw (as the terminal gets it, styles included).
type snapshotMsg struct {
	reply chan string
	raw   bool
}

func (p probe) Init() tea.Cmd { return p.m.Init() }
func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(snapshotMsg); ok {
		if s.raw {
			s.reply <- p.m.View().Content
		} else {
			s.reply <- ansi.Strip(p.m.View().Content)
		}
		return p, nil
	}
	_, cmd := p.m.Update(msg)
	return p, cmd
}
func (p probe) View() tea.View { return p.m.View() }

// wallet is one running TUI.
type wallet struct {
	tm     *teatest.TestModel
	m      *ui.Model
	cancel context.CancelFunc
}

func openWallet(t *testing.T, c *client.Client) *wallet { return openWalletAt(t, c, 100, 30) }

// openWalletAt opens the wallet of c in a dark w×h terminal.
func openWalletAt(t *testing.T, c *client.Client, width, height int) *wallet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := ui.New(ui.Options{
		Ctx: ctx, Client: c, Theme: "default", Server: "embedded", Embedded: true,
		ExportDir: t.TempDir(), PayThreshold: 1000 * money.Scale, PollEvery: time.Second, Dark: true,
	})
	tm := uitest.Program(t, probe{m}, width, height, true)
	w := &wallet{tm: tm, m: m, cancel: cancel}
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		m.Shutdown()
		cancel()
	})
	return w
}

func (w *wallet) typeText(s string) {
	for _, r := range s {
		w.tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (w *wallet) key(code rune, mod tea.KeyMod) { w.tm.Send(tea.KeyPressMsg{Code: code, Mod: mod}) }

// screen is the wallet's current frame as plain text.
func (w *wallet) screen() string { return w.snapshot(false) }

// rawFrame is the wallet's current frame as the terminal gets it, styles included.
func (w *wallet) rawFrame() string { return w.snapshot(true) }

func (w *wallet) snapshot(raw bool) string {
	reply := make(chan string, 1)
	w.tm.Send(snapshotMsg{reply: reply, raw: raw})
	select {
	case s := <-reply:
		return s
	case <-time.After(5 * time.Second):
		return ""
	}
}

// waitFor waits until the frame shows every text in want.
func (w *wallet) waitFor(t *testing.T, what string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = w.screen()
		ok := true
		for _, x := range want {
			if !strings.Contains(s, x) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("waiting for %s (%q), the screen shows:\n%s", what, want, s)
}

func (w *wallet) signIn(t *testing.T, email, password string) {
	t.Helper()
	w.waitFor(t, "sign-in screen", "create an account")
	w.typeText(email)
	w.key(tea.KeyTab, 0)
	w.typeText(password)
	w.key(tea.KeyEnter, 0)
	w.waitFor(t, "dashboard", "Recent transactions")
}

func TestEndToEndPayAndSeeItLive(t *testing.T) {
	svc := startService(t)
	alice, bob := newClient(t, svc), newClient(t, svc)
	register(t, alice, "alice@example.com", "alice-password")
	register(t, bob, "bob@example.com", "bob-password")

	// Bob's wallet is open and signed in, following his events.
	wb := openWallet(t, bob)
	wb.signIn(t, "bob@example.com", "bob-password")
	if bob.EventsAvailable() {
		wb.waitFor(t, "live feed", "● live")
	}

	// Alice signs in and pays Bob 12.50 through the Pay screen: review, then y.
	wa := openWallet(t, alice)
	wa.signIn(t, "alice@example.com", "alice-password")
	wa.typeText("p") // p on the dashboard opens Pay with the recipient focused
	wa.waitFor(t, "pay form", "Pay someone")
	wa.typeText("bob@example.com")
	wa.key(tea.KeyTab, 0)
	wa.typeText("12.50")
	wa.key(tea.KeyTab, 0)
	wa.typeText("lunch 🍜")
	wa.key(tea.KeyEnter, 0)
	wa.waitFor(t, "review", "Review payment", "87.50")
	wa.key(tea.KeyEnter, 0) // enter alone never sends
	wa.waitFor(t, "hint", "enter does not send")
	wa.typeText("y")
	wa.waitFor(t, "result", "✓ Paid")

	// The payment is in Alice's history, on the service.
	page, err := alice.History(context.Background(), client.HistoryQuery{Limit: 5})
	if err != nil || len(page.Transactions) == 0 || page.Transactions[0].RecipientEmail != "bob@example.com" ||
		page.Transactions[0].Amount != 12_500_000 {
		t.Fatalf("history after paying: %+v, %v", page.Transactions, err)
	}
	wa.typeText("3")
	time.Sleep(100 * time.Millisecond)
	if strings.Contains(wa.screen(), "is not available yet") {
		t.Log("the History screen is not in the tree yet; checked the service's history instead")
	} else {
		wa.waitFor(t, "the payment in History", "bob@example.com", "-12.50", "lunch")
	}

	// Bob's wallet shows the toast and the new balance, without him doing anything.
	wb.waitFor(t, "toast and balance", "+12.50 from alice@example.com", "Available 112.50")
}

func TestEndToEndResumeFromKeyring(t *testing.T) {
	svc := startService(t)
	cfg := client.DefaultConfig()
	cfg.ServiceURL, cfg.DataDir = svc.URL, t.TempDir()
	store := client.NewMemoryStore() // stands for the keyring across two starts
	c1, err := client.New(cfg, client.WithTokenStore(store), client.WithServerIdentity("embedded:test"))
	if err != nil {
		t.Fatal(err)
	}
	register(t, c1, "carol@example.com", "carol-password")
	if _, err := c1.Login(context.Background(), "carol@example.com", "carol-password"); err != nil {
		t.Fatal(err)
	}
	_ = c1.Close()

	c2, err := client.New(cfg, client.WithTokenStore(store), client.WithServerIdentity("embedded:test"))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := ui.New(ui.Options{Ctx: ctx, Client: c2, Theme: "default", Server: "embedded", Resume: true,
		ExportDir: t.TempDir(), PayThreshold: 1000 * money.Scale, Dark: true})
	tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(100, 30))
	defer func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		m.Shutdown()
	}()
	w := &wallet{tm: tm, m: m}
	w.waitFor(t, "the resumed dashboard", "carol@example.com", "Recent transactions")
}

func TestEndToEndPayErrorsStayByTheirField(t *testing.T) {
	svc := startService(t)
	dave := newClient(t, svc)
	register(t, dave, "dave@example.com", "dave-password")
	w := openWallet(t, dave)
	w.signIn(t, "dave@example.com", "dave-password")
	w.typeText("p")
	w.waitFor(t, "pay form", "Pay someone")
	w.typeText("nobody@example.com")
	w.key(tea.KeyTab, 0)
	w.typeText("5")
	w.key(tea.KeyEnter, 0)
	w.waitFor(t, "review", "Review payment")
	w.typeText("y")
	w.waitFor(t, "unknown recipient by the recipient field", "No account has the address nobody@example.com", "Pay someone")
	// Fix the address, ask for too much: the service's balance check, by the amount.
	w.key('u', tea.ModCtrl)
	w.typeText("grace@example.com")
	register(t, dave, "grace@example.com", "grace-password")
	w.key(tea.KeyTab, 0)
	w.key('u', tea.ModCtrl)
	w.typeText("100")
	w.key(tea.KeyEnter, 0)
	w.waitFor(t, "review of 100", "Review payment", "100.00 USD")
	w.typeText("y")
	w.waitFor(t, "paid", "✓ Paid")
	w.key(tea.KeyEnter, 0)
	w.typeText("grace@example.com")
	w.key(tea.KeyTab, 0)
	w.typeText("1")
	w.key(tea.KeyEnter, 0)
	w.waitFor(t, "no money left", "Only 0.00 is available")
}
