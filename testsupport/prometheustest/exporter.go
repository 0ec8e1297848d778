package prometheustest

import (
	"net/http/httptest"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The exporter's metric names: what a model server's request metrics look
// like once Prometheus has labelled them with namespace, deployment and
// revision.
const (
	RequestsTotal = "model_requests_total"
	ErrorsTotal   = "model_request_errors_total"
	Latency       = "model_request_duration_seconds"
)

// Series names one revision's series: its labels namespace, deployment and
// revision.
type Series struct {
	Namespace, Deployment, Revision string
}

// Traffic is what a revision serves from the moment it is set: requests a
// second, the share of them that fail (0 to 1), and how long each takes.
type Traffic struct {
	RequestsPerSecond float64
	ErrorRatio        float64
	Latency           time.Duration
}

// Exporter is an HTTP server in the test's process exposing, per Series, a
// requests counter, an errors counter and a latency histogram. Counters
// advance with the wall clock at the rate Set gave, so rate() over them
// reads back that Traffic once Prometheus has scraped twice.
type Exporter struct {
	server *httptest.Server
	now    func() time.Time

	mu     sync.Mutex
	series map[Series]*seriesState
}

type seriesState struct {
	traffic  Traffic
	last     time.Time
	requests float64
	errors   float64
	latency  float64   // sum of latencies, seconds
	buckets  []float64 // cumulative, one per prometheus.DefBuckets bound
}

var (
	labelNames   = []string{"namespace", "deployment", "revision"}
	requestsDesc = prometheus.NewDesc(RequestsTotal, "Requests served.", labelNames, nil)
	errorsDesc   = prometheus.NewDesc(ErrorsTotal, "Requests answered with an error.", labelNames, nil)
	latencyDesc  = prometheus.NewDesc(Latency, "Request latency.", labelNames, nil)
)

// NewExporter starts an exporter on a loopback port; Close stops it.
func NewExporter() *Exporter {
	e := &Exporter{now: time.Now, series: map[Series]*seriesState{}}
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	e.server = httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return e
}

// Addr is the exporter's host:port, Prometheus's scrape target.
func (e *Exporter) Addr() string { return e.server.Listener.Addr().String() }

// Close stops the exporter's server.
func (e *Exporter) Close() { e.server.Close() }

// Set makes s serve tr from now on; what it served before is kept (counters
// never go back). A new series starts at zero.
func (e *Exporter) Set(s Series, tr Traffic) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	st, ok := e.series[s]
	if !ok {
		st = &seriesState{last: now, buckets: make([]float64, len(prometheus.DefBuckets))}
		e.series[s] = st
	}
	st.advance(now)
	st.traffic = tr
}

// Remove drops s: the next scrape no longer has it, so Prometheus marks it
// stale and queries for it return nothing.
func (e *Exporter) Remove(s Series) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.series, s)
}

func (st *seriesState) advance(now time.Time) {
	n := st.traffic.RequestsPerSecond * now.Sub(st.last).Seconds()
	st.requests += n
	st.errors += n * st.traffic.ErrorRatio
	st.latency += n * st.traffic.Latency.Seconds()
	for i, le := range prometheus.DefBuckets {
		if st.traffic.Latency.Seconds() <= le {
			st.buckets[i] += n
		}
	}
	st.last = now
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	ch <- requestsDesc
	ch <- errorsDesc
	ch <- latencyDesc
}

// Collect implements prometheus.Collector: each scrape advances every
// series to now. Every request takes its Traffic's Latency at the time, so
// it counts in the histogram's buckets at or above that latency.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for s, st := range e.series {
		st.advance(now)
		lv := []string{s.Namespace, s.Deployment, s.Revision}
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, st.requests, lv...)
		ch <- prometheus.MustNewConstMetric(errorsDesc, prometheus.CounterValue, st.errors, lv...)
		buckets := make(map[float64]uint64, len(prometheus.DefBuckets))
		for i, le := range prometheus.DefBuckets {
			buckets[le] = uint64(st.buckets[i])
		}
		ch <- prometheus.MustNewConstHistogram(latencyDesc, uint64(st.requests), st.latency, buckets, lv...)
	}
}
