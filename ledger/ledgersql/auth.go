package ledgersql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
)

// Sign-in (ledger.AuthStore): sessions and their rotating refresh tokens, TOTP state, recovery
// codes and MFA challenges.

type sessionEvent struct {
	SessionID string `json:"sessionId"`
	Method    string `json:"method,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

type mfaEvent struct {
	Enabled     bool      `json:"enabled"`
	LockedUntil *api.Time `json:"lockedUntil,omitempty"`
}

// do runs a statement now, for its error only.
func do(w Tx, query string, args ...any) error {
	_, err := w.Change(query, args...)
	return err
}

// affectOne runs a statement now: ledger.ErrNotFound when it changed no row.
func affectOne(w Tx, query string, args ...any) error {
	n, err := w.Change(query, args...)
	if err != nil {
		return fmt.Errorf("ledger: update: %w", err)
	}
	if n == 0 {
		return ledger.ErrNotFound
	}
	return nil
}

// CreateSession implements ledger.AuthStore.
func (r *Rules) CreateSession(ctx context.Context, ns ledger.NewSession) (ledger.Session, error) {
	return submit(ctx, r, func(w Tx) (ledger.Session, error) {
		a, err := w.AccountByID(ns.AccountID)
		if err != nil {
			return ledger.Session{}, err
		}
		now := w.Now()
		sess := ledger.Session{ID: NewID(), AccountID: a.ID, CreatedAt: now}
		if err := do(w, `INSERT INTO sessions (id, account, created_at, user_agent) VALUES (?, ?, ?, ?)`,
			sess.ID, a.N, ms(now), ns.UserAgent); err != nil {
			return ledger.Session{}, fmt.Errorf("ledger: create session: %w", err)
		}
		if err := insertRefresh(w, ns.RefreshHash, sess.ID, ns.RefreshTTL); err != nil {
			return ledger.Session{}, err
		}
		return sess, notify(w, a, api.EventSecurityLogin, sessionEvent{SessionID: sess.ID, Method: ns.Method})
	})
}

func insertRefresh(w Tx, hash []byte, session string, ttl time.Duration) error {
	if err := do(w, `INSERT INTO refresh_tokens (hash, session, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, session, ms(w.Now()), ms(w.Now().Add(ttl))); err != nil {
		return fmt.Errorf("ledger: store refresh token: %w", err)
	}
	return nil
}

const sessionCols = `s.id, a.id, s.created_at, s.revoked_at`

const sessionByID = `SELECT ` + sessionCols + ` FROM sessions s JOIN accounts a ON a.n = s.account WHERE s.id = ?`

func scanSession(r Row) (ledger.Session, error) {
	var sess ledger.Session
	var created int64
	var revoked sql.NullInt64
	err := r.Scan(&sess.ID, &sess.AccountID, &created, &revoked)
	if err := readErr(err, "session"); err != nil {
		return sess, err
	}
	sess.CreatedAt, sess.RevokedAt = at(created), atNull(revoked)
	return sess, nil
}

// Session implements ledger.AuthStore.
func (r *Rules) Session(ctx context.Context, id string) (ledger.Session, error) {
	return scanSession(r.DB.QueryRow(ctx, sessionByID, id))
}

// revoke marks a live session revoked and appends session.revoked; a revoked one is left alone.
func revoke(w Tx, sessionID, reason string) (ledger.Session, error) {
	sess, err := scanSession(w.QueryRow(sessionByID+` FOR UPDATE OF s`, sessionID))
	if err != nil || !sess.Live() {
		return sess, err
	}
	if err := do(w, `UPDATE sessions SET revoked_at = ? WHERE id = ?`, ms(w.Now()), sessionID); err != nil {
		return sess, fmt.Errorf("ledger: revoke session: %w", err)
	}
	sess.RevokedAt = w.Now()
	w.Ended(sessionID)
	a, err := w.AccountByID(sess.AccountID)
	if err != nil {
		return sess, err
	}
	return sess, notify(w, a, api.EventSessionRevoked, sessionEvent{SessionID: sessionID, Reason: reason})
}

// rotation is RotateRefresh's result: the reuse case must commit the revocation and still fail.
type rotation struct {
	sess ledger.Session
	err  error
}

