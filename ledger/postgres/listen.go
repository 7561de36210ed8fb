package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Remote is what Listen reports of the commits of other instances on the same database.
type Remote struct {
	// Events: the account's events seq first..last were committed by another instance (read
	// them from the outbox with EventsAfter).
	Events func(accountID string, first, last int64)
	// Revoked: sessions another instance revoked.
	Revoked func(sessionIDs []string)
	// Credentials: accounts whose password or second factor another instance changed (drop
	// what was remembered of their sign-ins).
	Credentials func(accountIDs []string)
	// Connected is called each time the listening connection is (re)established, with the time
	// the previous one was last known to be listening (zero the first time): notifications sent
	// in between were missed, so the caller catches up from the outbox (and RevokedSince).
	Connected func(since time.Time)
	// Lost is called when the listening connection fails, before it reconnects.
	Lost func(err error)
}

// ListenerName is the application_name of the listening connections (pg_stat_activity).
const ListenerName = "syftwallet-listen"

// Listen follows the other instances' commits until ctx ends: it LISTENs on the store's channels
// on a connection of its own and calls r for each notification not sent by this store. When the
// connection drops it reconnects (backing off up to 5 s) and calls r.Connected, so nothing is lost
// for a caller that catches up there.
func (s *Store) Listen(ctx context.Context, r Remote) error {
	var since time.Time
	wait := 100 * time.Millisecond
	for {
		alive, err := s.listenOnce(ctx, r, since)
		if ctx.Err() != nil {
			return nil
		}
		if !alive.IsZero() {
			since, wait = alive, 100*time.Millisecond
		}
		if r.Lost != nil {
			r.Lost(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listenOnce listens on one connection until it fails; it returns the last time it was known to
// be listening (zero if it never was).
func (s *Store) listenOnce(ctx context.Context, r Remote, since time.Time) (time.Time, error) {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = ListenerName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return time.Time{}, fmt.Errorf("ledger: listen: %w", redact(err))
	}
	defer conn.Close(context.Background())
	events, sessions, creds := s.opts.Channel+"_events", s.opts.Channel+"_sessions", s.opts.Channel+"_credentials"
	for _, ch := range []string{events, sessions, creds} {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return time.Time{}, fmt.Errorf("ledger: listen: %w", err)
		}
	}
	alive := time.Now()
	if r.Connected != nil {
		r.Connected(since)
	}
	for {
		// Wake up now and then to learn that the connection still works.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && wctx.Err() != nil {
				if err := conn.Ping(ctx); err == nil {
					alive = time.Now()
					continue
				}
			}
			return alive, err
		}
		alive = time.Now()
		from, rest, _ := strings.Cut(n.Payload, " ")
		if from == s.instance {
			continue
		}
		items := strings.Fields(rest)
		switch n.Channel {
		case events:
			if r.Events == nil {
				continue
			}
			for _, it := range items {
				parts := strings.Split(it, ":")
				if len(parts) != 3 {
					continue
				}
				first, err1 := strconv.ParseInt(parts[1], 10, 64)
				last, err2 := strconv.ParseInt(parts[2], 10, 64)
				if err1 == nil && err2 == nil {
					r.Events(parts[0], first, last)
				}
			}
		case sessions:
			if r.Revoked != nil && len(items) > 0 {
				r.Revoked(items)
			}
		case creds:
			if r.Credentials != nil && len(items) > 0 {
				r.Credentials(items)
			}
		}
	}
}

// RevokedSince lists the sessions (and, as "apikey:<id>", the API keys) revoked at or after since
// by any instance, for a listener that catches up after its connection dropped.
func (s *Store) RevokedSince(ctx context.Context, since time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM sessions WHERE revoked_at >= $1
		UNION ALL SELECT 'apikey:' || id FROM api_keys WHERE revoked_at >= $1`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("ledger: revoked sessions: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("ledger: revoked sessions: %w", err)
	}
	return ids, nil
}
