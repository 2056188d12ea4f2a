package server

import (
	"net"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// /metrics, in Prometheus's text format. The numbers are the counters the
// server keeps anyway (counters, transport.Stats, the registry), read when
// Prometheus scrapes: nothing on the path of a relayed event touches a
// Prometheus metric.

// MetricsOff is the Config.MetricsAddr that serves no /metrics at all.
const MetricsOff = "off"

// metricsHandler serves /metrics from a registry of the node's own: two
// servers in one process (tests) never share one.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(s), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// metricsOwnAddr reports whether /metrics has a listener of its own.
func (c Config) metricsOwnAddr() bool { return c.MetricsAddr != "" && c.MetricsAddr != MetricsOff }

// listenMetrics serves /metrics on Config.MetricsAddr, when it names an
// address of its own; the returned server is nil otherwise.
func (s *Server) listenMetrics() (*http.Server, error) {
	if !s.cfg.metricsOwnAddr() {
		return nil, nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: s.cfg.ReadHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: readTimeout, IdleTimeout: idleTimeout}
	s.log.Info("serving metrics", "addr", ln.Addr().String())
	go func() { _ = hs.Serve(ln) }()
	return hs, nil
}

// collector is the node's prometheus.Collector.
type collector struct {
	s *Server

	connections, rawConnections, peers, rooms, redis, build *prometheus.Desc
	connects, joins, refusals, relayed, delivered, dropped  *prometheus.Desc
	recoveries, stalled, upgrades, protocolRefusals         *prometheus.Desc
	admissionRefusals                                       *prometheus.Desc
	buildLabels                                             []string
}

func newCollector(s *Server) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("roomcast_"+name, help, labels, nil)
	}
	version, revision, goVersion := buildInfo()
	return &collector{
		s:                 s,
		connections:       d("socketio_connections", "Open socket.io sessions, by transport and Engine.IO version.", "transport", "eio"),
		rawConnections:    d("raw_connections", "Open raw WebSocket connections (the inst and login dialects)."),
		peers:             d("peers", "Connected peers, socket.io and raw."),
		rooms:             d("rooms", "Rooms with at least one member."),
		redis:             d("redis_connected", "1 while the Redis broker is connected, 0 while it is not; absent without Redis."),
		build:             d("build_info", "The running build: always 1.", "version", "revision", "goversion"),
		connects:          d("connects_total", "socket.io sockets connected (recoveries excluded)."),
		joins:             d("joins_total", "Rooms entered: joins, handshake rooms, the dialects' joins, raw connections' rooms."),
		refusals:          d("refusals_total", "Refused commands and joins, by the error code the client got.", "code"),
		relayed:           d("relayed_events_total", "Signaling events relayed."),
		delivered:         d("delivered_events_total", "Relayed events delivered, one per recipient."),
		dropped:           d("dropped_events_total", "Events not delivered: rate-limited (each event), slow-consumer and oversize (each connection closed for it).", "reason"),
		recoveries:        d("recoveries_total", "Dropped socket.io clients that came back with their id, rooms and missed events."),
		stalled:           d("stalled_connects_total", "socket.io sessions that closed without opening their namespace."),
		upgrades:          d("upgrades_total", "socket.io sessions that moved from polling to websocket."),
		protocolRefusals:  d("protocol_refusals_total", "socket.io requests refused with an Engine.IO error (bad handshake, unknown session, origin)."),
		admissionRefusals: d("admission_refusals_total", "Connections refused for the per-address or total connection limit."),
		buildLabels:       []string{version, revision, goVersion},
	}
}

// Describe sends every metric's description.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.connections, c.rawConnections, c.peers, c.rooms, c.redis, c.build,
		c.connects, c.joins, c.refusals, c.relayed, c.delivered, c.dropped,
		c.recoveries, c.stalled, c.upgrades, c.protocolRefusals, c.admissionRefusals,
	} {
		ch <- d
	}
}

// Collect reads the counters once per scrape.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	ts := s.transport.Stats()
	for _, o := range ts.Open {
		gauge(c.connections, float64(o.Count), o.Transport, strconv.Itoa(o.EIO))
	}
	gauge(c.rawConnections, float64(s.raw.openCount()))
	peers, rooms := s.registry.Stats()
	gauge(c.peers, float64(peers))
	gauge(c.rooms, float64(rooms))
	// The broker's status (brokerStatus): the Redis broker's, or the
	// memory broker's, which has no Redis to report.
	if b := s.sig.broker.status(); b.Kind == "redis" {
		gauge(c.redis, boolValue(b.Up))
	}
	gauge(c.build, 1, c.buildLabels...)

	st := s.stats
	counter(c.connects, st.connects.Load())
	counter(c.joins, st.joins.Load())
	codes, counts := st.refusalCounts()
	for i, code := range codes {
		counter(c.refusals, counts[i], code)
	}
	counter(c.relayed, st.relayed.Load())
	counter(c.delivered, st.delivered.Load())
	transportDrops := [dropReasons]int64{dropSlowConsumer: ts.SlowConsumers, dropOversize: ts.TooLarge}
	for reason, name := range dropReasonNames {
		counter(c.dropped, st.drops[reason].Load()+transportDrops[reason], name)
	}
	counter(c.recoveries, st.recoveries.Load())
	counter(c.stalled, ts.StalledConnects)
	counter(c.upgrades, ts.Upgrades)
	counter(c.protocolRefusals, ts.Refused)
	counter(c.admissionRefusals, s.admission.refused.Load())
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// buildInfo reads the module version and VCS revision the binary was built
// from ("(devel)" and "" for a build outside version control).
func buildInfo() (version, revision, goVersion string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", "", ""
	}
	for _, kv := range bi.Settings {
		if kv.Key == "vcs.revision" {
			revision = kv.Value
		}
	}
	return bi.Main.Version, revision, bi.GoVersion
}
