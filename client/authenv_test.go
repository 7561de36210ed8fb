package client

import (
	"net/http"
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/sqlite"
	"github.com/syftbox/syftwallet/server"
)

// configureAuth wires the service's sign-in sessions (the /auth endpoints)
// into cfg, once the server has them.
func configureAuth(cfg *server.Config, store *sqlite.Store) { cfg.Auth = store }

func ledgerQueryAll() ledger.Query { return ledger.Query{} }

// hasAuth reports whether the service answers POST /auth/login.
func hasAuth(t testing.TB, s *svc) bool {
	res, err := http.Post(s.URL+"/auth/login", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode != http.StatusNotFound
}

// requireAuth skips a test of the enhanced layer's sessions on a service
// that does not have them yet.
func requireAuth(t testing.TB, s *svc) {
	t.Helper()
	if !hasAuth(t, s) {
		t.Skip("the service has no /auth endpoints")
	}
}
