package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/roomcast/roomcast/internal/roomcasttest"
	"github.com/roomcast/roomcast/rooms"
)

// fakeRedisBroker is the memory broker reporting itself as a Redis broker
// whose connection is up or down.
type fakeRedisBroker struct {
	memoryBroker
	up *atomic.Bool
}

func (f fakeRedisBroker) status() brokerStatus { return brokerStatus{Kind: "redis", Up: f.up.Load()} }

func TestMetricsCountWhatHappened(t *testing.T) {
	n := newTestNode(t, nil)
	ts := httptest.NewServer(n.srv.Handler())
	t.Cleanup(ts.Close)
	a := n.joinRoom(t, "a", "r")
	b := n.joinRoom(t, "b", "r")
	a.want(rooms.EventPeerJoined)
	wantBareOK(t, a.call("offer", map[string]any{"sdp": "x"}))
	b.want("offer")
	wantErrorAck(t, a.call("nope"), rooms.CodeUnknownEvent)

	m := roomcasttest.ScrapeMetrics(t, ts.URL+"/metrics")
	for _, want := range []struct {
		name   string
		labels []string
		value  float64
	}{
		{"roomcast_socketio_connections", []string{"transport", "websocket", "eio", "4"}, 2},
		{"roomcast_socketio_connections", []string{"transport", "polling", "eio", "4"}, 0},
		{"roomcast_socketio_connections", []string{"transport", "websocket", "eio", "3"}, 0},
		{"roomcast_peers", nil, 2},
		{"roomcast_rooms", nil, 1},
		{"roomcast_connects_total", nil, 2},
		{"roomcast_joins_total", nil, 2},
		{"roomcast_relayed_events_total", nil, 1},
		{"roomcast_delivered_events_total", nil, 1},
		{"roomcast_refusals_total", []string{"code", rooms.CodeUnknownEvent}, 1},
		{"roomcast_dropped_events_total", []string{"reason", "rate-limited"}, 0},
		{"roomcast_dropped_events_total", []string{"reason", "slow-consumer"}, 0},
		{"roomcast_dropped_events_total", []string{"reason", "oversize"}, 0},
		{"roomcast_recoveries_total", nil, 0},
		{"roomcast_raw_connections", nil, 0},
		{"roomcast_build_info", nil, 1},
	} {
		if got := m.MustValue(t, want.name, want.labels...); got != want.value {
			t.Errorf("%s%v = %v, want %v", want.name, want.labels, got, want.value)
		}
	}
	if _, ok := m["go_goroutines"]; !ok {
		t.Error("no go_goroutines: the Go runtime's metrics are missing")
	}
}

func TestMetricsRedisGauge(t *testing.T) {
	scrape := func(srv *Server) roomcasttest.Metrics {
		ts := httptest.NewServer(srv.Handler())
		defer ts.Close()
		return roomcasttest.ScrapeMetrics(t, ts.URL+"/metrics")
	}
	if _, ok := scrape(newTestServer(t, nil)).Value(t, "roomcast_redis_connected"); ok {
		t.Fatal("roomcast_redis_connected is reported without a Redis broker")
	}
	srv := newTestServer(t, nil)
	var up atomic.Bool // the fake's connection, which the scrapes read
	srv.sig.broker = fakeRedisBroker{up: &up}
	if got := scrape(srv).MustValue(t, "roomcast_redis_connected"); got != 0 {
		t.Errorf("redis down: %v, want 0", got)
	}
	up.Store(true)
	if got := scrape(srv).MustValue(t, "roomcast_redis_connected"); got != 1 {
		t.Errorf("redis up: %v, want 1", got)
	}
}

func TestMetricsElsewhereOrOff(t *testing.T) {
	for _, addr := range []string{MetricsOff, "127.0.0.1:0"} {
		srv := newTestServer(t, func(c *Config) { c.MetricsAddr = addr })
		rec := serve(t, srv.Handler(), http.MethodGet, "/metrics")
		if strings.Contains(rec.Body.String(), "roomcast_") {
			t.Errorf("metrics addr %q: the main address still serves metrics", addr)
		}
	}
}

func TestConfigValidateMetricsAddr(t *testing.T) {
	for addr, ok := range map[string]bool{"": true, MetricsOff: true, "127.0.0.1:0": true, ":9100": true, "nocolon": false, "host:99999": false, "OFF": false} {
		cfg := DefaultConfig()
		cfg.MetricsAddr = addr
		if err := cfg.Validate(); (err == nil) != ok {
			t.Errorf("metrics addr %q: Validate = %v, want ok %v", addr, err, ok)
		}
	}
}
