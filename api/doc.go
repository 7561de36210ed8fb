// Package api is the wire contract between the wallet and the accounting service, in Go: the JSON
// shapes of requests, responses and events, the error codes, and the validation rules both sides
// apply to emails, amounts, memos and idempotency keys. It is the contract of shared/api.md and
// nothing more.
//
// It knows nothing of HTTP clients or servers, SQL, keyrings or Bubble Tea; client, events and
// server import it, and it imports only the standard library, package money and package termsafe
// (whose runes CheckPrintable refuses in stored text).
package api
