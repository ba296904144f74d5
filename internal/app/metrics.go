package app

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"rainforest/internal/kernel/db"
)

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(d *db.DB) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rainforest_http_requests_total",
		Help: "HTTP requests by route pattern and status.",
	}, []string{"route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rainforest_http_request_duration_seconds",
		Help:    "HTTP request latency by route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.Write, "write"),
	)
	if d.Read != d.Write {
		m.reg.MustRegister(collectors.NewDBStatsCollector(d.Read, "read"))
	}
	return m
}

func contextWithHolder(ctx context.Context, h *routeHolder) context.Context {
	return context.WithValue(ctx, holderKey{}, h)
}

func holderFrom(ctx context.Context) *routeHolder {
	h, _ := ctx.Value(holderKey{}).(*routeHolder)
	return h
}
