package server

import (
	"encoding/json"
	"net/http"
)

// healthz answers liveness: the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// readyz answers readiness: 200 while accepting peers, 503 once shutdown has
// begun, so a load balancer stops sending new connections first.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	peers, rooms := s.registry.Stats()
	ts := s.transport.Stats()
	body := map[string]any{"status": "ready", "peers": peers, "rooms": rooms,
		"sessions": ts.Sessions(), "stalled_connects": ts.StalledConnects, "slow_consumers": ts.SlowConsumers + s.stats.drops[dropSlowConsumer].Load()}
	code := http.StatusOK
	if b := s.sig.broker.status(); b.Kind == "redis" {
		body["redis"] = "up"
		if !b.Up {
			// This node's rooms still work, but it no longer shares them:
			// new clients belong on a node that does.
			body["redis"], body["status"], code = "down", "redis unreachable", http.StatusServiceUnavailable
		}
	}
	if s.draining.Load() {
		body["status"], code = "draining", http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
