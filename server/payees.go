package server

import (
	lru "github.com/hashicorp/golang-lru/v2"
)

// payees remembers the addresses found to be people's accounts when a payment named them
// (issue 16), so that the next payment to the same person is validated without reading the
// account first. Only that fact is remembered, and it cannot go stale: an account is never
// deleted, never renamed, and never becomes the system account. The ledger still finds the
// recipient inside the payment's own transaction, so this only spares the read that lets a
// payment to nobody be refused before it reaches the ledger.
//
// The memory is bounded: payeeCacheSize addresses, least recently used first out.
type payees struct {
	emails *lru.Cache[string, struct{}]
}

const payeeCacheSize = 65_536

func newPayees() *payees {
	c, err := lru.New[string, struct{}](payeeCacheSize)
	if err != nil {
		panic("server: payees: " + err.Error()) // only for a size < 1
	}
	return &payees{emails: c}
}

// known reports whether email (normalized) was found to be a person's account.
func (p *payees) known(email string) bool { return p.emails.Contains(email) }

// add remembers that email (normalized, as the ledger stores it) is a person's account.
func (p *payees) add(email string) { p.emails.Add(email, struct{}{}) }
