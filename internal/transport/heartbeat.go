package transport

import (
	"time"

	"github.com/roomcast/roomcast/internal/eio"
)

// Heartbeats. Version 4 servers ping every PingInterval and close a session
// whose pong does not come within PingTimeout; version 3 clients ping and
// the server closes a session that has not pinged for PingInterval +
// PingTimeout. One timer per session does both, re-armed rather than
// replaced, and always stopped when the session closes.

func (s *session) startHeartbeatLocked() {
	cfg := s.srv.cfg
	if s.version == eio.V4 {
		s.heartbeat = time.AfterFunc(cfg.PingInterval, s.heartbeatDue)
	} else {
		s.heartbeat = time.AfterFunc(cfg.PingInterval+cfg.PingTimeout, s.heartbeatDue)
	}
	s.connectTimer = time.AfterFunc(cfg.ConnectTimeout, s.connectDue)
}

// heartbeatDue sends a version 4 ping, or closes a session whose client
// stopped answering (version 4) or pinging (version 3).
func (s *session) heartbeatDue() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.version == eio.V3 || s.awaitingPong {
		s.mu.Unlock()
		s.close(ReasonPingTimeout)
		return
	}
	s.awaitingPong = true
	s.heartbeat.Reset(s.srv.cfg.PingTimeout)
	s.mu.Unlock()
	s.queue(eio.Ping, nil)
}

// ponged takes a version 4 client's pong.
func (s *session) ponged() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.awaitingPong && !s.closed {
		s.awaitingPong = false
		s.heartbeat.Reset(s.srv.cfg.PingInterval)
	}
}

// pinged answers a version 3 client's ping with its data and restarts the
// wait for the next one.
func (s *session) pinged(data []byte) {
	s.mu.Lock()
	if s.version == eio.V3 && !s.closed {
		s.heartbeat.Reset(s.srv.cfg.PingInterval + s.srv.cfg.PingTimeout)
	}
	s.mu.Unlock()
	s.queue(eio.Pong, data)
}

// connectDue closes a session whose client never opened the namespace.
func (s *session) connectDue() {
	s.dispatch.Lock()
	connected := s.everConnected
	s.dispatch.Unlock()
	if !connected {
		s.srv.cfg.Logger.Debug("closing a session that did not connect in time", "sid", s.id, "timeout", s.srv.cfg.ConnectTimeout)
		s.close(ReasonConnectTimeout)
	}
}
