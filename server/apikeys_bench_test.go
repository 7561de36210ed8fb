package server

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkAuthenticatedRead is GET /account over loopback with each kind of credentials: an
// access token (signature, session read, account read) and an API key (hash, key read by hash,
// account read). The key should cost about what the token does (BENCHMARKS.md).
func BenchmarkAuthenticatedRead(b *testing.B) {
	e := newEnv(b)
	ada := e.newUser("ada@example.com", "10")
	tok := ada.login().AccessToken
	key := e.createKey(tok, `{"name":"bench","scopes":["read"]}`).Key
	for _, c := range []struct{ name, cred string }{{"access-token", tok}, {"api-key", key}} {
		b.Run(c.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", e.hs.URL+"/account", nil)
			req.Header.Set("Authorization", "Bearer "+c.cred)
			cl := e.hs.Client()
			b.ResetTimer()
			for b.Loop() {
				res, err := cl.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}
