package sqlite

import (
	"context"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
)

// A ledger from before migration 0003 (schema version 2): its sealed secrets have no key id (the
// service finds out which key opens them), and its challenges, stored with their ids in clear,
// are dropped.
func TestMigrationFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := oldLedger(t, 3,
		`INSERT INTO accounts (id, email, created_at, mfa_enabled, mfa_secret, mfa_pending) VALUES ('acct-1', 'ada@example.com', 0, 1, x'0102', NULL)`,
		`INSERT INTO accounts (id, email, created_at, mfa_pending) VALUES ('acct-2', 'bob@example.com', 0, x'0304')`,
		`INSERT INTO challenges (id, account, expires_at) VALUES ('challenge-id-in-clear', 1, 9999999999999)`)
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
