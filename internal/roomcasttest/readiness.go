package roomcasttest

import (
	"bytes"
	"encoding/json"
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
}

// Occupancy is the part of a Readiness that must be zero once every client
// has gone.
type Occupancy struct{ Peers, Rooms, Sessions int }

// Occupancy returns the counts of what is in use.
func (r Readiness) Occupancy() Occupancy {
	return Occupancy{Peers: r.Peers, Rooms: r.Rooms, Sessions: r.Sessions}
}

// Readiness reads /readyz.
func (s *Server) Readiness(t testing.TB) Readiness {
	t.Helper()
	body := s.get(t, "/readyz")
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var r Readiness
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("/readyz %s: %v", body, err)
	}
	return r
}
