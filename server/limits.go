package server

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Defaults for Limits, chosen for a public signaling server: generous for
// any real call, tight for a script.
const (
	// DefaultEventRate is the sustained events per second one connection may
	// send. A call's trickled ICE candidates come in bursts of tens; after
	// that a page sends a few events a minute.
	DefaultEventRate = 50
	// DefaultEventBurst is how many events a connection may send at once on
	// top of the rate: a whole ICE burst fits.
	DefaultEventBurst = 200
	// DefaultMaxExcess is how long a connection may keep exceeding the rate
	// before it is disconnected: long enough to ride out one page's bug,
	// short enough to cut off a flood.
	DefaultMaxExcess = 10 * time.Second
	// DefaultJoinRate and DefaultJoinBurst bound joins (and the dialects'
	// join commands) per connection: a page joins once, and again after a
	// reconnect; nothing joins rooms by the dozen every second.
	DefaultJoinRate  = 2
	DefaultJoinBurst = 10
	// DefaultMaxConnectionsPerIP bounds the sessions one client address may
	// hold at once: a classroom behind one NAT fits, a script opening
	// thousands does not.
	DefaultMaxConnectionsPerIP = 64
)

// Limits bound what one client can make the server do. Every limit has a
// name, a default, a flag, and a documented answer (README, "Limits").
type Limits struct {
	// EventRate and EventBurst are a token bucket per connection: events
	// beyond it are refused with rate-limited (acked) or dropped and
	// counted (without an ack). Default: 50/s, burst 200.
	EventRate  float64
	EventBurst int
	// MaxExcess disconnects a connection that keeps exceeding EventRate for
	// this long, every second of it. Default: 10s.
	MaxExcess time.Duration
	// JoinRate and JoinBurst are a token bucket per connection for join
	// commands. Default: 2/s, burst 10.
	JoinRate  float64
	JoinBurst int
	// MaxConnectionsPerIP bounds the open sessions (socket.io and raw
	// websocket) of one client address; more are refused before any session
	// state is made. 0 means unlimited. Default: 64.
	MaxConnectionsPerIP int
	// MaxConnections bounds the open sessions in all; 0 means unlimited.
	// Default: 0.
	MaxConnections int
	// TrustedProxies are the proxies whose X-Forwarded-For is believed: a
	// request from one of them counts against the address it forwards for.
	// Any other request counts against its own address, whatever header it
	// sends. Default: none.
	TrustedProxies []netip.Prefix
}

// DefaultLimits returns the defaults documented on each field.
func DefaultLimits() Limits {
	return Limits{
		EventRate: DefaultEventRate, EventBurst: DefaultEventBurst, MaxExcess: DefaultMaxExcess,
		JoinRate: DefaultJoinRate, JoinBurst: DefaultJoinBurst,
		MaxConnectionsPerIP: DefaultMaxConnectionsPerIP,
	}
}

// Validate reports the first limit that cannot work.
func (l Limits) Validate() error {
	switch {
	case l.EventRate <= 0 || l.EventBurst < 1:
		return fmt.Errorf("event rate %v/s with burst %d: both must be positive", l.EventRate, l.EventBurst)
	case l.MaxExcess <= 0:
		return fmt.Errorf("max excess is %v, it must be positive", l.MaxExcess)
	case l.JoinRate <= 0 || l.JoinBurst < 1:
		return fmt.Errorf("join rate %v/s with burst %d: both must be positive", l.JoinRate, l.JoinBurst)
	case l.MaxConnectionsPerIP < 0 || l.MaxConnections < 0:
		return errors.New("connection limits must not be negative (0 is unlimited)")
	}
	return nil
}
