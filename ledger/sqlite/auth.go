package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

var _ ledger.AuthStore = (*Store)(nil)

type sessionEvent struct {
	SessionID string `json:"sessionId"`
	Method    string `json:"method,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

type mfaEvent struct {
	Enabled     bool      `json:"enabled"`
	LockedUntil *api.Time `json:"lockedUntil,omitempty"`
}

// CreateSession implements ledger.AuthStore.
func (s *Store) CreateSession(ctx context.Context, ns ledger.NewSession) (ledger.Session, error) {
	res, err := submit(s, ctx, func(w *wtx) (ledger.Session, error) {
		a, err := w.acctByID(ns.AccountID)
		if err != nil {
			return ledger.Session{}, err
		}
		sess := ledger.Session{ID: newID(), AccountID: a.id, CreatedAt: w.now}
		if _, err := w.exec(`INSERT INTO sessions (id, account, created_at, user_agent) VALUES (?, ?, ?, ?)`,
			sess.ID, a.n, w.now.UnixMilli(), ns.UserAgent); err != nil {
			return ledger.Session{}, fmt.Errorf("ledger: create session: %w", err)
		}
		if err := w.insertRefresh(ns.RefreshHash, sess.ID, ns.RefreshTTL); err != nil {
			return ledger.Session{}, err
		}
		return sess, w.post(a, 0, 0, evSpec{api.EventSecurityLogin, sessionEvent{SessionID: sess.ID, Method: ns.Method}})
	})
	if err != nil {
		return ledger.Session{}, err
	}
	return res, nil
}

func (w *wtx) insertRefresh(hash []byte, session string, ttl time.Duration) error {
	if _, err := w.exec(`INSERT INTO refresh_tokens (hash, session, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, session, w.now.UnixMilli(), w.now.Add(ttl).UnixMilli()); err != nil {
		return fmt.Errorf("ledger: store refresh token: %w", err)
	}
	return nil
}

const sessionCols = `s.id, a.id, s.created_at, s.revoked_at`

func scanSession(r rowScanner) (ledger.Session, error) {
	var sess ledger.Session
	var created int64
	var revoked sql.NullInt64
	err := r.Scan(&sess.ID, &sess.AccountID, &created, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, ledger.ErrNotFound
	}
	if err != nil {
		return sess, fmt.Errorf("ledger: read session: %w", err)
	}
	sess.CreatedAt = time.UnixMilli(created).UTC()
	if revoked.Valid {
		sess.RevokedAt = time.UnixMilli(revoked.Int64).UTC()
	}
	return sess, nil
}

// Session implements ledger.AuthStore.
func (s *Store) Session(ctx context.Context, id string) (ledger.Session, error) {
	return scanSession(s.readRow(ctx, `SELECT `+sessionCols+` FROM sessions s
		JOIN accounts a ON a.n = s.account WHERE s.id = ?`, id))
}

// revoke marks a live session revoked and appends session.revoked; a revoked one is left alone.
func (w *wtx) revoke(sessionID, reason string) (ledger.Session, error) {
	sess, err := scanSession(w.queryRow(`SELECT `+sessionCols+` FROM sessions s
		JOIN accounts a ON a.n = s.account WHERE s.id = ?`, sessionID))
	if err != nil || !sess.Live() {
		return sess, err
	}
	if _, err := w.exec(`UPDATE sessions SET revoked_at = ? WHERE id = ?`, w.now.UnixMilli(), sessionID); err != nil {
		return sess, fmt.Errorf("ledger: revoke session: %w", err)
	}
	sess.RevokedAt = w.now
	a, err := w.acctByID(sess.AccountID)
	if err != nil {
		return sess, err
	}
	return sess, w.post(a, 0, 0, evSpec{api.EventSessionRevoked, sessionEvent{SessionID: sessionID, Reason: reason}})
}

