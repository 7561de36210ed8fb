package server

import (
	"testing"

	"github.com/syftbox/syftwallet/api"
)

// TestPayeesSpareTheRecipientRead: the second payment to the same person does not read the
// recipient's account before the ledger; paying yourself and paying nobody are still refused the
// same way, however often the address was paid before.
func TestPayeesSpareTheRecipientRead(t *testing.T) {
	reads := &emailReads{of: "bob@example.com"} // ada signs in with Basic: her own reads are not counted
	e := newEnv(t, reads.hook)
	ada := e.newUser("ada@example.com", "100")
	bob := e.newUser("bob@example.com", "100")
	pay := func(u *user, to string) resp {
		return u.do("POST", "/payments", map[string]any{"recipientEmail": to, "amount": 1})
	}
	pay(ada, "bob@example.com").want(t, 201)
	before := reads.n.Load()
	for range 5 {
		pay(ada, "Bob@Example.com").want(t, 201)
	}
	if got := reads.n.Load() - before; got != 0 {
		t.Fatalf("%d recipient reads for 5 payments to a known payee, want 0", got)
	}
	// bob is a known payee now: paying himself is still refused.
	pay(bob, "bob@example.com").want(t, 400, api.CodeInvalidRequest, "recipientEmail")
	pay(ada, "nobody@example.com").want(t, 400, api.CodeInvalidRequest, "recipientEmail")
	pay(ada, "nobody@example.com").want(t, 400, api.CodeInvalidRequest, "recipientEmail")
	var b api.UserBody
	bob.do("GET", "/account", nil).want(t, 200).decode(t, &b)
	if b.User.Balance != 106_000_000 {
		t.Fatalf("bob's balance %s, want 106", b.User.Balance)
	}
}
