package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"
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
//     bytes it kept, decoded here (keptResponse) and written byte for byte with
//     Idempotent-Replayed: true; another fingerprint, 422 idempotency_key_reused. Otherwise Keep
//     renders the response (success, or a business refusal such as 402) into opaque bytes that the
//     ledger keeps in the same transaction.
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

// response is a rendered response of a money call: what it answers, and what its idempotency key
// keeps (as kept bytes) to answer a retry with.
type response struct {
	status int
	body   []byte
}

func (r response) write(w http.ResponseWriter) { writeBody(w, r.status, r.body) }

// keptV1 opens version 1 of the envelope in which the server hands a response to the ledger to
// keep for an idempotency key: the byte 0x01, the status as three ASCII digits, then the body.
// The ledger stores the bytes and hands them back without looking inside (package ledger knows
// nothing of HTTP). Its migrations sqlite 0008 and postgres 0005 wrapped the rows kept before in
// this form, so a new version must get a new first byte, and version 1 must still decode.
const keptV1 = 0x01

// kept is r as the ledger keeps it.
func (r response) kept() []byte {
	if r.status < 100 || r.status > 999 {
		panic("server: a kept response needs a three-digit status") // our statuses always have
	}
	b := make([]byte, 0, 4+len(r.body))
	b = append(b, keptV1)
	b = strconv.AppendInt(b, int64(r.status), 10)
	return append(b, r.body...)
}

// keptResponse decodes what the ledger kept for a key.
func keptResponse(b []byte) (response, error) {
	if len(b) < 4 || b[0] != keptV1 {
		return response{}, errors.New("server: kept response: unknown envelope")
	}
	status, err := strconv.Atoi(string(b[1:4]))
	if err != nil || status < 100 {
		return response{}, errors.New("server: kept response: bad status")
	}
	return response{status: status, body: b[4:]}, nil
}

// responder renders the response of a money call from its transactions or its business error.
type responder func(txs []ledger.Transaction, err error) response

// respondWith builds the responder of an endpoint: status and body on success, the error's JSON
// otherwise.
func (s *Server) respondWith(status int, body func(txs []ledger.Transaction) any) responder {
	return func(txs []ledger.Transaction, err error) response {
		if err != nil {
			e := s.apiError(context.Background(), "", err)
			return response{statusOf(e.Code), render(e)}
		}
		return response{status, render(body(txs))}
	}
}

// runMoney runs a money-moving ledger call under the idempotency rules and writes its response.
// run receives nil when the request has no key. With a key, the response is the one the ledger
// kept for it: just kept (a success, or a refusal such as insufficient funds, which the ledger
// returns as its error beside what it kept) or replayed, written byte for byte.
func (s *Server) runMoney(w http.ResponseWriter, r *http.Request, p *Principal, key string, fp []byte,
	respond responder, run func(idem *ledger.Idempotency) (ledger.Receipt, error)) error {
	if key == "" {
		rc, err := run(nil)
		if err != nil {
			return err
		}
		respond(rc.Transactions, nil).write(w)
		return nil
	}
	slot := p.Account.ID + "\x00" + key
	if !s.inflight.begin(slot) {
		return &api.Error{Code: api.CodeIdempotencyInProgress,
			Message: "A request with this idempotency key is still running; retry when it has finished."}
	}
	defer s.inflight.end(slot)
	keep := func(txs []ledger.Transaction, err error) []byte { return respond(txs, err).kept() }
	rc, err := run(&ledger.Idempotency{Key: key, Fingerprint: fp, Keep: keep})
	if rc.Kept == nil {
		if err != nil {
			return err // not kept: the key stays free
		}
		respond(rc.Transactions, nil).write(w)
		return nil
	}
	kept, derr := keptResponse(rc.Kept)
	if derr != nil {
		return derr
	}
	if rc.Replayed {
		w.Header().Set(api.HeaderReplayed, "true")
	}
	kept.write(w)
	return nil
}
