package transport

import (
	"errors"
	"sync"
	"time"

	"github.com/roomcast/roomcast/internal/eio"
)

// kind is the transport a session currently runs on.
type kind uint8

const (
	kindPolling kind = iota
	kindWebsocket
)

func (k kind) String() string {
	if k == kindWebsocket {
		return "websocket"
	}
	return "polling"
}

// session is one Engine.IO session: a sid, its current transport, its
// outbound queue, its heartbeat, and the socket on it.
//
// Locks: mu guards the fields below it and is held only briefly, never
// while calling the handler or doing I/O. dispatch is held while one
// inbound packet is handled (the handler runs under it), so one session's
// packets are handled one at a time, in order, and Disconnect comes after
// the last Event.
type session struct {
	srv     *Server
	id      string
	version eio.Version
	// b64 is set for version 3 polling clients that asked for base64
	// binary data (b64=1); the others get binary payloads.
	b64       bool
	handshake Handshake
	opened    time.Time
	release   func() // Config.Admit's, or nil

	mu     sync.Mutex
	closed bool
	reason string
	// draining: no more packets are accepted; the queue is sent, then the
	// session closes.
	draining bool
	kind     kind
	out      outbox
	// polling
	getWaiting, posting bool
	wake                chan struct{} // a waiting GET's signal
	// websocket
	ws      *wsConn
	writing bool // a writer goroutine is running
	// writer is s.writeLoop, bound once: a go statement on a method value
	// allocates a closure every time, and writers start once per burst.
	writer func()
	// upgrade: probe is the websocket being probed; upgrading is set once
	// the probe is answered, from when polls get noops.
	probe     *wsConn
	upgrading bool
	// heartbeat
	heartbeat    *time.Timer
	awaitingPong bool
	connectTimer *time.Timer
	upgradeTimer *time.Timer

	dispatch sync.Mutex
	socket   *Socket // guarded by dispatch; state changes also by mu
	// everConnected: a socket opened the main namespace at some point.
	everConnected bool
	partial       *partialPacket
	ev            Event // reused for every event: handing the handler a pointer to it allocates nothing
}

func newSession(srv *Server, v eio.Version, k kind, b64 bool, hs Handshake) *session {
	s := &session{
		srv: srv, id: newID(), version: v, b64: b64, handshake: hs, opened: time.Now(),
		kind: k, out: outbox{max: srv.cfg.MaxQueuedBytes},
	}
	s.writer = s.writeLoop
	if k == kindPolling {
		s.wake = make(chan struct{}, 1)
	}
	return s
}

// queue adds one packet for the client and starts delivering it. It
// reports false when the session is closed; a queue overflow closes the
// session as a slow consumer.
func (s *session) queue(t eio.Type, data []byte) bool {
	s.mu.Lock()
	if s.closed || s.draining {
		s.mu.Unlock()
		return false
	}
	if !s.out.add(t, data, false, s.version) {
		s.mu.Unlock()
		s.overflow()
		return false
	}
	start := s.kickLocked()
	s.mu.Unlock()
	if start {
		go s.writer()
	}
	return true
}

// kickLocked gets queued packets moving: it wakes a waiting poll, or
// reports that a websocket writer must be started (the caller starts it
// after unlocking).
func (s *session) kickLocked() (startWriter bool) {
	switch {
	case s.kind == kindPolling:
		if s.getWaiting {
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	case !s.writing && !s.out.empty():
		s.writing = true
		return true
	}
	return false
}

func (s *session) overflow() {
	s.srv.stats.slowConsumers.Add(1)
	s.srv.cfg.Logger.Debug("closing a slow consumer", "sid", s.id, "queued_limit", s.srv.cfg.MaxQueuedBytes)
	s.close(ReasonSlowConsumer)
}

// close ends the session at once: the queue is dropped, the connection
// closed, timers stopped; the handler's Disconnect follows on a goroutine of
// its own, once any packet being handled is done. It is safe to call more
// than once and from the handler.
func (s *session) close(reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed, s.reason = true, reason
	if reason == ReasonMessageTooLarge {
		s.srv.stats.tooLarge.Add(1)
	}
	s.stopTimersLocked()
	// The client's side may hold its socket a while yet (a recoverable one
	// for the recovery window): the closed session lets go of its buffers.
	ws, probe := s.ws, s.probe
	s.ws, s.probe = nil, nil
	s.out.drop()
	if s.getWaiting {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	if k := s.socket; k != nil {
		k.closed = true
	}
	s.mu.Unlock()
	s.srv.forget(s)
	// Closing a websocket sends a close frame, which may wait on a peer that
	// reads nothing: never on the caller, who may be relaying to many.
	if ws != nil {
		go ws.close()
	}
	if probe != nil {
		go probe.close()
	}
	go s.finish(reason)
}

// drain stops accepting packets and closes the session once the queue is
// delivered (a websocket writer or the next poll sends it), or after
// WriteTimeout.
func (s *session) drain(reason string) {
	s.mu.Lock()
	if s.closed || s.draining {
		s.mu.Unlock()
		return
	}
	s.draining, s.reason = true, reason
	empty := s.out.empty() && !s.writing
	start := s.kickLocked()
	s.mu.Unlock()
	switch {
	case empty:
		s.close(reason)
		return
	case start:
		go s.writer()
	}
	time.AfterFunc(s.srv.cfg.WriteTimeout, func() { s.close(reason) })
}

func (s *session) stopTimersLocked() {
	for _, t := range []*time.Timer{s.heartbeat, s.connectTimer, s.upgradeTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

// finish tells the handler the socket is gone, after the packet being
// handled, if any.
func (s *session) finish(reason string) {
	s.dispatch.Lock()
	k := s.socket
	s.setSocket(nil)
	s.partial = nil
	if k != nil && k.connected {
		s.srv.handler.Disconnect(k, reason)
	}
	if !s.everConnected {
		s.srv.stats.stalledConnects.Add(1)
	}
	s.dispatch.Unlock()
	s.srv.sessionDone(s)
}

// closedBy is the reason the session closed, or "".
func (s *session) closedBy() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

func (s *session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// receive handles one inbound Engine.IO packet. It returns false when the
// session must end: the reason is then set and the session closed.
func (s *session) receive(p eio.Packet) bool {
	s.dispatch.Lock()
	defer s.dispatch.Unlock()
	if s.isClosed() {
		return false
	}
	switch p.Type {
	case eio.Ping:
		s.pinged(p.Data)
	case eio.Pong:
		s.ponged()
	case eio.Message:
		if err := s.onMessage(p); err != nil {
			s.srv.cfg.Logger.Debug("closing a session that sent an invalid packet", "sid", s.id, "error", err)
			reason := ReasonParseError
			if errors.Is(err, errPayloadTooLarge) {
				reason = ReasonMessageTooLarge
			}
			s.close(reason)
			return false
		}
	case eio.Close:
		s.close(ReasonTransportClose)
		return false
	case eio.Noop:
	default: // open and upgrade have no business on an established transport
		s.srv.cfg.Logger.Debug("closing a session that sent an unexpected packet", "sid", s.id, "type", p.Type)
		s.close(ReasonParseError)
		return false
	}
	return true
}
