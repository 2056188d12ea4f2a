package server

import (
	"time"

	"github.com/roomcast/roomcast/internal/sio"
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// How a recoverable client's socket comes and goes (recovery.go holds the
// data): a dropped transport suspends the client, a reconnect with its
// private id resumes it with everything it missed, and a window that passes
// without one ends it as a disconnect would have.

// reasonTakenOver closes a socket whose client reconnected on another one
// before its transport's drop was noticed.
const reasonTakenOver = "taken over by a reconnect"

// suspendLocked keeps a client whose transport dropped in its rooms,
// logging what it misses, until it comes back or the window passes. The
// check that its socket is the one that dropped and the suspension are one
// step under the client's lock, so that a reconnect cannot come between.
func (s *signaling) suspendLocked(c *client) {
	c.suspended = true
	c.suspensions++
	n := c.suspensions
	c.expiry = time.AfterFunc(s.rec.cfg.Window, func() { s.expire(c, n) })
}

// expire ends suspension n, whose window passed. Its timer may have fired
// as the client came back, and then waited for the lock resume held (or
// even for a later suspension): a client no longer in that suspension
// stays.
func (s *signaling) expire(c *client, n int) {
	s.endIf(c, func() bool { return c.suspended && c.suspensions == n })
}

// resume takes a reconnecting client's new socket: the same id, the same
// rooms, and every packet it missed, queued after the connect answer and
// before anything else. It reports false when there is nothing to resume:
// an unknown or expired private id, or an offset the log no longer holds
// (then the old client ends, and the new socket connects afresh).
func (s *signaling) resume(sock *transport.Socket, a recoveryAuth) bool {
	c := s.rec.lookup(a.PID)
	if c == nil || sock.Version() != sio.V5 {
		return false
	}
	c.mu.Lock()
	if c.movingTo != "" { // another node is taking it over: the new socket connects afresh
		c.mu.Unlock()
		return false
	}
	missed, known := c.log.after(a.Offset)
	if c.gone || !known {
		c.mu.Unlock()
		s.end(c)
		return false
	}
	old, wasSuspended := c.sock, c.suspended
	sock.Recover(string(c.id), c.pid)
	sock.SetValue(c)
	for _, p := range missed {
		sock.SendBinary(p.pkt, p.attachments)
	}
	c.sock, c.suspended = sock, false
	c.stopExpiryLocked()
	s.rec.held.Add(-int64(c.held))
	c.held = 0
	c.log.trim(recoveryReplayBytes)
	c.mu.Unlock()
	if h := s.broker.handovers(); h != nil && wasSuspended {
		h.unrecoverable(c.pid)
	}
	if !wasSuspended {
		old.Close(reasonTakenOver) // its Disconnect finds a newer socket, and does nothing
	}
	s.stats.recoveries.Add(1)
	s.log.Debug("a client recovered its connection", "peer", c.id, "missed", len(missed))
	return true
}

// end makes a client leave for good: its rooms are told, as for any
// disconnect. It is safe to call more than once.
func (s *signaling) end(c *client) { s.endIf(c, nil) }

// endIf is end, if still (when set) holds under the client's lock.
func (s *signaling) endIf(c *client, still func() bool) {
	c.mu.Lock()
	if c.gone || still != nil && !still() {
		c.mu.Unlock()
		return
	}
	c.gone = true
	c.stopExpiryLocked()
	if c.held > 0 {
		s.rec.held.Add(-int64(c.held))
	}
	c.held, c.log = 0, streamLog{}
	sock, connected := c.sock, !c.suspended
	c.mu.Unlock()
	if connected {
		sock.Close(reasonTakenOver)
	}
	s.depart(c)
}

// depart takes a client out of its rooms and tells them: peer-left and
// remove per room and, once, "user disconnected" (and the codelab's
// goodbyes).
func (s *signaling) depart(c *client) {
	c.stopICERefresh()
	s.send(rooms.DisconnectNotices(c.id, s.registry.DisconnectRooms(c.id)))
	s.peers.remove(c.id, c)
	s.rec.forget(c)
	if h := s.broker.handovers(); h != nil && c.pid != "" {
		h.unrecoverable(c.pid)
	}
}

// overflowed ends a suspension whose log passed a bound. It runs on its own
// goroutine: the caller is delivering under the directory's lock.
func (s *signaling) overflowed(c *client) {
	s.log.Info("a dropped client missed more than recovery keeps: it leaves now", "peer", c.id)
	go s.end(c)
}

func (c *client) stopExpiryLocked() {
	if c.expiry != nil {
		c.expiry.Stop()
		c.expiry = nil
	}
}
