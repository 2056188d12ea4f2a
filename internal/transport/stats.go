package transport

import (
	"sync/atomic"

	"github.com/roomcast/roomcast/internal/eio"
)

// Stats are the transport's counters, for readiness and metrics.
type Stats struct {
	// Open sessions by transport and Engine.IO version.
	Polling, Websocket int64
	V3, V4             int64
	// SlowConsumers counts sessions closed because their outbound queue
	// overflowed.
	SlowConsumers int64
	// StalledConnects counts sessions that closed without ever opening the
	// main namespace.
	StalledConnects int64
	// Refused counts requests refused with a protocol error.
	Refused int64
	// Upgrades counts polling sessions that moved to a websocket.
	Upgrades int64
}

// Sessions is the number of open sessions.
func (s Stats) Sessions() int64 { return s.Polling + s.Websocket }

type counters struct {
	byKind                                            [2]atomic.Int64
	byVersion                                         [2]atomic.Int64 // V3, V4
	slowConsumers, stalledConnects, refused, upgrades atomic.Int64
}

func versionIndex(v eio.Version) int { return int(v) - int(eio.V3) }

func (c *counters) opened(s *session) {
	c.byKind[s.kind].Add(1)
	c.byVersion[versionIndex(s.version)].Add(1)
}

func (c *counters) upgraded(*session) {
	c.byKind[kindPolling].Add(-1)
	c.byKind[kindWebsocket].Add(1)
	c.upgrades.Add(1)
}

func (c *counters) closed(s *session) {
	s.mu.Lock()
	k := s.kind
	s.mu.Unlock()
	c.byKind[k].Add(-1)
	c.byVersion[versionIndex(s.version)].Add(-1)
}

// Stats reads the counters.
func (srv *Server) Stats() Stats {
	c := &srv.stats
	return Stats{
		Polling: c.byKind[kindPolling].Load(), Websocket: c.byKind[kindWebsocket].Load(),
		V3: c.byVersion[0].Load(), V4: c.byVersion[1].Load(),
		SlowConsumers: c.slowConsumers.Load(), StalledConnects: c.stalledConnects.Load(),
		Refused: c.refused.Load(), Upgrades: c.upgrades.Load(),
	}
}
