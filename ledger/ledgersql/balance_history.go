package ledgersql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// BalanceHistory implements ledger.Ledger in one query: the account's balance, and the sum of its
// completed transfers grouped by the day they completed on, through its party rows. A transfer
// completes at its resolution, or at its creation when it never waited.
func (r *Rules) BalanceHistory(ctx context.Context, accountID string, q ledger.BalanceQuery) (ledger.BalanceHistory, error) {
	if q.Days < 1 || q.Days > ledger.MaxHistoryDays {
		return ledger.BalanceHistory{}, fmt.Errorf("ledger: balance history of %d days", q.Days)
	}
	from := ms(q.From)
	out := ledger.BalanceHistory{Net: make([]money.Micros, q.Days)}
	found := false
	err := r.DB.Query(ctx, `
		SELECT me.balance, d.day, d.net FROM accounts me
		LEFT JOIN (
			SELECT (COALESCE(t.resolved_at, t.created_at) - ?) / ? AS day,
			       CAST(SUM(CASE WHEN p.outgoing THEN -t.amount ELSE t.amount END) AS BIGINT) AS net
			FROM accounts a
			JOIN parties p ON p.account = a.n
			JOIN transactions t ON t.n = p.tx
			WHERE a.id = ? AND t.status = 'COMPLETED' AND COALESCE(t.resolved_at, t.created_at) >= ?
			GROUP BY day
		) d ON TRUE
		WHERE me.id = ?`, func(row Row) error {
		var bal int64
		var day, net sql.NullInt64
		if err := row.Scan(&bal, &day, &net); err != nil {
			return err
		}
		found = true
		out.Balance = money.Micros(bal)
		if day.Valid && net.Valid && day.Int64 >= 0 && day.Int64 < int64(q.Days) {
			out.Net[day.Int64] += money.Micros(net.Int64)
		}
		return nil
	}, from, ledger.DayMillis, accountID, from, accountID)
	if err != nil {
		return ledger.BalanceHistory{}, fmt.Errorf("ledger: balance history: %w", err)
	}
	if !found {
		return ledger.BalanceHistory{}, ledger.ErrNotFound
	}
	return out, nil
}
