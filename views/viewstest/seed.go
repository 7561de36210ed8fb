package viewstest

import (
	"os"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// Standard is the fake every screen and root test starts from: me@example.com with 250.00, and
// ada@ and grace@example.com with 1,000.00 each, to pay and be paid by.
func Standard() *Client {
	return New(map[string]money.Micros{
		"me@example.com":    250 * money.Scale,
		"ada@example.com":   1000 * money.Scale,
		"grace@example.com": 1000 * money.Scale,
	})
}

// Seed gives me@example.com six transactions over the last 26 days, one of them pending: the
// history the golden frames and the dashboard tests show.
func Seed(fc *Client) {
	at := Epoch
	fc.AddTx("ada@example.com", "me@example.com", 12_500_000, api.StatusCompleted, "coffee ☕", at.Add(-26*24*time.Hour))
	fc.AddTx("me@example.com", "grace@example.com", 40*money.Scale, api.StatusCompleted, "rent share", at.Add(-12*24*time.Hour))
	fc.AddTx("grace@example.com", "me@example.com", 5*money.Scale, api.StatusCompleted, "", at.Add(-3*24*time.Hour))
	fc.AddTx("me@example.com", "ada@example.com", 7*money.Scale, api.StatusPending, "book club", at.Add(-2*time.Hour))
	fc.AddTx("ada@example.com", "me@example.com", 1_750_000, api.StatusCompleted, "taxi home", at.Add(-10*time.Minute))
	fc.AddTx("grace@example.com", "me@example.com", 2*money.Scale, api.StatusCompleted, "lunch split", at.Add(-2*time.Minute))
}

// Main runs a package's tests with the local zone pinned to UTC (dates in frames and filters),
// set once before any test runs; a TestMain calls it.
func Main(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}
