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
// 200 {"status": "ok", "checks": {"ledger": "ok", "redis": "ok"}}. When a required check fails
// (the ledger), 503 with the error shape ({code: "unavailable", message}) plus "status":
// "unavailable" and the same checks, the failed ones as "unreachable". When only an optional
// check fails (Redis: without it the instance still serves, with per-instance limits), 200 with
// "status": "degraded", so that a Redis outage does not take every instance out of the load
// balancer at once. No error text reaches the body; the failure is logged.

// A ReadyCheck is one readiness check. Check must return quickly and honour its context.
// Optional: a failure makes the instance "degraded", not unready.
type ReadyCheck struct {
	Check    func(context.Context) error
	Optional bool
}

const readyTimeout = 2 * time.Second

// Readiness is the body of GET /readyz.
type Readiness struct {
	Status  string            `json:"status"` // "ok", "degraded" or "unavailable"
	Code    string            `json:"code,omitempty"`
	Message string            `json:"message,omitempty"`
	Checks  map[string]string `json:"checks"` // name → "ok" or "unreachable"
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	checks := map[string]ReadyCheck{"ledger": {Check: s.pingLedger}}
	for name, c := range s.cfg.Ready {
		if c.Check != nil && name != "ledger" {
			checks[name] = c
		}
	}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		body     = Readiness{Status: "ok", Checks: make(map[string]string, len(checks))}
		failed   []string
		degraded bool
	)
	for name, c := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			err := c.Check(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				body.Checks[name] = "unreachable"
				if c.Optional {
					degraded = true
				} else {
					failed = append(failed, name)
				}
				s.log.Warn("readiness check failed", "check", name, "error", err.Error())
				return
			}
			body.Checks[name] = "ok"
		})
	}
	wg.Wait()
	if len(failed) == 0 {
		if degraded {
			body.Status = "degraded"
		}
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
