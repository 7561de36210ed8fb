package server

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// sessionSpy counts the AuthStore's session reads and can hold one read after it was made (to
// let a revocation happen between the read and what the server does with it).
type sessionSpy struct {
	ledger.AuthStore
	reads   atomic.Int64
	hold    atomic.Bool   // the next read waits for release, after reading
	read    chan struct{} // the held read was made
	release chan struct{}
}

func (s *sessionSpy) Session(ctx context.Context, id string) (ledger.Session, error) {
	s.reads.Add(1)
	sess, err := s.AuthStore.Session(ctx, id)
	if s.hold.CompareAndSwap(true, false) {
		s.read <- struct{}{}
		<-s.release
	}
	return sess, err
}

func spyOn(spy *sessionSpy) func(*Config) {
	return func(c *Config) { spy.AuthStore = c.Auth; c.Auth = spy }
}

func newSpy() *sessionSpy {
	return &sessionSpy{read: make(chan struct{}), release: make(chan struct{})}
}

// TestSessionCacheSkipsTheSessionRead: a token's session is read once, not per request; a
// forged or expired token never gets that far.
func TestSessionCacheSkipsTheSessionRead(t *testing.T) {
	spy := newSpy()
	e := newEnv(t, spyOn(spy))
	ada := e.newUser("ada@example.com", "10")
	tk := ada.login()
	before := spy.reads.Load()
	for range 20 {
		e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 200)
	}
	if got := spy.reads.Load() - before; got != 1 {
		t.Fatalf("%d session reads for 20 requests with one token, want 1", got)
	}
	// Balances stay current: the account is still read per request.
	bob := e.newUser("bob@example.com", "")
	e.do("POST", "/payments", map[string]any{"recipientEmail": bob.email, "amount": 2.5}, bearer(tk.AccessToken)...).want(t, 201)
	var b api.UserBody
	e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 200).decode(t, &b)
	if b.User.Balance != 7_500_000 {
		t.Fatalf("balance %s after paying 2.5 of 10", b.User.Balance)
	}
	// A tampered token is checked in full, and refused.
	bad := tk.AccessToken[:len(tk.AccessToken)-2] + "AA"
	if bad == tk.AccessToken {
		bad = tk.AccessToken[:len(tk.AccessToken)-2] + "BB"
	}
	e.do("GET", "/account", nil, bearer(bad)...).want(t, 401, api.CodeUnauthenticated)
	// An expired one too, though it was remembered.
	e.skew.Add(int64(e.s.cfg.AccessTTL))
	e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 401, api.CodeUnauthenticated)
}

// TestRevokedSessionRefusedAtOnceWhenCached: every way a session is revoked through the service
// (logout, logout-all, a password change by Bearer and by Basic, a reused refresh token) refuses
// the session's next request with 401, though its token was remembered by the session cache.
func TestRevokedSessionRefusedAtOnceWhenCached(t *testing.T) {
	e := newEnv(t)
	n := 0
	for _, tc := range []struct {
		name   string
		revoke func(u *user, victim, other api.Tokens)
	}{
		{"logout", func(u *user, victim, other api.Tokens) {
			e.do("POST", "/auth/logout", nil, bearer(victim.AccessToken)...).want(t, 204)
		}},
		{"logout-all", func(u *user, victim, other api.Tokens) {
			e.do("POST", "/auth/logout-all", nil, bearer(other.AccessToken)...).want(t, 204)
		}},
		{"password by bearer", func(u *user, victim, other api.Tokens) {
			e.do("POST", "/auth/password", api.PasswordChange{OldPassword: u.pw, NewPassword: "another password"},
				bearer(other.AccessToken)...).want(t, 204)
		}},
		{"password by basic", func(u *user, victim, other api.Tokens) {
			u.do("PUT", "/user/update-password", api.PasswordChange{OldPassword: u.pw, NewPassword: "another password"}).want(t, 200)
		}},
		{"refresh reused", func(u *user, victim, other api.Tokens) {
			e.refresh(victim.RefreshToken).want(t, 200)
			e.refresh(victim.RefreshToken).want(t, 401, api.CodeUnauthenticated)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n++
			u := e.newUser("user"+string(rune('a'+n))+"@example.com", "")
			victim, other := u.login(), u.login()
			for range 3 { // remembered now
				e.do("GET", "/account", nil, bearer(victim.AccessToken)...).want(t, 200)
			}
			tc.revoke(u, victim, other)
			e.do("GET", "/account", nil, bearer(victim.AccessToken)...).want(t, 401, api.CodeUnauthenticated)
			e.do("POST", "/payments", map[string]any{"recipientEmail": "nobody@example.com", "amount": 1},
				bearer(victim.AccessToken)...).want(t, 401, api.CodeUnauthenticated)
		})
	}
}

// TestSessionReadBeforeRevocationIsNotRemembered: a request whose session read (live) was made
// before a logout, and whose answer comes after it, must not put the revoked session back in the
// cache: the next request is refused.
func TestSessionReadBeforeRevocationIsNotRemembered(t *testing.T) {
	spy := newSpy()
	e := newEnv(t, spyOn(spy))
	ada := e.newUser("ada@example.com", "")
	tk := ada.login()
	spy.hold.Store(true)
	done := make(chan resp)
	go func() { done <- e.do("GET", "/account", nil, bearer(tk.AccessToken)...) }()
	<-spy.read // the session was read live; the request is held before it uses that
	e.do("POST", "/auth/logout", nil, bearer(tk.AccessToken)...).want(t, 204)
	close(spy.release)
	<-done // began before the logout: may be answered either way
	e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 401, api.CodeUnauthenticated)
}

// TestSessionsRevokedElsewhere: a revocation another instance reports through SessionsRevoked
// ends the remembered token at once.
func TestSessionsRevokedElsewhere(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	tk := ada.login()
	e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 200)
	sid := claims(t, tk.AccessToken)["sid"].(string)
	// Revoked in the shared ledger by "another instance": not through this server's handlers.
	if _, err := e.store.RevokeSession(context.Background(), sid, "logout"); err != nil {
		t.Fatal(err)
	}
	e.s.SessionsRevoked([]string{sid})
	e.do("GET", "/account", nil, bearer(tk.AccessToken)...).want(t, 401, api.CodeUnauthenticated)
}
