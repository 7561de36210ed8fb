package app

import (
	"os"
	"sync"
	"testing"
)

var (
	benchDirsMu sync.Mutex
	benchDirs   []string
)

// osTempDir makes a directory that lives as long as the test binary (the 100k-transaction ledger
// is shared by every run of the benchmark in one process); TestMain removes it.
func osTempDir() (string, error) {
	d, err := os.MkdirTemp("", "syftwallet-bench-")
	if err == nil {
		benchDirsMu.Lock()
		benchDirs = append(benchDirs, d)
		benchDirsMu.Unlock()
	}
	return d, err
}

func TestMain(m *testing.M) {
	// A session bus, so that a token store asks go-keyring's mock (the tests' MockInit), never
	// the user's kernel keyring.
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/syftwallet-tests-use-the-mock")
	}
	code := m.Run()
	if len(benchDirs) > 0 { // the benchmark's service ran: stop it before removing its ledger
		if svc, err := history100k(); err == nil && svc != nil {
			_ = svc.Stop()
		}
	}
	for _, d := range benchDirs {
		_ = os.RemoveAll(d)
	}
	os.Exit(code)
}