// rotation is RotateRefresh's result: the reuse case must commit the revocation and still fail.
type rotation struct {
	sess ledger.Session
	err  error
}

// RotateRefresh implements ledger.AuthStore.
func (s *Store) RotateRefresh(ctx context.Context, old, newHash []byte, ttl time.Duration) (ledger.Session, error) {
	res, err := submit(s, ctx, func(w *wtx) (rotation, error) {
		var sessID string
		var expires int64
		var spent sql.NullInt64
		err := w.queryRow(`SELECT session, expires_at, spent_at FROM refresh_tokens WHERE hash = ?`, old).
			Scan(&sessID, &expires, &spent)
		if errors.Is(err, sql.ErrNoRows) {
			return rotation{}, ledger.ErrNotFound
		}
		if err != nil {
			return rotation{}, fmt.Errorf("ledger: read refresh token: %w", err)
		}
		if spent.Valid {
			sess, err := w.revoke(sessID, "refresh token reused")
			if err != nil {
				return rotation{}, err
			}
			return rotation{sess, ledger.ErrRefreshReused}, nil
		}
		sess, err := scanSession(w.queryRow(`SELECT `+sessionCols+` FROM sessions s
			JOIN accounts a ON a.n = s.account WHERE s.id = ?`, sessID))
		if err != nil {
			return rotation{}, err
		}
		if !sess.Live() {
			return rotation{sess, ledger.ErrRevoked}, nil
		}
		if w.now.UnixMilli() >= expires {
			return rotation{sess, ledger.ErrExpired}, nil
		}
		if _, err := w.exec(`UPDATE refresh_tokens SET spent_at = ? WHERE hash = ?`, w.now.UnixMilli(), old); err != nil {
			return rotation{}, fmt.Errorf("ledger: spend refresh token: %w", err)
		}
		return rotation{sess, nil}, w.insertRefresh(newHash, sessID, ttl)
	})
	if err != nil {
		return ledger.Session{}, err
	}
	r := res
	return r.sess, r.err
}

// RevokeSession implements ledger.AuthStore.
func (s *Store) RevokeSession(ctx context.Context, sessionID, reason string) (ledger.Session, error) {
	res, err := submit(s, ctx, func(w *wtx) (ledger.Session, error) { return w.revoke(sessionID, reason) })
	if err != nil {
		return ledger.Session{}, err
	}
	return res, nil
}

// RevokeSessions implements ledger.AuthStore.
func (s *Store) RevokeSessions(ctx context.Context, accountID, except, reason string) ([]string, error) {
	res, err := submit(s, ctx, func(w *wtx) ([]string, error) {
		a, err := w.acctByID(accountID)
		if err != nil {
			return nil, err
		}
		return w.revokeAll(reason, `SELECT id FROM sessions WHERE account = ? AND revoked_at IS NULL AND id <> ?`, a.n, except)
	})
	if err != nil {
		return nil, err
	}
	ids := res
	return ids, nil
}

