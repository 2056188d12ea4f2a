package server

import (
	"time"

	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
	"golang.org/x/time/rate"
)

// client is one socket.io peer as the handlers see it.
type client struct {
	id    rooms.PeerID
	sock  *transport.Socket
	rate  eventRate
	joins *rate.Limiter
}

func newClient(id rooms.PeerID, sock *transport.Socket, l Limits) *client {
	return &client{id: id, sock: sock, rate: newEventRate(l), joins: rate.NewLimiter(rate.Limit(l.JoinRate), l.JoinBurst)}
}

// deliver queues an encoded socket.io packet (directory's member).
func (c *client) deliver(pkt []byte, attachments [][]byte) { c.sock.SendBinary(pkt, attachments) }

// emit sends the client one server event.
func (c *client) emit(event string, args ...any) { c.sock.Send(encodeEvent(event, args...)) }

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
