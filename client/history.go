package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// HistoryQuery holds every filter of GET /transactions. Zero values mean
// "no filter".
type HistoryQuery struct {
	Limit        int    // 1 to 200 per page; 0 means DefaultPageSize
	Cursor       string // NextCursor of the previous page
	Offset       int    // transactions to skip (after the cursor, if any)
	Direction    string // api.DirectionIn or api.DirectionOut
	Status       string // api.StatusPending, api.StatusCompleted or api.StatusCancelled
	Counterparty string // the other party's email
	Since, Until time.Time
	MinAmount    money.Micros
	MaxAmount    money.Micros
	Q            string // substring of memo, appName or counterparty
}

// DefaultPageSize is the page size when HistoryQuery.Limit is 0.
const DefaultPageSize = 50

// HistoryPage is one page of transactions, newest first.
type HistoryPage struct {
	Transactions []api.Transaction
	NextCursor   string // "" at the end
	HasMore      bool
}

// History returns one page of the caller's transactions, newest first. In
// legacy mode the service sends every transaction and the client filters
// and pages them.
func (c *Client) History(ctx context.Context, q HistoryQuery) (HistoryPage, error) {
	if q.Limit == 0 {
		q.Limit = DefaultPageSize
	}
	if err := q.check(); err != nil {
		return HistoryPage{}, err
	}
	if c.Legacy() {
		return c.legacyHistory(ctx, q)
	}
	var out api.TransactionsPage
	if err := c.do(ctx, &call{method: http.MethodGet, path: "/transactions", auth: authUser, query: q.values()}, &out); err != nil {
		return HistoryPage{}, err
	}
	page := HistoryPage{Transactions: out.Transactions, HasMore: out.HasMore}
	if out.NextCursor != nil {
		page.NextCursor = *out.NextCursor
	}
	return page, nil
}

// HistoryPages iterates over the pages of q from its cursor on, stopping
// after the last page or the first error (yielded with an empty page).
//
//	for page, err := range c.HistoryPages(ctx, q) { ... }
func (c *Client) HistoryPages(ctx context.Context, q HistoryQuery) iter.Seq2[HistoryPage, error] {
	return func(yield func(HistoryPage, error) bool) {
		for {
			page, err := c.History(ctx, q)
			if err != nil {
				yield(HistoryPage{}, err)
				return
			}
			if !yield(page, nil) || !page.HasMore || page.NextCursor == "" {
				return
			}
			q.Cursor, q.Offset = page.NextCursor, 0
		}
	}
}

// check applies the service's rules before sending.
func (q HistoryQuery) check() error {
	bad := func(field, msg string) error {
		return &ValidationError{Field: field, Message: msg, code: api.CodeInvalidRequest}
	}
	switch {
	case q.Limit < 1 || q.Limit > api.MaxPageLimit:
		return bad("limit", "limit must be a whole number from 1 to 200.")
	case q.Offset < 0:
		return bad("offset", "offset must be a whole number, 0 or more.")
	case q.Direction != "" && q.Direction != api.DirectionIn && q.Direction != api.DirectionOut:
		return bad("direction", `direction must be "in" or "out".`)
	case q.Status != "" && q.Status != api.StatusPending && q.Status != api.StatusCompleted && q.Status != api.StatusCancelled:
		return bad("status", "status must be PENDING, COMPLETED or CANCELLED.")
	case !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since):
		return bad("until", "until must not be before since.")
	case q.MinAmount < 0 || q.MaxAmount < 0:
		return bad("minAmount", "Amounts in a filter must be 0 or more.")
	case q.MinAmount > 0 && q.MaxAmount > 0 && q.MaxAmount < q.MinAmount:
		return bad("maxAmount", "maxAmount must not be below minAmount.")
	}
	if q.Counterparty != "" {
		if _, e := api.NormalizeEmail("counterparty", q.Counterparty); e != nil {
			return invalid(e)
		}
	}
	return nil
}

// values is q as query parameters.
func (q HistoryQuery) values() url.Values {
	v := url.Values{}
	v.Set("limit", strconv.Itoa(q.Limit))
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("cursor", q.Cursor)
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	set("direction", q.Direction)
	set("status", q.Status)
	if q.Counterparty != "" {
		e, _ := api.NormalizeEmail("counterparty", q.Counterparty)
		v.Set("counterparty", e)
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339Nano))
	}
	if q.MinAmount > 0 {
		v.Set("minAmount", q.MinAmount.String())
	}
	if q.MaxAmount > 0 {
		v.Set("maxAmount", q.MaxAmount.String())
	}
	set("q", q.Q)
	return v
}

// Matches applies the filters to one transaction as the service does (until
// exclusive): legacy mode pages on the client with it, and the wallet checks a
// live payment against the filter on show.
func (q HistoryQuery) Matches(tx api.Transaction) bool {
	if q.Direction != "" && tx.Direction != q.Direction {
		return false
	}
	if q.Status != "" && tx.Status != q.Status {
		return false
	}
	if q.Counterparty != "" {
		e, _ := api.NormalizeEmail("counterparty", q.Counterparty)
		if !strings.EqualFold(tx.Counterparty(), e) {
			return false
		}
	}
	if !q.Since.IsZero() && tx.CreatedAt.Before(q.Since) {
		return false
	}
	if !q.Until.IsZero() && !tx.CreatedAt.Before(q.Until) { // until is exclusive
		return false
	}
	if q.MinAmount > 0 && tx.Amount < q.MinAmount {
		return false
	}
	if q.MaxAmount > 0 && tx.Amount > q.MaxAmount {
		return false
	}
	if q.Q != "" {
		needle := strings.ToLower(q.Q)
		hay := []string{tx.Counterparty()}
		if tx.Memo != nil {
			hay = append(hay, *tx.Memo)
		}
		if tx.AppName != nil {
			hay = append(hay, *tx.AppName)
		}
		found := false
		for _, h := range hay {
			if strings.Contains(strings.ToLower(h), needle) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
