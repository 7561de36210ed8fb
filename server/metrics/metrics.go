// Package metrics is the accounting service's Prometheus metrics: requests by route and status,
// payment latency, the ledger's group-commit sizes, live-event connections and lag, and errors of
// the stores behind the service (Redis, PostgreSQL). Each service instance has its own registry
// (never Prometheus's global one), served by Handler on a listener of its own (serve
// --metrics-addr), not on the public one.
//
// Every method is safe on a nil *Metrics and then does nothing, so the service's code records
// without asking whether metrics are on. It knows client_golang and net/http; it knows nothing of
// the ledger, of authentication or of what a route does.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one service instance's metrics. Create them with New.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	payments    *prometheus.HistogramVec
	groups      prometheus.Histogram
	eventLag    prometheus.Histogram
	storeErrors *prometheus.CounterVec
}

// PaymentRoutes are the routes whose latency is the payment latency histogram's.
var PaymentRoutes = map[string]bool{
	"POST /payments":            true,
	"POST /transactions/batch":  true,
	"POST /transaction/create":  true,
	"POST /transaction/confirm": true,
}

// New makes the metrics of one instance, in a registry of their own that also holds the Go
// runtime's and the process's collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syftwallet_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "syftwallet_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms .. 16 s
		}, []string{"route"}),
		payments: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "syftwallet_payment_duration_seconds",
			Help:    "Time to answer requests that move money (payments, batches, holds, confirmations), by route; durable on return.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
		groups: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "syftwallet_ledger_commit_group_size",
			Help:    "Calls committed together in one ledger transaction (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10), // 1 .. 512
		}),
		eventLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "syftwallet_event_lag_seconds",
			Help:    "Time from an event's commit to its hand-over to the live-event hub.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16), // 0.1 ms .. 3 s
		}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syftwallet_store_errors_total",
			Help: "Failed calls to the stores behind the service, by store (redis, postgres).",
		}, []string{"store"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.payments, m.groups, m.eventLag, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the instance's registry, for collectors of other parts (Gauge).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Request records one answered request: route is its pattern ("POST /payments"; "(unrouted)" for
// none), never the raw path, so the label set stays bounded.
func (m *Metrics) Request(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
	if PaymentRoutes[route] {
		m.payments.WithLabelValues(route).Observe(d.Seconds())
	}
}

// Group records the size of one committed group.
func (m *Metrics) Group(size int) {
	if m == nil {
		return
	}
	m.groups.Observe(float64(size))
}

// EventLag records how long after its commit (at) an event reached the hub.
func (m *Metrics) EventLag(at time.Time, now time.Time) {
	if m == nil {
		return
	}
	d := now.Sub(at)
	if d < 0 {
		d = 0
	}
	m.eventLag.Observe(d.Seconds())
}

// StoreError counts a failed call to store ("redis", "postgres").
func (m *Metrics) StoreError(store string) {
	if m == nil {
		return
	}
	m.storeErrors.WithLabelValues(store).Inc()
}

// Gauge registers a gauge read from f at each scrape (live-event connections, whether Redis is
// shared); name must be unique.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}
