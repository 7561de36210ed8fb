package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/ledger/postgres"
)

// A database URL's password never reaches the error Open returns (which serve logs and prints),
// whether the URL cannot be parsed or the server cannot be reached. Needs no PostgreSQL: port 1
// on loopback refuses at once.
func TestOpenErrorsHideThePassword(t *testing.T) {
	const pw = "s3cret-Pw-9731"
	for _, url := range []string{
		"postgres://wallet:" + pw + "@127.0.0.1:1/wallet?sslmode=disable&connect_timeout=2",
		"postgres://wallet:" + pw + "@127.0.0.1:1/wallet?sslmode=bogus",
		"host=127.0.0.1 port=1 user=wallet password=" + pw + " dbname=wallet sslmode=disable connect_timeout=2",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := postgres.Open(ctx, url, postgres.Options{})
		cancel()
		if err == nil {
			s.Close()
			t.Fatalf("Open(%q) succeeded against port 1", strings.ReplaceAll(url, pw, "…"))
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("the password is in the error: %v", err)
		}
	}
}
