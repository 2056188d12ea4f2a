package server

import (
	"sync"
	"sync/atomic"
)

// stallCounter counts connections that closed before opening their socket.io
// namespace. The library sometimes never answered a namespace connect
// (wsgate.go); ConnectTimeout then closes the connection and the official
// client reconnects. The count, reported by /readyz, shows how often that
// happens, along with clients that close before they finish connecting.
type stallCounter struct {
	pending sync.Map // engine connection id -> struct{}, until the namespace opens
	stalled atomic.Int64
}

// started tracks a new engine connection.
func (c *stallCounter) started(id string) { c.pending.Store(id, struct{}{}) }

// opened marks the connection's namespace as open.
func (c *stallCounter) opened(id string) { c.pending.Delete(id) }

// closed counts the connection if its namespace never opened.
func (c *stallCounter) closed(id string) {
	if _, stalled := c.pending.LoadAndDelete(id); stalled {
		c.stalled.Add(1)
	}
}

// count returns how many connections stalled so far.
func (c *stallCounter) count() int64 { return c.stalled.Load() }
