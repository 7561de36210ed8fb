package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// GET /account/balance-history?days=30&tzOffset=60: the balance at the end of each of the last
// days, from one ledger read (docs/api-decisions.md, "Balance history").
func (s *Server) balanceHistory(w http.ResponseWriter, r *http.Request, p *Principal) error {
	v := r.URL.Query()
	days := 30
	if d := v.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > ledger.MaxHistoryDays {
			return api.Invalid("days", "days must be a whole number from 1 to 366.")
		}
		days = n
	}
	offset := 0
	if o := v.Get("tzOffset"); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < -14*60 || n > 14*60 {
			return api.Invalid("tzOffset", "tzOffset must be minutes east of UTC, from -840 to 840.")
		}
		offset = n
	}
	zone := time.FixedZone("", offset*60)
	now := s.now().In(zone)
	y, m, d := now.Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, zone).AddDate(0, 0, -(days - 1))
	h, err := s.ledger.BalanceHistory(r.Context(), p.Account.ID, ledger.BalanceQuery{From: from, Days: days})
	if err != nil {
		return err
	}
	ends := h.EndOfDay()
	out := api.BalanceHistoryBody{Days: make([]api.BalanceDay, days), Currency: s.cfg.Currency}
	for i := range out.Days {
		out.Days[i] = api.BalanceDay{Date: from.AddDate(0, 0, i).Format(time.DateOnly), Balance: ends[i], Net: h.Net[i]}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
