package ledger

import (
	"time"

	"github.com/syftbox/syftwallet/money"
)

// DayMillis is one day of the balance history, in milliseconds.
const DayMillis = int64(24 * time.Hour / time.Millisecond)

// MaxHistoryDays bounds BalanceQuery.Days.
const MaxHistoryDays = 366

// BalanceQuery asks for the net movement of each of Days days: day i runs from From+i×24h to
// From+(i+1)×24h, so From is the first day's local midnight (the caller's time zone is the
// caller's business, as a fixed offset). The last day is the one that holds now.
type BalanceQuery struct {
	From time.Time
	Days int
}

// BalanceHistory is what the ledger answers: the balance now, and what completed transfers did to
// it on each day (Net[i], incoming minus outgoing, counted on the day a transfer completed: its
// resolution, or its creation when it completed at once). Pending holds move no balance.
type BalanceHistory struct {
	Balance money.Micros
	Net     []money.Micros
}

// EndOfDay is the balance at the end of each day, worked back from the balance now (the last day's
// end is now).
func (h BalanceHistory) EndOfDay() []money.Micros {
	out := make([]money.Micros, len(h.Net))
	bal := h.Balance
	for i := len(h.Net) - 1; i >= 0; i-- {
		out[i] = bal
		bal -= h.Net[i]
	}
	return out
}
