package ledgersql

import "testing"

func TestTranslate(t *testing.T) {
	for _, tc := range []struct {
		d        Dialect
		in, want string
	}{
		{PostgreSQL, `SELECT a FROM t WHERE x = ? AND y = ?`, `SELECT a FROM t WHERE x = $1 AND y = $2`},
		{PostgreSQL, `SELECT '?' FROM t WHERE m LIKE ? ESCAPE '\' AND n = ?`, `SELECT '?' FROM t WHERE m LIKE $1 ESCAPE '\' AND n = $2`},
		{PostgreSQL, `SELECT a FROM t WHERE x = $1`, `SELECT a FROM t WHERE x = $1`},
		{PostgreSQL, `SELECT a FROM t WHERE x = ? FOR UPDATE OF k`, `SELECT a FROM t WHERE x = $1 FOR UPDATE OF k`},
		{SQLite, `SELECT a FROM t k WHERE x = ? FOR UPDATE OF k`, `SELECT a FROM t k WHERE x = ?`},
		{SQLite, `SELECT a FROM t WHERE x = ? FOR UPDATE`, `SELECT a FROM t WHERE x = ?`},
		{SQLite, `UPDATE t SET v = GREATEST(v - ?, 0) WHERE id = ?`, `UPDATE t SET v = MAX(v - ?, 0) WHERE id = ?`},
		{SQLite, `SELECT a FROM t WHERE x = ?`, `SELECT a FROM t WHERE x = ?`},
	} {
		if got := tc.d.Translate(tc.in); got != tc.want {
			t.Errorf("%d: Translate(%q) = %q, want %q", tc.d, tc.in, got, tc.want)
		}
	}
}
