package server

import (
	"sync"
	"time"

	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
	"golang.org/x/time/rate"
)

// client is one socket.io peer as the handlers see it. It outlives its
// socket when its transport drops and it can recover: then it is
// suspended, and what it misses is kept for it.
type client struct {
	id rooms.PeerID
	// token is the room token it connected with, for its later joins too
	// ("" without one, or when rooms are open).
	token string
	// Used by the connection's own events only, one at a time.
	rate  eventRate
	joins *rate.Limiter

	mu   sync.Mutex
	sock *transport.Socket
	// pid is the private id of a recoverable client ("" for the others):
	// its packets carry offsets and are logged.
	pid       string
	log       streamLog
	suspended bool        // its transport dropped; it may come back
	held      int         // bytes logged while suspended, counted in recovery.held
	expiry    *time.Timer // ends the suspension
	// suspensions counts the client's suspensions, so that the expiry of
	// one that is over ends nothing.
	suspensions int
	gone        bool // it has left for good
	// movingTo is the node it is being handed over to, and movedAt where
	// in its log what that node has not got starts (handover.go).
	movingTo string
	movedAt  int
	// dedup holds the ids of the packets it got, while a handover may
	// bring some twice; nil otherwise.
	dedup map[string]struct{}
	// iceRefresh sends fresh TURN credentials (ice.go); nil without TURN.
	iceRefresh *time.Timer
}

func newClient(id rooms.PeerID, sock *transport.Socket, l Limits) *client {
	return &client{id: id, sock: sock, rate: newEventRate(l), joins: rate.NewLimiter(rate.Limit(l.JoinRate), l.JoinBurst)}
}

// socket is the client's current socket: a reconnect that recovers the
// client replaces it (resume).
func (c *client) socket() *transport.Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sock
}

// recoverable reports whether packets for the client must carry offsets.
func (c *client) recoverable() bool { return c.pid != "" }

// deliver queues an encoded socket.io packet for a client that cannot
// recover (directory's member).
func (c *client) deliver(pkt []byte, attachments [][]byte) {
	c.socket().SendBinary(pkt, attachments)
}

// deliverLogged queues a packet with its offset and keeps it in the log:
// the last few while connected, everything while suspended. It reports how
// many bytes a suspended client's log grew by, and false when the log
// passed limit (the client cannot recover any more).
func (c *client) deliverLogged(p *logged, limit int) (held int, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return 0, true
	}
	if c.dedup != nil {
		if _, dup := c.dedup[string(p.offsetBytes())]; dup {
			return 0, true
		}
		c.dedup[p.offset()] = struct{}{}
	}
	c.log.add(p)
	if c.suspended {
		c.held += p.size()
		return p.size(), c.held <= limit
	}
	c.log.trim(recoveryReplayBytes)
	c.sock.SendBinary(p.pkt, p.attachments)
	return 0, true
}

// emit sends the client one server event.
func (c *client) emit(ids *packetIDs, event string, args ...any) {
	pkt := encodeEvent(event, args...)
	if c.recoverable() {
		c.deliverLogged(newLogged(pkt, nil, "", ids), 0)
		return
	}
	c.deliver(pkt, nil)
}

// eventRate is a connection's allowance of events: a token bucket, and how
// long the connection has been exceeding it without a quiet second.
type eventRate struct {
	bucket                  *rate.Limiter
	maxExcess               time.Duration
	excessSince, lastExcess time.Time
}

func newEventRate(l Limits) eventRate {
	return eventRate{bucket: rate.NewLimiter(rate.Limit(l.EventRate), l.EventBurst), maxExcess: l.MaxExcess}
}

// allow takes one event. cutOff is set once the connection has exceeded
// the rate in every second of the last maxExcess.
func (r *eventRate) allow(now time.Time) (ok, cutOff bool) {
	if r.bucket.AllowN(now, 1) {
		return true, false
	}
	if r.lastExcess.IsZero() || now.Sub(r.lastExcess) > time.Second {
		r.excessSince = now // a quiet second: the excess starts over
	}
	r.lastExcess = now
	return false, now.Sub(r.excessSince) >= r.maxExcess
}