// revokeAll revokes every session whose id query selects (each with its session.revoked event,
// as revoke does) and returns their ids.
func (w *wtx) revokeAll(reason, query string, args ...any) ([]string, error) {
	st, err := w.s.stmt(query)
	if err != nil {
		return nil, err
	}
	rows, err := st.Query(args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list sessions: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("ledger: list sessions: %w", err)
	}
	for _, id := range ids {
		if _, err := w.revoke(id, reason); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func (s *Store) mfaState(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, accountID string) (ledger.MFAState, error) {
	var m ledger.MFAState
	var locked int64
	var secretKey, pendingKey sql.NullString
	err := q.QueryRowContext(ctx, `SELECT mfa_enabled, mfa_secret, mfa_secret_key, mfa_pending, mfa_pending_key,
		mfa_last_step, mfa_failures, mfa_locked_until,
		(SELECT COUNT(*) FROM recovery_codes r WHERE r.account = a.n AND r.used_at IS NULL)
		FROM accounts a WHERE id = ?`, accountID).
		Scan(&m.Enabled, &m.Secret, &secretKey, &m.Pending, &pendingKey, &m.LastStep, &m.Failures, &locked, &m.Recovery)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ledger.ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("ledger: read MFA state: %w", err)
	}
	if locked > 0 {
		m.LockedUntil = time.UnixMilli(locked).UTC()
	}
	m.SecretKey, m.PendingKey = secretKey.String, pendingKey.String
	return m, nil
}

// MFA implements ledger.AuthStore.
func (s *Store) MFA(ctx context.Context, accountID string) (ledger.MFAState, error) {
	return s.mfaState(ctx, s.rdb, accountID)
}

// SetPendingMFA implements ledger.AuthStore.
func (s *Store) SetPendingMFA(ctx context.Context, accountID string, sealed []byte, keyID string) error {
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		return w.affectOne(`UPDATE accounts SET mfa_pending = ?, mfa_pending_key = ? WHERE id = ? AND system = 0`,
			sealed, keyID, accountID)
	})
	return err
}

func (w *wtx) affectOne(query string, args ...any) (any, error) {
	res, err := w.exec(query, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: update: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, ledger.ErrNotFound
	}
	return nil, nil
}

// EnableMFA implements ledger.AuthStore: the pending secret becomes the account's, step is
// recorded as used (the enabling code cannot sign in), and the recovery codes replace any old ones.
func (s *Store) EnableMFA(ctx context.Context, accountID string, step int64, recovery [][]byte) error {
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		a, err := w.acctByID(accountID)
		if err != nil {
			return nil, err
		}
		if _, err := w.affectOne(`UPDATE accounts SET mfa_enabled = 1, mfa_secret = mfa_pending,
			mfa_secret_key = mfa_pending_key, mfa_pending = NULL, mfa_pending_key = NULL,
			mfa_last_step = ?, mfa_failures = 0, mfa_locked_until = 0 WHERE n = ? AND mfa_pending IS NOT NULL`,
			step, a.n); err != nil {
			return nil, err
		}
		if _, err := w.exec(`DELETE FROM recovery_codes WHERE account = ?`, a.n); err != nil {
			return nil, err
		}
		for _, h := range recovery {
			if _, err := w.exec(`INSERT INTO recovery_codes (account, hash) VALUES (?, ?)`, a.n, h); err != nil {
				return nil, fmt.Errorf("ledger: store recovery code: %w", err)
			}
		}
		return nil, w.post(a, 0, 0, evSpec{api.EventSecurityMFAChanged, mfaEvent{Enabled: true}})
	})
	return err
}

// DisableMFA implements ledger.AuthStore.
func (s *Store) DisableMFA(ctx context.Context, accountID string, step int64) error {
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		a, err := w.acctByID(accountID)
		if err != nil {
			return nil, err
		}
		if _, err := w.exec(`UPDATE accounts SET mfa_enabled = 0, mfa_secret = NULL, mfa_secret_key = NULL,
			mfa_pending = NULL, mfa_pending_key = NULL,
			mfa_last_step = MAX(mfa_last_step, ?), mfa_failures = 0, mfa_locked_until = 0 WHERE n = ?`, step, a.n); err != nil {
			return nil, err
		}
		if _, err := w.exec(`DELETE FROM recovery_codes WHERE account = ?`, a.n); err != nil {
			return nil, err
		}
		return nil, w.post(a, 0, 0, evSpec{api.EventSecurityMFAChanged, mfaEvent{Enabled: false}})
	})
	return err
}

// UseTOTPStep implements ledger.AuthStore.
func (s *Store) UseTOTPStep(ctx context.Context, accountID string, step int64) (bool, error) {
	res, err := submit(s, ctx, func(w *wtx) (bool, error) {
		r, err := w.exec(`UPDATE accounts SET mfa_last_step = ? WHERE id = ? AND mfa_last_step < ?`, step, accountID, step)
		if err != nil {
			return false, err
		}
		n, _ := r.RowsAffected()
		return n == 1, nil
	})
	if err != nil {
		return false, err
	}
	return res, nil
}

