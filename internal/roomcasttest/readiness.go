package roomcasttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// Readiness is the answer of /readyz, every field of it: decoding refuses a
// field this type lacks, so a test learns when the answer changes shape.
type Readiness struct {
	// Status is "ready", or "draining" once shutdown has begun (with 503,
	// which Readiness fails on).
	Status string `json:"status"`
	// Peers and Rooms are the signaling registry's: connected sockets and
	// rooms with at least one member.
	Peers int `json:"peers"`
	Rooms int `json:"rooms"`
	// Sessions is the transport's open Engine.IO sessions.
	Sessions int `json:"sessions"`
	// StalledConnects counts sessions that closed without opening their
	// namespace; SlowConsumers those closed because they read too slowly.
	StalledConnects int `json:"stalled_connects"`
	SlowConsumers   int `json:"slow_consumers"`
	// Redis is "up" or "down" on a node started with --redis-url (down
	// with 503 and status "redis unreachable"), absent otherwise.
	Redis string `json:"redis,omitempty"`
}

// Occupancy is the part of a Readiness that must be zero once every client
// has gone.
type Occupancy struct{ Peers, Rooms, Sessions int }

// Occupancy returns the counts of what is in use.
func (r Readiness) Occupancy() Occupancy {
	return Occupancy{Peers: r.Peers, Rooms: r.Rooms, Sessions: r.Sessions}
}

// Readiness reads /readyz, which must answer 200.
func (s *Server) Readiness(t testing.TB) Readiness {
	t.Helper()
	return decodeReadiness(t, s.get(t, "/readyz"))
}

// ReadinessStatus reads /readyz whether it answers 200 or 503, and returns
// the status code with the answer.
func (s *Server) ReadinessStatus(t testing.TB) (int, Readiness) {
	t.Helper()
	res, err := http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK && res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET /readyz: %d %s %v", res.StatusCode, body, err)
	}
	return res.StatusCode, decodeReadiness(t, body)
}

func decodeReadiness(t testing.TB, body []byte) Readiness {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var r Readiness
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("/readyz %s: %v", body, err)
	}
	return r
}