// RotateRefresh implements ledger.AuthStore.
func (r *Rules) RotateRefresh(ctx context.Context, old, newHash []byte, ttl time.Duration) (ledger.Session, error) {
	rot, err := submit(ctx, r, func(w Tx) (rotation, error) {
		var sessID string
		var expires int64
		var spent sql.NullInt64
		err := w.QueryRow(`SELECT session, expires_at, spent_at FROM refresh_tokens WHERE hash = ? FOR UPDATE`, old).
			Scan(&sessID, &expires, &spent)
		if noRows(err) {
			return rotation{}, ledger.ErrNotFound
		}
		if err != nil {
			return rotation{}, fmt.Errorf("ledger: read refresh token: %w", err)
		}
		if spent.Valid {
			sess, err := revoke(w, sessID, "refresh token reused")
			if err != nil {
				return rotation{}, err
			}
			return rotation{sess, ledger.ErrRefreshReused}, nil
		}
		sess, err := scanSession(w.QueryRow(sessionByID, sessID))
		if err != nil {
			return rotation{}, err
		}
		if !sess.Live() {
			return rotation{sess, ledger.ErrRevoked}, nil
		}
		if ms(w.Now()) >= expires {
			return rotation{sess, ledger.ErrExpired}, nil
		}
		if err := do(w, `UPDATE refresh_tokens SET spent_at = ? WHERE hash = ?`, ms(w.Now()), old); err != nil {
			return rotation{}, fmt.Errorf("ledger: spend refresh token: %w", err)
		}
		return rotation{sess, nil}, insertRefresh(w, newHash, sessID, ttl)
	})
	if err != nil {
		return ledger.Session{}, err
	}
	return rot.sess, rot.err
}

// RevokeSession implements ledger.AuthStore.
func (r *Rules) RevokeSession(ctx context.Context, sessionID, reason string) (ledger.Session, error) {
	return submit(ctx, r, func(w Tx) (ledger.Session, error) { return revoke(w, sessionID, reason) })
}

// RevokeSessions implements ledger.AuthStore.
func (r *Rules) RevokeSessions(ctx context.Context, accountID, except, reason string) ([]string, error) {
	return submit(ctx, r, func(w Tx) ([]string, error) {
		a, err := w.AccountByID(accountID)
		if err != nil {
			return nil, err
		}
		return revokeAll(w, reason, `SELECT id FROM sessions WHERE account = ? AND revoked_at IS NULL AND id <> ?`, a.N, except)
	})
}

// revokeAll revokes every session whose id query selects (each with its session.revoked event,
// as revoke does) and returns their ids.
func revokeAll(w Tx, reason, query string, args ...any) ([]string, error) {
	var ids []string
	err := w.Query(query, func(row Row) error {
		var id string
		err := row.Scan(&id)
		ids = append(ids, id)
		return err
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list sessions: %w", err)
	}
	for _, id := range ids {
		if _, err := revoke(w, id, reason); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// MFA implements ledger.AuthStore.
func (r *Rules) MFA(ctx context.Context, accountID string) (ledger.MFAState, error) {
	var m ledger.MFAState
	var locked int64
	var secretKey, pendingKey sql.NullString
	err := r.DB.QueryRow(ctx, `SELECT mfa_enabled, mfa_secret, mfa_secret_key, mfa_pending, mfa_pending_key,
		mfa_last_step, mfa_failures, mfa_locked_until,
		(SELECT COUNT(*) FROM recovery_codes r WHERE r.account = a.n AND r.used_at IS NULL)
		FROM accounts a WHERE id = ?`, accountID).
		Scan(&m.Enabled, &m.Secret, &secretKey, &m.Pending, &pendingKey, &m.LastStep, &m.Failures, &locked, &m.Recovery)
	if err := readErr(err, "MFA state"); err != nil {
		return m, err
	}
	if locked > 0 {
		m.LockedUntil = at(locked)
	}
	m.SecretKey, m.PendingKey = secretKey.String, pendingKey.String
	return m, nil
}

// SetPendingMFA implements ledger.AuthStore.
func (r *Rules) SetPendingMFA(ctx context.Context, accountID string, sealed []byte, keyID string) error {
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		return nil, affectOne(w, `UPDATE accounts SET mfa_pending = ?, mfa_pending_key = ? WHERE id = ? AND NOT system`,
			sealed, keyID, accountID)
	})
	return err
}

// EnableMFA implements ledger.AuthStore: the pending secret becomes the account's, step is
// recorded as used (the enabling code cannot sign in), and the recovery codes replace any old ones.
func (r *Rules) EnableMFA(ctx context.Context, accountID string, step int64, recovery [][]byte) error {
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		a, err := w.AccountByID(accountID)
		if err != nil {
			return nil, err
		}
		w.Changed(a.ID)
		if err := affectOne(w, `UPDATE accounts SET mfa_enabled = TRUE, mfa_secret = mfa_pending,
			mfa_secret_key = mfa_pending_key, mfa_pending = NULL, mfa_pending_key = NULL,
			mfa_last_step = ?, mfa_failures = 0, mfa_locked_until = 0 WHERE n = ? AND mfa_pending IS NOT NULL`,
			step, a.N); err != nil {
			return nil, err
		}
		if err := do(w, `DELETE FROM recovery_codes WHERE account = ?`, a.N); err != nil {
			return nil, err
		}
		for _, h := range recovery {
			if err := do(w, `INSERT INTO recovery_codes (account, hash) VALUES (?, ?)`, a.N, h); err != nil {
				return nil, fmt.Errorf("ledger: store recovery code: %w", err)
			}
		}
		return nil, notify(w, a, api.EventSecurityMFAChanged, mfaEvent{Enabled: true})
	})
	return err
}