// UseRecoveryCode implements ledger.AuthStore.
func (s *Store) UseRecoveryCode(ctx context.Context, accountID string, hash []byte) (bool, error) {
	res, err := submit(s, ctx, func(w *wtx) (bool, error) {
		r, err := w.exec(`UPDATE recovery_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL
			AND account = (SELECT n FROM accounts WHERE id = ?)`, w.now.UnixMilli(), hash, accountID)
		if err != nil {
			return false, err
		}
		n, _ := r.RowsAffected()
		return n == 1, nil
	})
	if err != nil {
		return false, err
	}
	return res, nil
}

// Challenge ids are stored as their SHA-256 (challengeHash) and looked up by it: the ledger file
// never holds an id that could answer a challenge. The id comes back from CreateChallenge only.
const challengeCols = `a.id, c.expires_at, c.wrong, c.done`

func challengeHash(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return sum[:]
}

// scanChallenge reads the challenge whose id is id.
func scanChallenge(r rowScanner, id string) (ledger.Challenge, error) {
	c := ledger.Challenge{ID: id}
	var exp int64
	err := r.Scan(&c.AccountID, &exp, &c.Wrong, &c.Done)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ledger.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("ledger: read challenge: %w", err)
	}
	c.ExpiresAt = time.UnixMilli(exp).UTC()
	return c, nil
}

const challengeByHash = `SELECT ` + challengeCols + ` FROM challenges c JOIN accounts a ON a.n = c.account WHERE c.hash = ?`

// CreateChallenge implements ledger.AuthStore.
func (s *Store) CreateChallenge(ctx context.Context, accountID string, ttl time.Duration) (ledger.Challenge, error) {
	res, err := submit(s, ctx, func(w *wtx) (ledger.Challenge, error) {
		a, err := w.acctByID(accountID)
		if err != nil {
			return ledger.Challenge{}, err
		}
		c := ledger.Challenge{ID: newID(), AccountID: a.id, ExpiresAt: w.now.Add(ttl)}
		if _, err := w.exec(`DELETE FROM challenges WHERE expires_at < ?`, w.now.UnixMilli()); err != nil {
			return ledger.Challenge{}, err
		}
		_, err = w.exec(`INSERT INTO challenges (hash, account, expires_at) VALUES (?, ?, ?)`,
			challengeHash(c.ID), a.n, c.ExpiresAt.UnixMilli())
		return c, err
	})
	if err != nil {
		return ledger.Challenge{}, err
	}
	return res, nil
}

// Challenge implements ledger.AuthStore.
func (s *Store) Challenge(ctx context.Context, id string) (ledger.Challenge, error) {
	return scanChallenge(s.rdb.QueryRowContext(ctx, challengeByHash, challengeHash(id)), id)
}

// TakeChallengeAttempt implements ledger.AuthStore: the attempt is counted (challenge wrong + 1,
// account mfa_failures + 1) in the same write that checks the budgets.
func (s *Store) TakeChallengeAttempt(ctx context.Context, id string, p ledger.ChallengePolicy) (ledger.Challenge, error) {
	hash := challengeHash(id)
	res, err := submit(s, ctx, func(w *wtx) (ledger.Challenge, error) {
		c, err := scanChallenge(w.queryRow(challengeByHash, hash), id)
		if err != nil {
			return ledger.Challenge{}, err
		}
		if c.Done || !w.now.Before(c.ExpiresAt) || c.Wrong >= p.MaxWrong {
			return ledger.Challenge{}, ledger.ErrNotFound
		}
		r, err := w.exec(`UPDATE accounts SET mfa_failures = mfa_failures + 1
			WHERE n = (SELECT account FROM challenges WHERE hash = ?) AND mfa_failures < ?`, hash, p.LockAfter)
		if err != nil {
			return ledger.Challenge{}, err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return ledger.Challenge{}, ledger.ErrNoAttemptsLeft
		}
		c.Wrong++
		if _, err := w.exec(`UPDATE challenges SET wrong = ? WHERE hash = ?`, c.Wrong, hash); err != nil {
			return ledger.Challenge{}, err
		}
		return c, nil
	})
	if err != nil {
		return ledger.Challenge{}, err
	}
	return res, nil
}

