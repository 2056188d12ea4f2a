package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// TestMetricsCountRealTraffic scrapes /metrics before and after known
// traffic from official clients: each counter moves by exactly what was
// done, and the gauges say what is open.
func TestMetricsCountRealTraffic(t *testing.T) {
	t.Parallel()
	// A bucket of 10 events that never refills in the test's time, so that
	// exactly the events past the tenth are rate-limited.
	s := startServer(t, append([]string{"--event-rate", "0.001", "--event-burst", "10", "--max-message-bytes", "4096"}, exactArgs...)...)
	before := roomcasttest.ScrapeMetrics(t, s.URL+"/metrics")
	d := startDriver(t)
	websocketOnly := map[string]any{"transports": []string{"websocket"}}
	with := func(opts map[string]any, room string) map[string]any {
		all := inRoom(room)
		for k, v := range opts {
			all[k] = v
		}
		return all
	}
	a := d.connect(s, "a", clientV4, with(websocketOnly, "m"))
	b := d.connect(s, "b", clientV4, with(map[string]any{"transports": []string{"polling"}}, "m"))
	c := d.connect(s, "c", clientV2, inRoom("m"))
	for _, p := range []*peer{a, b, c} {
		p.next(t, "joined")
	}
	c.waitUpgrade(t)

	const offers = 5
	for i := range offers {
		ackOK(t, a.call(t, "offer", map[string]any{"n": i}))
	}
	for range offers {
		b.next(t, "offer")
		c.next(t, "offer")
	}
	wantCode(t, a.call(t, "join", strings.Repeat("x", 65)), "invalid-room")

	// x floods a room of its own: 10 events pass, the 5 after them and the
	// call after those are rate-limited.
	x := d.connect(s, "x", clientV4, with(websocketOnly, "flood"))
	x.next(t, "joined")
	x.burst("ice", 15, nil)
	wantCode(t, x.call(t, "ice", map[string]any{}), "rate-limited")

	big := d.connect(s, "big", clientV4, with(websocketOnly, "m2"))
	big.next(t, "joined")
	big.emit("message", strings.Repeat("x", 8<<10)) // past --max-message-bytes
	big.waitFor(t, func(r report) bool { return r.Type == "disconnect" }, "disconnect")
	waitReadiness(t, s, waitTimeout, func(r roomcasttest.Readiness) bool { return r.Peers == 4 })

	after := roomcasttest.ScrapeMetrics(t, s.URL+"/metrics")
	moved := func(name string, labels ...string) float64 {
		v0, _ := before.Value(t, name, labels...) // absent before: 0
		return after.MustValue(t, name, labels...) - v0
	}
	for _, want := range []struct {
		name   string
		labels []string
		delta  float64
	}{
		{"roomcast_connects_total", nil, 5},
		{"roomcast_joins_total", nil, 5},
		{"roomcast_relayed_events_total", nil, offers + 10},
		{"roomcast_delivered_events_total", nil, 2 * offers},
		{"roomcast_refusals_total", []string{"code", "invalid-room"}, 1},
		{"roomcast_refusals_total", []string{"code", "rate-limited"}, 6},
		{"roomcast_dropped_events_total", []string{"reason", "rate-limited"}, 6},
		{"roomcast_dropped_events_total", []string{"reason", "oversize"}, 1},
		{"roomcast_dropped_events_total", []string{"reason", "slow-consumer"}, 0},
		{"roomcast_upgrades_total", nil, 1},
		{"roomcast_recoveries_total", nil, 0},
	} {
		if got := moved(want.name, want.labels...); got != want.delta {
			t.Errorf("%s%v moved by %v, want %v", want.name, want.labels, got, want.delta)
		}
	}
	for _, want := range []struct {
		name   string
		labels []string
		value  float64
	}{
		{"roomcast_socketio_connections", []string{"transport", "websocket", "eio", "4"}, 2}, // a, x
		{"roomcast_socketio_connections", []string{"transport", "polling", "eio", "4"}, 1},   // b
		{"roomcast_socketio_connections", []string{"transport", "websocket", "eio", "3"}, 1}, // c, upgraded
		{"roomcast_socketio_connections", []string{"transport", "polling", "eio", "3"}, 0},
		{"roomcast_raw_connections", nil, 0},
		{"roomcast_peers", nil, 4},
		{"roomcast_rooms", nil, 2}, // m and flood
	} {
		if got := after.MustValue(t, want.name, want.labels...); got != want.value {
			t.Errorf("%s%v = %v, want %v", want.name, want.labels, got, want.value)
		}
	}
	if _, ok := after.Value(t, "roomcast_redis_connected"); ok {
		t.Error("roomcast_redis_connected is reported without Redis")
	}
	if v := after.MustValue(t, "roomcast_build_info"); v != 1 {
		t.Errorf("roomcast_build_info = %v", v)
	}
}

// logAddr returns the addr of the first JSON log line whose msg is msg,
// waiting for it.
func logAddr(t *testing.T, s *server, msg string) string {
	t.Helper()
	addr := ""
	waitLogs(t, s, func(logs string) bool {
		for _, line := range strings.Split(logs, "\n") {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == msg && rec.Addr != "" {
				addr = rec.Addr
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprintf("no %q log line", msg) })
	return addr
}

func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	t.Run("own listener", func(t *testing.T) {
		s := startServer(t, "--metrics-addr", "127.0.0.1:0")
		addr := logAddr(t, s, "serving metrics")
		m := roomcasttest.ScrapeMetrics(t, "http://"+addr+"/metrics")
		if v := m.MustValue(t, "roomcast_peers"); v != 0 {
			t.Errorf("roomcast_peers = %v", v)
		}
		if res, _ := get(t, s, "/metrics"); res.StatusCode != http.StatusNotFound {
			t.Errorf("the main address answers /metrics with %d, want 404", res.StatusCode)
		}
	})
	t.Run("off", func(t *testing.T) {
		s := startServer(t, "--metrics-addr", "off")
		if res, _ := get(t, s, "/metrics"); res.StatusCode != http.StatusNotFound {
			t.Errorf("/metrics answered %d, want 404", res.StatusCode)
		}
		if strings.Contains(s.Logs(), "serving metrics") {
			t.Error("metrics are served somewhere")
		}
	})
}
