package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// A ledger from before migration 0003 (schema version 2): its sealed secrets have no key id (the
// service finds out which key opens them), and its challenges, stored with their ids in clear,
// are dropped.
func TestMigrationFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:2] {
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`PRAGMA user_version = 2`,
		`INSERT INTO accounts (id, email, created_at, mfa_enabled, mfa_secret, mfa_pending) VALUES ('acct-1', 'ada@example.com', 0, 1, x'0102', NULL)`,
		`INSERT INTO accounts (id, email, created_at, mfa_pending) VALUES ('acct-2', 'bob@example.com', 0, x'0304')`,
		`INSERT INTO challenges (id, account, expires_at) VALUES ('challenge-id-in-clear', 1, 9999999999999)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.rdb.QueryRow(`SELECT COUNT(*) FROM challenges`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("challenges after the migration: %d, %v", n, err)
	}
	if _, err := s.Challenge(ctx, "challenge-id-in-clear"); err == nil {
		t.Fatal("a challenge from before the migration still answers")
	}
	u, err := s.KeyUse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.Recorded != (ledger.KeyIDs{}) || len(u.Legacy) != 2 || u.Empty() {
		t.Fatalf("key use of a version-2 ledger: %+v", u)
	}
	var legacy []ledger.LegacySecret
	for _, l := range u.Legacy {
		switch {
		case l.AccountID == "acct-1" && !l.Pending && string(l.Sealed) == "\x01\x02":
			l.KeyID = "data-1"
		case l.AccountID == "acct-2" && l.Pending && string(l.Sealed) == "\x03\x04":
			l.KeyID = ledger.UnknownKey
		default:
			t.Fatalf("legacy secret %+v", l)
		}
		legacy = append(legacy, l)
	}
	ids := ledger.KeyIDs{Signing: "sig-1", Data: "data-1"}
	if err := s.AdoptKeys(ctx, ids, legacy); err != nil {
		t.Fatal(err)
	}
	u, err = s.KeyUse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.Recorded != ids || u.MFAAccounts != 1 || u.Pending != 0 || len(u.Legacy) != 0 {
		t.Fatalf("after AdoptKeys: %+v", u)
	}
	if m, _ := s.MFA(ctx, "acct-1"); m.SecretKey != "data-1" {
		t.Errorf("acct-1's secret attributed to %q", m.SecretKey)
	}
	if m, _ := s.MFA(ctx, "acct-2"); m.PendingKey != ledger.UnknownKey {
		t.Errorf("acct-2's pending secret attributed to %q", m.PendingKey)
	}
}

// ReplaceKeys ends what the old keys held: every session (with its session.revoked event), every
// enrollment sealed by another key; enabled secrets stay, attributed to the key that sealed them.
func TestReplaceKeys(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	old := ledger.KeyIDs{Signing: "sig-1", Data: "data-1"}
	if err := s.AdoptKeys(ctx, old, nil); err != nil {
		t.Fatal(err)
	}
	ada := mkAccount(t, s, "ada@example.com", 0)
	bob := mkAccount(t, s, "bob@example.com", 0)
	if err := s.SetPendingMFA(ctx, ada.ID, []byte("sealed-a"), old.Data); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableMFA(ctx, ada.ID, 1, [][]byte{[]byte("rc")}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPendingMFA(ctx, bob.ID, []byte("sealed-b"), old.Data); err != nil {
		t.Fatal(err)
	}
	sess, err := s.CreateSession(ctx, ledger.NewSession{AccountID: bob.ID, RefreshHash: []byte("r1"), RefreshTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s.KeyUse(ctx)
	if u.MFAAccounts != 1 || u.Pending != 1 || u.LiveSessions != 1 || u.Empty() {
		t.Fatalf("key use: %+v", u)
	}

	neu := ledger.KeyIDs{Signing: "sig-2", Data: "data-2"}
	revoked, err := s.ReplaceKeys(ctx, neu)
	if err != nil {
		t.Fatal(err)
	}
	if len(revoked) != 1 || revoked[0] != sess.ID {
		t.Fatalf("revoked %v", revoked)
	}
	if got, _ := s.Session(ctx, sess.ID); got.Live() {
		t.Fatal("session still live")
	}
	evs, _ := s.EventsAfter(ctx, bob.ID, 0, 0)
	if last := evs[len(evs)-1]; last.Type != api.EventSessionRevoked {
		t.Errorf("last event of bob: %s", last.Type)
	}
	if m, _ := s.MFA(ctx, bob.ID); m.Pending != nil {
		t.Error("an enrollment sealed by the old key survived")
	}
	if m, _ := s.MFA(ctx, ada.ID); !m.Enabled || m.SecretKey != old.Data {
		t.Errorf("ada's secret: enabled %v, key %q", m.Enabled, m.SecretKey)
	}
	u, _ = s.KeyUse(ctx)
	if u.Recorded != neu || !u.Empty() {
		t.Fatalf("after ReplaceKeys: %+v", u)
	}
}

// TestSignedTokensDependOnTheirKey: a delegation token that may still be presented makes the
// ledger depend on the key that signed it, until it expires or the keys are replaced; the latest
// time noted is kept.
func TestSignedTokensDependOnTheirKey(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	s, err := Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := ledger.KeyIDs{Signing: "kid-1", Data: "data-1"}
	if err := s.AdoptKeys(ctx, ids, nil); err != nil {
		t.Fatal(err)
	}
	use := func() ledger.KeyUse {
		t.Helper()
		u, err := s.KeyUse(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if !use().Empty() {
		t.Fatal("a new ledger depends on its keys")
	}
	later := now.Add(24 * time.Hour).Truncate(time.Millisecond)
	for _, until := range []time.Time{later, now.Add(time.Hour)} { // an earlier note keeps the later
		if err := s.NoteTokensSigned(ctx, "kid-1", until); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.NoteTokensSigned(ctx, "kid-other", now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u := use(); u.Empty() || !u.TokensUntil.Equal(later) {
		t.Fatalf("tokens until %v (empty %v); want %v", u.TokensUntil, u.Empty(), later)
	}
	now = later.Add(time.Millisecond)
	if u := use(); !u.Empty() {
		t.Fatalf("expired tokens still count: %+v", u)
	}
	now = later.Add(-time.Hour)
	if _, err := s.ReplaceKeys(ctx, ledger.KeyIDs{Signing: "kid-2", Data: "data-2"}); err != nil {
		t.Fatal(err)
	}
	if u := use(); !u.Empty() {
		t.Fatalf("tokens of replaced keys still count: %+v", u)
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT COUNT(*) FROM signed_tokens`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("signed_tokens rows after replacing the keys: %d %v", n, err)
	}
}
