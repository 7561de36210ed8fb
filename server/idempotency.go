package server

import (
	"context"
	"crypto/sha256"
	"net/http"
	"sync"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// Idempotency (api.md, "Idempotency"), for POST /payments, /transactions/batch and
// /transaction/create:
//
//   - The key comes from the Idempotency-Key header or the idempotencyKey body field (both given
//     and different: 400). It is scoped to the caller.
//   - The request is validated first; a request that fails validation never reaches the ledger,
//     so it does not consume its key.
//   - The fingerprint is SHA-256 over the route and a canonical JSON form of the validated request
//     (normalised emails, amounts in micro-units, empty optional fields as null), so "10.5" and
//     10.50 are the same request and a different amount or recipient is not.
//   - While a request with (caller, key) runs here, another one gets 409 idempotency_in_progress.
//     The set is in memory; across processes the ledger's own check inside its transaction still
//     guarantees that a key moves money at most once.
//   - The ledger looks the key up inside its writing transaction: same fingerprint, it returns the
//     kept status and body, written here byte for byte with Idempotent-Replayed: true; another
//     fingerprint, 422 idempotency_key_reused. Otherwise Respond renders the response (success, or
//     a business refusal such as 402) and the ledger keeps it in the same transaction.
//   - Without a key the call simply runs once (keys are optional, as with Stripe).

type inflight struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

func newInflight() *inflight { return &inflight{keys: map[string]struct{}{}} }

func (f *inflight) begin(k string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, busy := f.keys[k]; busy {
		return false
	}
	f.keys[k] = struct{}{}
	return true
}

func (f *inflight) end(k string) {
	f.mu.Lock()
	delete(f.keys, k)
	f.mu.Unlock()
}

// idempotencyKey returns the request's key ("" when it has none) from the header or the body
// field.
func idempotencyKey(r *http.Request, fromBody string) (string, *api.Error) {
	values := r.Header.Values(api.HeaderIdempotencyKey)
	if len(values) > 1 {
		return "", api.Invalid("idempotencyKey", "Send one Idempotency-Key header.")
	}
	key := fromBody
	if len(values) == 1 {
		if fromBody != "" && fromBody != values[0] {
			return "", api.Invalid("idempotencyKey", "The Idempotency-Key header and the idempotencyKey field differ.")
		}
		key = values[0]
	} else if key == "" {
		return "", nil
	}
	if e := api.CheckIdempotencyKey("idempotencyKey", key); e != nil {
		return "", e
	}
	return key, nil
}

// fingerprint is SHA-256 over the route and the canonical form of a validated request.
func fingerprint(route string, canonical any) []byte {
	h := sha256.New()
	h.Write([]byte(route))
	h.Write([]byte{0})
	h.Write(render(canonical))
	return h.Sum(nil)
}

// responder renders the response of a money call from its transactions or its business error.
type responder func(txs []ledger.Transaction, err error) (status int, body []byte)

// respondWith builds the responder of an endpoint: status and body on success, the error's JSON
// otherwise.
func (s *Server) respondWith(status int, body func(txs []ledger.Transaction) any) responder {
	return func(txs []ledger.Transaction, err error) (int, []byte) {
		if err != nil {
			e := s.apiError(context.Background(), "", err)
			return statusOf(e.Code), render(e)
		}
		return status, render(body(txs))
	}
}

// runMoney runs a money-moving ledger call under the idempotency rules and writes its response.
// run receives nil when the request has no key.
func (s *Server) runMoney(w http.ResponseWriter, r *http.Request, p *Principal, key string, fp []byte,
	respond responder, run func(idem *ledger.Idempotency) (ledger.Receipt, error)) error {
	if key == "" {
		rc, err := run(nil)
		if err != nil {
			return err
		}
		status, body := respond(rc.Transactions, nil)
		writeBody(w, status, body)
		return nil
	}
	slot := p.Account.ID + "\x00" + key
	if !s.inflight.begin(slot) {
		return &api.Error{Code: api.CodeIdempotencyInProgress,
			Message: "A request with this idempotency key is still running; retry when it has finished."}
	}
	defer s.inflight.end(slot)
	rc, err := run(&ledger.Idempotency{Key: key, Fingerprint: fp, Respond: respond})
	if err != nil {
		return err
	}
	if rc.Body != nil {
		if rc.Replayed {
			w.Header().Set(api.HeaderReplayed, "true")
		}
		writeBody(w, rc.Status, rc.Body)
		return nil
	}
	status, body := respond(rc.Transactions, nil)
	writeBody(w, status, body)
	return nil
}
