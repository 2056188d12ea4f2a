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
	// TooLarge counts sessions closed for a message or polling body beyond
	// MaxPayload (ReasonMessageTooLarge).
	TooLarge int64
	// Open counts the open sessions of each transport and Engine.IO
	// version, every combination, in a fixed order.
	Open []OpenSessions
}

// OpenSessions counts the open sessions of one transport and version.
type OpenSessions struct {
	Transport string // "polling" or "websocket"
	EIO       int    // 3 or 4
	Count     int64
}

// Sessions is the number of open sessions.
func (s Stats) Sessions() int64 { return s.Polling + s.Websocket }

type counters struct {
	open                                                        [2][2]atomic.Int64 // by kind, then version (V3, V4)
	slowConsumers, stalledConnects, refused, upgrades, tooLarge atomic.Int64
}

// versions are the Engine.IO versions, in the order of counters.open.
var versions = [2]eio.Version{eio.V3, eio.V4}

func versionIndex(v eio.Version) int { return int(v) - int(eio.V3) }

func (c *counters) opened(s *session) {
	c.open[s.kind][versionIndex(s.version)].Add(1)
}

func (c *counters) upgraded(s *session) {
	v := versionIndex(s.version)
	c.open[kindPolling][v].Add(-1)
	c.open[kindWebsocket][v].Add(1)
	c.upgrades.Add(1)
}

func (c *counters) closed(s *session) {
	s.mu.Lock()
	k := s.kind
	s.mu.Unlock()
	c.open[k][versionIndex(s.version)].Add(-1)
}

// Stats reads the counters.
func (srv *Server) Stats() Stats {
	c := &srv.stats
	st := Stats{
		SlowConsumers: c.slowConsumers.Load(), StalledConnects: c.stalledConnects.Load(),
		Refused: c.refused.Load(), Upgrades: c.upgrades.Load(), TooLarge: c.tooLarge.Load(),
	}
	for k := range c.open {
		for v := range c.open[k] {
			n := c.open[k][v].Load()
			st.Open = append(st.Open, OpenSessions{Transport: kind(k).String(), EIO: int(versions[v]), Count: n})
			if kind(k) == kindPolling {
				st.Polling += n
			} else {
				st.Websocket += n
			}
			if versions[v] == eio.V3 {
				st.V3 += n
			} else {
				st.V4 += n
			}
		}
	}
	return st
}
