package server

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// Readiness: GET /readyz tells a load balancer whether this instance can serve now. /healthz says
// the process answers; /readyz also asks the ledger (one indexed read) and every Config.Ready
// check (Redis, when limits are shared), each within readyTimeout, all at once.
//
// 200 {"status": "ok", "checks": {"ledger": "ok", "redis": "ok"}}; when one fails, 503 with the
// error shape ({code: "unavailable", message}) plus "status": "unavailable" and the same checks,
// the failed ones as "unreachable". No error text reaches the body; the failure is logged.

const readyTimeout = 2 * time.Second

// Readiness is the body of GET /readyz.
type Readiness struct {
	Status  string            `json:"status"` // "ok" or "unavailable"
	Code    string            `json:"code,omitempty"`
	Message string            `json:"message,omitempty"`
	Checks  map[string]string `json:"checks"` // name → "ok" or "unreachable"
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	checks := map[string]func(context.Context) error{"ledger": s.pingLedger}
	for name, f := range s.cfg.Ready {
		if f != nil && name != "ledger" {
			checks[name] = f
		}
	}
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		body   = Readiness{Status: "ok", Checks: make(map[string]string, len(checks))}
		failed []string
	)
	for name, f := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			err := f(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				body.Checks[name] = "unreachable"
				failed = append(failed, name)
				s.log.Warn("readiness check failed", "check", name, "error", err.Error())
				return
			}
			body.Checks[name] = "ok"
		})
	}
	wg.Wait()
	if len(failed) == 0 {
		writeJSON(w, http.StatusOK, body)
		return nil
	}
	sort.Strings(failed)
	body.Status, body.Code = "unavailable", api.CodeUnavailable
	body.Message = "This instance cannot reach " + joinNames(failed) + " now: send requests to another one."
	w.Header().Set(api.HeaderRetryAfter, "5")
	writeJSON(w, http.StatusServiceUnavailable, body)
	return nil
}

// pingLedger reads the system account: any answer from the store, not-found included, is one.
func (s *Server) pingLedger(ctx context.Context) error {
	_, err := s.ledger.AccountByEmail(ctx, s.cfg.SystemEmail)
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return err
	}
	return nil
}

func joinNames(names []string) string {
	switch len(names) {
	case 1:
		return "its " + names[0]
	default:
		out := "its "
		for i, n := range names {
			switch {
			case i == 0:
			case i == len(names)-1:
				out += " and "
			default:
				out += ", "
			}
			out += n
		}
		return out
	}
}