// ReleaseChallengeAttempt implements ledger.AuthStore.
func (s *Store) ReleaseChallengeAttempt(ctx context.Context, id string) error {
	hash := challengeHash(id)
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		if _, err := w.exec(`UPDATE challenges SET wrong = wrong - 1 WHERE hash = ? AND wrong > 0`, hash); err != nil {
			return nil, err
		}
		_, err := w.exec(`UPDATE accounts SET mfa_failures = mfa_failures - 1
			WHERE n = (SELECT account FROM challenges WHERE hash = ?) AND mfa_failures > 0`, hash)
		return nil, err
	})
	return err
}

// FailChallenge implements ledger.AuthStore: the attempt was counted when it was taken; this
// decides what the count means.
func (s *Store) FailChallenge(ctx context.Context, id string, p ledger.ChallengePolicy) (ledger.Challenge, ledger.MFAState, error) {
	hash := challengeHash(id)
	res, err := submit(s, ctx, func(w *wtx) (ledger.Challenge, error) {
		c, err := scanChallenge(w.queryRow(challengeByHash, hash), id)
		if err != nil {
			return ledger.Challenge{}, err
		}
		if !c.Done && c.Wrong >= p.MaxWrong {
			c.Done = true
			if _, err := w.exec(`UPDATE challenges SET done = 1 WHERE hash = ?`, hash); err != nil {
				return ledger.Challenge{}, err
			}
		}
		a, err := w.acctByID(c.AccountID)
		if err != nil {
			return ledger.Challenge{}, err
		}
		var failures int
		if err := w.queryRow(`SELECT mfa_failures FROM accounts WHERE n = ?`, a.n).Scan(&failures); err != nil {
			return ledger.Challenge{}, err
		}
		if failures >= p.LockAfter {
			until := w.now.Add(p.LockFor)
			if _, err := w.exec(`UPDATE accounts SET mfa_failures = 0, mfa_locked_until = ? WHERE n = ?`,
				until.UnixMilli(), a.n); err != nil {
				return ledger.Challenge{}, err
			}
			// Every open challenge of the account dies with the lock.
			if _, err := w.exec(`UPDATE challenges SET done = 1 WHERE account = ?`, a.n); err != nil {
				return ledger.Challenge{}, err
			}
			c.Done = true
			at := api.At(until)
			if err := w.post(a, 0, 0, evSpec{api.EventSecurityMFAChanged, mfaEvent{Enabled: true, LockedUntil: &at}}); err != nil {
				return ledger.Challenge{}, err
			}
		}
		return c, nil
	})
	if err != nil {
		return ledger.Challenge{}, ledger.MFAState{}, err
	}
	c := res
	m, err := s.MFA(ctx, c.AccountID)
	return c, m, err
}

// PassChallenge implements ledger.AuthStore.
func (s *Store) PassChallenge(ctx context.Context, id string) error {
	hash := challengeHash(id)
	_, err := submit(s, ctx, func(w *wtx) (any, error) {
		if _, err := w.affectOne(`UPDATE challenges SET done = 1 WHERE hash = ? AND done = 0`, hash); err != nil {
			return nil, err
		}
		_, err := w.exec(`UPDATE accounts SET mfa_failures = 0 WHERE n = (SELECT account FROM challenges WHERE hash = ?)`, hash)
		return nil, err
	})
	return err
}
