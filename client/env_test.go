package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server"
	"github.com/syftbox/syftwallet/server/auth"
)

// The tests run the real accounting service in process over loopback, with
// its SQLite ledger in t.TempDir().

const (
	testAdminKey = "client-tests-admin-key-0123456789"
	testPassword = "correct horse battery staple"
)

// Unit tests use go-keyring's mock, except under SYFTWALLET_REAL_KEYRING=1
// (.ci/run), where the keyring tests talk to the real Secret Service. The
// mock cannot be undone, so tests that need it skip in that mode.
var realKeyring = os.Getenv("SYFTWALLET_REAL_KEYRING") == "1"

func init() {
	if !realKeyring {
		keyring.MockInit()
		// A session bus, so that NewTokenStore asks the mock, never the user's kernel keyring.
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/syftwallet-tests-use-the-mock")
		}
	}
}

// sharedHasher is the services' hasher, with a long wait limit: tests on a loaded machine must
// not see the 503 of a full hash queue.
var sharedHasher = sync.OnceValue(func() *auth.Hasher {
	h, err := auth.NewHasherCapacity(auth.DefaultParams(), auth.Capacity{Concurrent: 8, MaxWait: time.Minute, MaxQueued: 1000})
	if err != nil {
		panic(err)
	}
	return h
})

// svc is a running service.
type svc struct {
	t     testing.TB
	URL   string
	hs    *httptest.Server
	store *sqlite.Store
	srv   *server.Server
	dbDir string // the ledger's directory (ledger.db and its WAL)
}

// fakeClock is a clock tests move by hand; the service and the client share it.
type fakeClock struct{ off atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *fakeClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// svcOpts vary the service: a shared clock, or only the compatible layer.
type svcOpts struct {
	clock  *fakeClock
	noAuth bool // no /auth endpoints and no Bearer: a compatible-only service
}

func startService(t testing.TB) *svc { return startServiceWith(t, svcOpts{}) }

func startServiceWith(t testing.TB, o svcOpts) *svc {
	t.Helper()
	now := time.Now
	if o.clock != nil {
		now = o.clock.Now
	}
	dbDir := t.TempDir()
	store, err := sqlite.Open(context.Background(), filepath.Join(dbDir, "ledger.db"), sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{
		Ledger:   store,
		AdminKey: testAdminKey,
		Hasher:   sharedHasher(),
		Logger:   slog.New(slog.DiscardHandler),
		Now:      now,
	}
	if !o.noAuth {
		configureAuth(&cfg, store)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &svc{t: t, store: store, srv: srv, dbDir: dbDir}
	s.hs = httptest.NewServer(srv.Handler())
	s.URL = s.hs.URL
	t.Cleanup(func() {
		s.hs.Close()
		store.Close()
	})
	return s
}

// admin sends an admin request straight to the service.
func (s *svc) admin(method, path string, body any, out any) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		s.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, rb)
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			s.t.Fatal(err)
		}
	}
}

// credit adds money to an account (a SYSTEM transfer).
func (s *svc) credit(email, amount string) {
	s.t.Helper()
	m, err := money.Parse(amount)
	if err != nil {
		s.t.Fatal(err)
	}
	s.admin(http.MethodPost, "/user/add-balance", api.AddBalanceRequest{RecipientEmail: email, Amount: &m}, nil)
}

// balance reads an account's balance through the admin API.
func (s *svc) balance(email string) money.Micros {
	s.t.Helper()
	var out api.UserBody
	s.admin(http.MethodGet, "/user/"+email, nil, &out)
	return out.User.Balance
}

// count counts the transactions between two accounts, as the ledger has them.
func (s *svc) count(email string) int {
	s.t.Helper()
	acct, err := s.store.AccountByEmail(context.Background(), email)
	if err != nil {
		s.t.Fatal(err)
	}
	page, err := s.store.Transactions(context.Background(), acct.ID, ledgerQueryAll())
	if err != nil {
		s.t.Fatal(err)
	}
	return len(page.Transactions)
}

// testConfig is a config for tests: short backoff, a generous rate limit,
// everything else as shipped.
func testConfig(t testing.TB, url string) Config {
	cfg := DefaultConfig()
	cfg.ServiceURL = url
	cfg.DataDir = t.TempDir()
	cfg.RetryBackoff = 5 * time.Millisecond
	cfg.RateLimitPerMinute = 600000
	cfg.Timeout = 10 * time.Second
	return cfg
}

// newClient builds a client with a memory token store and a quiet logger.
func newClient(t testing.TB, cfg Config, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithTokenStore(NewMemoryStore()), WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	c, err := New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// startAuthService is startService for a test of the /auth endpoints: it skips the test when the
// service has none.
func startAuthService(t testing.TB) *svc {
	t.Helper()
	return startAuthServiceWith(t, svcOpts{})
}

// startAuthServiceWith is startServiceWith for a test of the /auth endpoints.
func startAuthServiceWith(t testing.TB, o svcOpts) *svc {
	t.Helper()
	s := startServiceWith(t, o)
	requireAuth(t, s)
	return s
}

// signUpAt is signUp with a client of its own for s (testConfig).
func signUpAt(t testing.TB, s *svc, email string, opts ...Option) *Client {
	t.Helper()
	return signUp(t, s, testConfig(t, s.URL), email, opts...)
}

// aliceAndBob starts a service and signs up alice (credited 100) and bob, each with a client of
// their own: with sessions (a test of the /auth endpoints, skipped on a service without them),
// or, legacy, in legacy mode (testConfigLegacy).
func aliceAndBob(t testing.TB, legacy bool) (s *svc, alice, bob *Client) {
	t.Helper()
	s = startService(t)
	config := testConfigLegacy
	if !legacy {
		requireAuth(t, s)
		config = testConfig
	}
	alice = signUp(t, s, config(t, s.URL), "alice@example.com")
	bob = signUp(t, s, config(t, s.URL), "bob@example.com")
	s.credit("alice@example.com", "100")
	return s, alice, bob
}

// selfSigningClient registers email on s and returns a fault proxy in front of s and a client
// through it that has the email and password in its Config: it signs in by itself when a call
// needs a session.
func selfSigningClient(t testing.TB, s *svc, email string) (*faultProxy, *Client) {
	t.Helper()
	signUpAt(t, s, email)
	p := newFaultProxy(t, s.URL)
	cfg := testConfig(t, p.URL())
	cfg.Email, cfg.Password = email, testPassword
	return p, newClient(t, cfg)
}

// signUp registers email with the test password and signs a new client in.
func signUp(t testing.TB, s *svc, cfg Config, email string, opts ...Option) *Client {
	t.Helper()
	c := newClient(t, cfg, opts...)
	ctx := context.Background()
	if _, err := c.Register(ctx, email, testPassword, nil); err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	if _, err := c.Login(ctx, email, testPassword); err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return c
}

func mustMicros(t testing.TB, s string) money.Micros {
	t.Helper()
	m, err := money.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
