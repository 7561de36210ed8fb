package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/syftbox/syftwallet/api"
)

// ErrNoBalanceHistory says the service has no GET /account/balance-history (an older or legacy
// service): the caller reads the history itself, and knows it may be partial.
var ErrNoBalanceHistory = errors.New("the service does not answer the balance history")

// BalanceHistory returns the balance at the end of each of the last days days, oldest first,
// the last one being today, with days starting at midnight in loc (as its offset is now). The
// service computes it from its ledger, whole however many transfers there were.
func (c *Client) BalanceHistory(ctx context.Context, days int, loc *time.Location) ([]api.BalanceDay, error) {
	if c.Legacy() {
		return nil, ErrNoBalanceHistory
	}
	if loc == nil {
		loc = time.Local
	}
	_, off := c.now().In(loc).Zone()
	q := url.Values{}
	q.Set("days", strconv.Itoa(days))
	q.Set("tzOffset", strconv.Itoa(off/60))
	var out api.BalanceHistoryBody
	err := c.do(ctx, &call{method: http.MethodGet, path: "/account/balance-history", auth: authUser, query: q}, &out)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return nil, ErrNoBalanceHistory
	}
	if err != nil {
		return nil, err
	}
	return out.Days, nil
}
