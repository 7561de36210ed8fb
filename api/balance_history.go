package api

import "github.com/syftbox/syftwallet/money"

// BalanceDay is one day of GET /account/balance-history: the day (YYYY-MM-DD, in the offset
// asked for) and the balance at its end (for the last day, the balance now).
type BalanceDay struct {
	Date    string       `json:"date"`
	Balance money.Micros `json:"balance"`
	// Net is what completed transfers did to the balance that day.
	Net money.Micros `json:"net"`
}

// BalanceHistoryBody is GET /account/balance-history?days=N&tzOffset=M: N days (1 to 366,
// default 30) ending today, oldest first, where a day starts at midnight M minutes east of UTC
// (default 0). Computed by the service from its ledger, so it is whole however many transfers
// there were.
type BalanceHistoryBody struct {
	Days     []BalanceDay `json:"days"`
	Currency string       `json:"currency"`
}
