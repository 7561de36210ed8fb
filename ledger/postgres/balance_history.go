package postgres

import (
	"context"
	"fmt"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/money"
)

// BalanceHistory implements ledger.Ledger in one query, as the SQLite store does: the account's
// balance, and the sum of its completed transfers grouped by the day they completed on (their
// resolution, or their creation when they never waited), through its party rows.
func (s *Store) BalanceHistory(ctx context.Context, accountID string, q ledger.BalanceQuery) (ledger.BalanceHistory, error) {
	if q.Days < 1 || q.Days > ledger.MaxHistoryDays {
		return ledger.BalanceHistory{}, fmt.Errorf("ledger: balance history of %d days", q.Days)
	}
	from := q.From.UnixMilli()
	rows, err := s.pool.Query(ctx, `
		SELECT me.balance, d.day, d.net FROM accounts me
		LEFT JOIN (
			SELECT (COALESCE(t.resolved_at, t.created_at) - $1) / $2 AS day,
			       SUM(CASE WHEN p.outgoing THEN -t.amount ELSE t.amount END)::BIGINT AS net
			FROM accounts a
			JOIN parties p ON p.account = a.n
			JOIN transactions t ON t.n = p.tx
			WHERE a.id = $3 AND t.status = 'COMPLETED' AND COALESCE(t.resolved_at, t.created_at) >= $1
			GROUP BY day
		) d ON TRUE
		WHERE me.id = $3`, from, ledger.DayMillis, accountID)
	if err != nil {
		return ledger.BalanceHistory{}, fmt.Errorf("ledger: balance history: %w", err)
	}
	defer rows.Close()
	out := ledger.BalanceHistory{Net: make([]money.Micros, q.Days)}
	found := false
	for rows.Next() {
		var bal int64
		var day, net *int64
		if err := rows.Scan(&bal, &day, &net); err != nil {
			return ledger.BalanceHistory{}, fmt.Errorf("ledger: balance history: %w", err)
		}
		found = true
		out.Balance = money.Micros(bal)
		if day != nil && net != nil && *day >= 0 && *day < int64(q.Days) {
			out.Net[*day] += money.Micros(*net)
		}
	}
	if err := rows.Err(); err != nil {
		return ledger.BalanceHistory{}, fmt.Errorf("ledger: balance history: %w", err)
	}
	if !found {
		return ledger.BalanceHistory{}, ledger.ErrNotFound
	}
	return out, nil
}
