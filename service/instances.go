package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/server/hub"
)

// followInstances feeds this instance's hub from what the other instances on the same PostgreSQL
// database commit (LISTEN/NOTIFY, ledger/postgres.Listen): the events of accounts with a
// connection here, read from the outbox, and the sessions revoked, whose sockets close with 4001.
// When the listening connection comes back after a drop it catches up: each watched account's
// latest event is published (its connections fill the gap from the outbox by themselves) and the
// sessions revoked meanwhile are closed. Every session revoked elsewhere is also given to revoked
// (the server's session cache, which must stop honouring its access tokens at once). Accounts whose password or second factor changed elsewhere
// are forgotten by forget (the server's remembered Basic checks: they also miss by themselves
// once the stored password hash changes, but not when only the second factor does). It returns
// when ctx ends.
func followInstances(ctx context.Context, pg *postgres.Store, h *hub.Hub, forget func(accountID string),
	revoked func(sessionIDs []string), log *slog.Logger) error {
	log = log.With("component", "instances")
	read := func(accountID string, after int64, limit int) {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		evs, err := pg.EventsAfter(rctx, accountID, after, limit)
		if err != nil && ctx.Err() == nil {
			log.Warn("read events committed by another instance", "err", err)
			return
		}
		if len(evs) > 0 {
			h.Publish(evs)
		}
	}
	return pg.Listen(ctx, postgres.Remote{
		Events: func(accountID string, first, last int64) {
			if h.Watching(accountID) {
				read(accountID, first-1, int(last-first+1))
			}
		},
		Revoked: func(ids []string) {
			revoked(ids)
			for _, id := range ids {
				h.RevokeSession(id)
			}
		},
		Credentials: func(ids []string) {
			for _, id := range ids {
				forget(id)
			}
		},
		Connected: func(since time.Time) {
			if since.IsZero() {
				return
			}
			log.Info("listening to the other instances again; catching up")
			for _, a := range h.Accounts() {
				rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				last, err := pg.LatestSeq(rctx, a)
				cancel()
				if err == nil && last > 0 {
					read(a, last-1, 1)
				}
			}
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			// A little before the last moment known: clocks of instances differ a little.
			ids, err := pg.RevokedSince(rctx, since.Add(-5*time.Second))
			if err != nil {
				log.Warn("read sessions revoked meanwhile", "err", err)
			}
			revoked(ids)
			for _, id := range ids {
				h.RevokeSession(id)
			}
		},
		Lost: func(err error) {
			log.Warn("lost the connection listening to the other instances; reconnecting", "err", err)
		},
	})
}

var _ ledger.Ledger = (*postgres.Store)(nil)