// DisableMFA implements ledger.AuthStore.
func (r *Rules) DisableMFA(ctx context.Context, accountID string, step int64) error {
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		a, err := w.AccountByID(accountID)
		if err != nil {
			return nil, err
		}
		w.Changed(a.ID)
		if err := do(w, `UPDATE accounts SET mfa_enabled = FALSE, mfa_secret = NULL, mfa_secret_key = NULL,
			mfa_pending = NULL, mfa_pending_key = NULL,
			mfa_last_step = GREATEST(mfa_last_step, ?), mfa_failures = 0, mfa_locked_until = 0 WHERE n = ?`, step, a.N); err != nil {
			return nil, err
		}
		if err := do(w, `DELETE FROM recovery_codes WHERE account = ?`, a.N); err != nil {
			return nil, err
		}
		return nil, notify(w, a, api.EventSecurityMFAChanged, mfaEvent{Enabled: false})
	})
	return err
}

// UseTOTPStep implements ledger.AuthStore.
func (r *Rules) UseTOTPStep(ctx context.Context, accountID string, step int64) (bool, error) {
	return submit(ctx, r, func(w Tx) (bool, error) {
		n, err := w.Change(`UPDATE accounts SET mfa_last_step = ? WHERE id = ? AND mfa_last_step < ?`, step, accountID, step)
		return n == 1, err
	})
}

// UseRecoveryCode implements ledger.AuthStore.
func (r *Rules) UseRecoveryCode(ctx context.Context, accountID string, hash []byte) (bool, error) {
	return submit(ctx, r, func(w Tx) (bool, error) {
		n, err := w.Change(`UPDATE recovery_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL
			AND account = (SELECT n FROM accounts WHERE id = ?)`, ms(w.Now()), hash, accountID)
		return n == 1, err
	})
}

// Challenge ids are stored as their SHA-256 (challengeHash) and looked up by it: the ledger never
// holds an id that could answer a challenge. The id comes back from CreateChallenge only.
const challengeCols = `a.id, c.expires_at, c.wrong, c.done`

func challengeHash(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return sum[:]
}

// scanChallenge reads the challenge whose id is id.
func scanChallenge(r Row, id string) (ledger.Challenge, error) {
	c := ledger.Challenge{ID: id}
	var exp int64
	err := r.Scan(&c.AccountID, &exp, &c.Wrong, &c.Done)
	if err := readErr(err, "challenge"); err != nil {
		return c, err
	}
	c.ExpiresAt = at(exp)
	return c, nil
}

const challengeByHash = `SELECT ` + challengeCols + ` FROM challenges c JOIN accounts a ON a.n = c.account WHERE c.hash = ?`

// CreateChallenge implements ledger.AuthStore.
func (r *Rules) CreateChallenge(ctx context.Context, accountID string, ttl time.Duration) (ledger.Challenge, error) {
	return submit(ctx, r, func(w Tx) (ledger.Challenge, error) {
		a, err := w.AccountByID(accountID)
		if err != nil {
			return ledger.Challenge{}, err
		}
		c := ledger.Challenge{ID: NewID(), AccountID: a.ID, ExpiresAt: w.Now().Add(ttl)}
		if err := do(w, `DELETE FROM challenges WHERE expires_at < ?`, ms(w.Now())); err != nil {
			return ledger.Challenge{}, err
		}
		return c, do(w, `INSERT INTO challenges (hash, account, expires_at) VALUES (?, ?, ?)`,
			challengeHash(c.ID), a.N, ms(c.ExpiresAt))
	})
}

// Challenge implements ledger.AuthStore.
func (r *Rules) Challenge(ctx context.Context, id string) (ledger.Challenge, error) {
	return scanChallenge(r.DB.QueryRow(ctx, challengeByHash, challengeHash(id)), id)
}

