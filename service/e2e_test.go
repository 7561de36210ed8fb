package service

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
)

// TestWalletsOverTheWire runs the assembled service (ledger, auth, hub, HTTP) and two real clients:
// ada pays bob, bob's live stream delivers the payment and his new balance, and signing bob out
// everywhere closes his stream for good.
func TestWalletsOverTheWire(t *testing.T) {
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/syftwallet-tests-use-the-mock") // the mock, not the kernel keyring
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	svc, err := Start(ctx, Options{Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "ledger.db"),
		WelcomeCredit: 100 * money.Scale})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := svc.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	newClient := func() *client.Client {
		cfg := client.DefaultConfig()
		cfg.ServiceURL = svc.URL
		cfg.DataDir = t.TempDir()
		c, err := client.New(cfg, client.WithTokenStore(client.NewMemoryStore()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	ada, bob := newClient(), newClient()
	for _, r := range []struct {
		c     *client.Client
		email string
	}{{ada, "ada@example.com"}, {bob, "bob@example.com"}} {
		reg, err := r.c.Register(ctx, r.email, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.c.Login(ctx, r.email, reg.Password); err != nil {
			t.Fatal(err)
		}
	}
	if bob.Legacy() || !bob.EventsAvailable() {
		t.Fatal("the assembled service should offer the enhanced API and events")
	}

	stream := events.NewStream(events.Options{URL: svc.URL, Token: bob.AccessToken, Refresh: bob.Refresh,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	runErr := make(chan error, 1)
	go func() { runErr <- stream.Run(ctx) }()
	defer stream.Close()
	waitLive := func() {
		for {
			it, err := stream.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if it.Kind == events.KindState && it.State.Phase == events.Live {
				return
			}
		}
	}
	waitLive()

	tx, err := ada.Pay(ctx, client.PayRequest{Recipient: "bob@example.com", Amount: 12_500_000, Memo: "lunch"})
	if err != nil {
		t.Fatal(err)
	}
	var gotPayment, gotBalance bool
	for !(gotPayment && gotBalance) {
		it, err := stream.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if it.Kind != events.KindEvent {
			continue
		}
		switch it.Event.Type {
		case api.EventPaymentReceived:
			gotPayment = string(it.Event.Data) != "" && contains(it.Event.Data, tx.ID)
		case api.EventBalanceUpdated:
			gotBalance = contains(it.Event.Data, `"balance":112.5`)
		}
	}

	// Signing out everywhere revokes the stream's session: the server closes it with 4001.
	if err := bob.LogoutAll(ctx); err != nil {
		t.Fatal(err)
	}
	// Keep reading (the stream delivers session.revoked first) until it stops for good.
	deadline := time.Now().Add(5 * time.Second)
	for {
		it, err := stream.Next(ctx)
		if err != nil || (it.Kind == events.KindState && it.State.Phase == events.Offline) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("revoked session's stream still open")
		}
	}
	select {
	case err := <-runErr:
		if !errors.Is(err, events.ErrSessionRevoked) {
			t.Fatalf("stream ended with %v, want session revoked", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("revoked session's stream still running")
	}

	// The events route needs a bearer token like everything else.
	resp, err := http.Get(svc.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /events without a token: %d", resp.StatusCode)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
