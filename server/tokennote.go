package server

import (
	"context"
	"sync"
	"time"
)

// The service tells the ledger how long the delegation tokens it signs may be presented, before
// it signs them out (Config.KeyStore; docs/api-decisions.md, "Keys").

// signedNote is how long the delegation tokens signed so far may be presented, as last recorded in
// Config.KeyStore.
type signedNote struct {
	mu    sync.Mutex
	until time.Time
}

// tokenNoteSlack: a recorded bound covers the tokens signed in the next minute too, so that
// signing tokens costs the ledger at most one write a minute.
const tokenNoteSlack = time.Minute

// noteTokenSigned makes sure the ledger knows, before a token goes out, that a delegation token
// signed now by this keyset may be presented until now + TokenTTL: a ledger with such tokens
// outstanding depends on the signing key (docs/api-decisions.md, "Keys").
func (s *Server) noteTokenSigned(ctx context.Context) error {
	if s.cfg.KeyStore == nil {
		return nil
	}
	exp := s.now().Add(s.cfg.TokenTTL)
	s.signed.mu.Lock()
	defer s.signed.mu.Unlock()
	if !exp.After(s.signed.until) {
		return nil
	}
	until := exp.Add(tokenNoteSlack)
	if err := s.cfg.KeyStore.NoteTokensSigned(ctx, s.cfg.Keys.KID(), until); err != nil {
		return err
	}
	s.signed.until = until
	return nil
}