// TakeChallengeAttempt implements ledger.AuthStore: the attempt is counted (challenge wrong + 1,
// account mfa_failures + 1) in the same write that checks the budgets.
func (r *Rules) TakeChallengeAttempt(ctx context.Context, id string, p ledger.ChallengePolicy) (ledger.Challenge, error) {
	hash := challengeHash(id)
	return submit(ctx, r, func(w Tx) (ledger.Challenge, error) {
		c, err := scanChallenge(w.QueryRow(challengeByHash+` FOR UPDATE OF c`, hash), id)
		if err != nil {
			return ledger.Challenge{}, err
		}
		if c.Done || !w.Now().Before(c.ExpiresAt) || c.Wrong >= p.MaxWrong {
			return ledger.Challenge{}, ledger.ErrNotFound
		}
		n, err := w.Change(`UPDATE accounts SET mfa_failures = mfa_failures + 1
			WHERE n = (SELECT account FROM challenges WHERE hash = ?) AND mfa_failures < ?`, hash, p.LockAfter)
		if err != nil {
			return ledger.Challenge{}, err
		}
		if n != 1 {
			return ledger.Challenge{}, ledger.ErrNoAttemptsLeft
		}
		c.Wrong++
		if err := do(w, `UPDATE challenges SET wrong = ? WHERE hash = ?`, c.Wrong, hash); err != nil {
			return ledger.Challenge{}, err
		}
		return c, nil
	})
}

// ReleaseChallengeAttempt implements ledger.AuthStore.
func (r *Rules) ReleaseChallengeAttempt(ctx context.Context, id string) error {
	hash := challengeHash(id)
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		if err := do(w, `UPDATE challenges SET wrong = wrong - 1 WHERE hash = ? AND wrong > 0`, hash); err != nil {
			return nil, err
		}
		return nil, do(w, `UPDATE accounts SET mfa_failures = mfa_failures - 1
			WHERE n = (SELECT account FROM challenges WHERE hash = ?) AND mfa_failures > 0`, hash)
	})
	return err
}

// FailChallenge implements ledger.AuthStore: the attempt was counted when it was taken; this
// decides what the count means.
func (r *Rules) FailChallenge(ctx context.Context, id string, p ledger.ChallengePolicy) (ledger.Challenge, ledger.MFAState, error) {
	hash := challengeHash(id)
	c, err := submit(ctx, r, func(w Tx) (ledger.Challenge, error) {
		c, err := scanChallenge(w.QueryRow(challengeByHash+` FOR UPDATE OF c`, hash), id)
		if err != nil {
			return c, err
		}
		if !c.Done && c.Wrong >= p.MaxWrong {
			c.Done = true
			if err := do(w, `UPDATE challenges SET done = TRUE WHERE hash = ?`, hash); err != nil {
				return c, err
			}
		}
		a, err := w.AccountByID(c.AccountID)
		if err != nil {
			return c, err
		}
		var failures int
		if err := w.QueryRow(`SELECT mfa_failures FROM accounts WHERE n = ?`, a.N).Scan(&failures); err != nil {
			return c, err
		}
		if failures >= p.LockAfter {
			w.Changed(a.ID)
			until := w.Now().Add(p.LockFor)
			if err := do(w, `UPDATE accounts SET mfa_failures = 0, mfa_locked_until = ? WHERE n = ?`,
				ms(until), a.N); err != nil {
				return c, err
			}
			// Every open challenge of the account dies with the lock.
			if err := do(w, `UPDATE challenges SET done = TRUE WHERE account = ?`, a.N); err != nil {
				return c, err
			}
			c.Done = true
			at := api.At(until)
			if err := notify(w, a, api.EventSecurityMFAChanged, mfaEvent{Enabled: true, LockedUntil: &at}); err != nil {
				return c, err
			}
		}
		return c, nil
	})
	if err != nil {
		return ledger.Challenge{}, ledger.MFAState{}, err
	}
	m, err := r.MFA(ctx, c.AccountID)
	return c, m, err
}

// PassChallenge implements ledger.AuthStore.
func (r *Rules) PassChallenge(ctx context.Context, id string) error {
	hash := challengeHash(id)
	_, err := submit(ctx, r, func(w Tx) (any, error) {
		if err := affectOne(w, `UPDATE challenges SET done = TRUE WHERE hash = ? AND NOT done`, hash); err != nil {
			return nil, err
		}
		return nil, do(w, `UPDATE accounts SET mfa_failures = 0 WHERE n = (SELECT account FROM challenges WHERE hash = ?)`, hash)
	})
	return err
}
