package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/server"
	"github.com/syftbox/syftwallet/server/auth"
	"github.com/syftbox/syftwallet/server/metrics"
	"github.com/syftbox/syftwallet/server/redisbudget"
)

// Operations: shared limits in Redis (Options.RedisURL), the metrics listener
// (Options.MetricsAddr) and readiness. Each is off unless configured.

// ops is what a service runs for operations, and closes when it stops.
type ops struct {
	metrics *metrics.Metrics // nil: no metrics
	redis   *redis.Client    // nil: limits per instance
	shared  *redisbudget.Shared
	mln     net.Listener // the metrics listener; nil without MetricsAddr
}

// startOps prepares metrics and the Redis budgets. A Redis URL that does not parse is refused; a
// Redis that does not answer is not (the limits are per instance until it does, and it is
// logged). The metrics listener is opened here, so a busy port fails the start.
func startOps(ctx context.Context, o Options) (*ops, error) {
	p := &ops{}
	if o.MetricsAddr != "" || o.MetricsListener != nil {
		p.metrics = metrics.New()
		p.mln = o.MetricsListener
		if p.mln == nil {
			ln, err := net.Listen("tcp", o.MetricsAddr)
			if err != nil {
				return nil, fmt.Errorf("service: metrics: listen on %s: %w", o.MetricsAddr, err)
			}
			p.mln = ln
		}
	}
	if o.RedisURL == "" {
		if o.DatabaseURL != "" || sharedDB(o.DBPath) {
			o.Logger.Warn("no --redis: sign-in and request limits are per instance, so N instances allow N times the attempts")
		}
		return p, nil
	}
	c, err := redisbudget.Dial(o.RedisURL, o.RedisTimeout)
	if err != nil {
		p.close()
		return nil, fmt.Errorf("service: %w", err)
	}
	p.redis = c
	p.shared, err = redisbudget.New(redisbudget.Options{Client: c, Logger: o.Logger, Timeout: o.RedisTimeout,
		OnError: func() { p.metrics.StoreError("redis") }})
	if err != nil {
		p.close()
		return nil, err
	}
	if err := p.shared.Ping(ctx); err != nil {
		o.Logger.Warn("Redis cannot be reached at start: rate limits are per instance until it answers",
			"error", err.Error())
	} else {
		o.Logger.Info("rate limits are shared through Redis")
	}
	return p, nil
}

// sharedDB reports whether db names a database that several instances share (PostgreSQL), as
// opposed to a SQLite file.
func sharedDB(db string) bool { return postgres.IsURL(db) }

// budgets is server.Config.NewBudget: in Redis with a per-instance fallback when Redis is
// configured; nil (the server's in-memory default) otherwise.
func (p *ops) budgets() func(string, server.Rate) server.Budget {
	if p.shared == nil {
		return nil
	}
	return func(name string, r server.Rate) server.Budget {
		return p.shared.Budget(name, r.PerMinute, r.Burst, auth.NewFailureLimiter(r.PerMinute, r.Burst, nil))
	}
}

// ready is server.Config.Ready: Redis, optional (the service serves without it).
func (p *ops) ready() map[string]server.ReadyCheck {
	if p.shared == nil {
		return nil
	}
	return map[string]server.ReadyCheck{"redis": {Check: p.shared.Ping, Optional: true}}
}

// gauges registers what is read at each scrape.
func (p *ops) gauges(connections func() int) {
	p.metrics.Gauge("syftwallet_events_connections", "Live-event WebSocket connections open on this instance.",
		func() float64 { return float64(connections()) })
	if p.shared != nil {
		shared := p.shared
		p.metrics.Gauge("syftwallet_redis_shared", "1 while the rate limits are shared through Redis, 0 while they fall back to this instance.",
			func() float64 {
				if shared.Shared() {
					return 1
				}
				return 0
			})
	}
}

// serveMetrics serves GET /metrics on the metrics listener until ctx ends; it returns once the
// listener is closed and its requests are done. Without a listener it returns at once.
func (p *ops) serveMetrics(ctx context.Context, log *slog.Logger) error {
	if p.mln == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", p.metrics.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"This listener serves GET /metrics only.","code":"not_found"}` + "\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(p.mln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("service: metrics: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("service: metrics: %w", err)
	}
	return nil
}

// MetricsURL is where the metrics are served (http://host:port/metrics), or "" when they are off.
func (s *Service) MetricsURL() string {
	if s.ops == nil || s.ops.mln == nil {
		return ""
	}
	return "http://" + s.ops.mln.Addr().String() + "/metrics"
}

// close releases what startOps opened and serveMetrics did not.
func (p *ops) close() error {
	var err error
	if p.redis != nil {
		err = p.redis.Close()
	}
	if p.mln != nil {
		_ = p.mln.Close() // closed already once served
	}
	return err
}
