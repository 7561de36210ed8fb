package ui

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// benchPage is a full page of ordinary transactions (nothing to escape), as History loads it.
func benchPage() (client.HistoryPage, []byte) {
	var p client.HistoryPage
	for i := range api.MaxPageLimit {
		memo, app := fmt.Sprintf("lunch with the team #%d ☕", i), "weather-app"
		rb := api.PartySender
		at := api.At(time.Date(2026, 11, 29, 10, 0, i%60, 0, time.UTC))
		p.Transactions = append(p.Transactions, api.Transaction{ID: fmt.Sprintf("Xk3Lw9aZq1b2c3d4e5f6g%03d", i),
			SenderEmail: "ada@example.com", RecipientEmail: "me@example.com", Amount: 12_500_000,
			Status: api.StatusCompleted, CreatedBy: api.PartySender, ResolvedBy: &rb, CreatedAt: at, ResolvedAt: &at,
			Memo: &memo, AppName: &app, Metadata: map[string]string{"order": "42"}, Currency: "USD", Direction: api.DirectionIn})
	}
	b, _ := json.Marshal(api.TransactionsPage{Transactions: p.Transactions})
	return p, b
}

// BenchmarkCleanPage is what the inbound boundary adds to a page of 200 transactions; the
// baseline, BenchmarkDecodePage, is decoding that page from the wire, which every page costs.
func BenchmarkCleanPage(b *testing.B) {
	p, _ := benchPage()
	b.ReportAllocs()
	for b.Loop() {
		_ = cleaned(p)
	}
}

func BenchmarkDecodePage(b *testing.B) {
	_, raw := benchPage()
	b.ReportAllocs()
	for b.Loop() {
		var p api.TransactionsPage
		if err := json.Unmarshal(raw, &p); err != nil {
			b.Fatal(err)
		}
	}
}
