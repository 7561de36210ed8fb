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
