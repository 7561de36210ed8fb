package service

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger/ledgertest"
)

// BenchmarkHTTPPayments measures durable payments per second over HTTP (POST /payments with a
// Bearer token and an idempotency key, as a client sends them) with 1, 8 and 64 payers: on the
// SQLite ledger, on PostgreSQL with one instance, and on PostgreSQL with the payers spread over
// three instances. The load generator runs in the same process, on the same cores; cpu-µs/op is
// that process's CPU per payment.
//
//	go test -run '^$' -bench HTTPPayments -benchtime 2000x ./service/
func BenchmarkHTTPPayments(b *testing.B) {
	for _, st := range served {
		for _, payers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/payers=%d", st.name, payers), func(b *testing.B) {
				urls := startServed(b, st.instances)
				benchHTTP(b, urls, payers)
			})
		}
	}
}

func benchHTTP(b *testing.B, urls []string, payers int) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	const nAcct = 16 // registrations are limited to 20 at once per address
	tokens := make([]string, nAcct)
	emails := make([]string, nAcct)
	for i := range tokens {
		emails[i] = fmt.Sprintf("p%d@example.com", i)
		pw := "password-" + emails[i]
		if st, body, err := call(hc, "POST", urls[0]+"/user/create", "", map[string]any{"email": emails[i], "password": pw}, nil); err != nil || st != 201 {
			b.Fatalf("create: %d %s %v", st, body, err)
		}
		if st, body, err := call(hc, "POST", urls[0]+"/user/add-balance", "Bearer admin-key",
			map[string]any{"recipientEmail": emails[i], "amount": 1_000_000}, nil); err != nil || st != 200 {
			b.Fatalf("add balance: %d %s %v", st, body, err)
		}
		st, body, err := call(hc, "POST", urls[0]+"/auth/login", "", api.Credentials{Email: emails[i], Password: pw}, nil)
		if err != nil || st != 200 {
			b.Fatalf("login: %d %s %v", st, body, err)
		}
		var lr api.LoginResponse
		json.Unmarshal(body, &lr)
		tokens[i] = "Bearer " + lr.AccessToken
	}
	ledgertest.PayStorm(b, payers, nAcct, func(p, i, from, to int) error {
		st, body, err := call(hc, "POST", urls[p%len(urls)]+"/payments", tokens[from],
			map[string]any{"recipientEmail": emails[to], "amount": json.Number("0.001")},
			map[string]string{api.HeaderIdempotencyKey: fmt.Sprintf("k%d", i)})
		if err == nil && st != 201 {
			err = fmt.Errorf("payment: %d %s", st, body)
		}
		return err
	})
}
