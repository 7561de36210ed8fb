package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// A full ledger storage (ledger.ErrStorageFull) is the service's condition, not the caller's
// mistake: every write answers 503 unavailable, with Retry-After and a sentence that says so, and
// nothing moves. The ledger recovers by itself once space is freed, so no restart is needed.

// storageRetryAfter is the Retry-After of a 503 for a full storage: freeing space takes a person.
const storageRetryAfter = 60 * time.Second

// storageLogEvery bounds how often a full storage is logged: at most once a minute, with the
// count of requests refused since the last line, however many arrive.
const storageLogEvery = time.Minute

func errStorageFull() *api.Error {
	return &api.Error{Code: api.CodeUnavailable,
		Message: "The service's storage is full, so it cannot record anything right now; try again in a few minutes."}
}

// storageAlarm logs a full storage once per storageLogEvery. The zero value is ready.
type storageAlarm struct {
	mu      sync.Mutex
	last    time.Time // when it was last logged
	refused int       // requests refused since then
}

// note counts one refused request and logs when the last line is older than storageLogEvery.
func (s *Server) noteStorageFull(ctx context.Context, requestID string, err error) {
	a := &s.storage
	now := s.now()
	a.mu.Lock()
	a.refused++
	if !a.last.IsZero() && now.Sub(a.last) < storageLogEvery {
		a.mu.Unlock()
		return
	}
	refused := a.refused
	a.last, a.refused = now, 0
	a.mu.Unlock()
	s.log.ErrorContext(ctx, "ledger storage is full: writes answer 503 until space is freed",
		"requestId", requestID, "refused", refused, "every", storageLogEvery.String(), "error", err.Error())
}

func setStorageRetryAfter(w http.ResponseWriter) {
	w.Header().Set(api.HeaderRetryAfter, strconv.Itoa(int(storageRetryAfter/time.Second)))
}
