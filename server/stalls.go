package server

import (
	"sync"
	"sync/atomic"
)

// stallCounter counts connections that closed before opening their socket.io
// namespace. The library sometimes never answers a namespace connect (about
// 1 in a few thousand rapid connects); ConnectTimeout then closes the
// connection and the official client reconnects. The count, reported by
// /readyz, shows how often that happens, along with clients that never
// finish connecting at all.
type stallCounter struct {
	pending sync.Map // engine connection id -> struct{}, until the namespace opens
	stalled atomic.Int64
}

// watch starts tracking a new engine connection; onClose registers the
// callback to run when it closes.
func (c *stallCounter) watch(id string, onClose func(closed func())) {
	c.pending.Store(id, struct{}{})
	onClose(func() {
		if _, stalled := c.pending.LoadAndDelete(id); stalled {
			c.stalled.Add(1)
		}
	})
}

// opened marks the connection's namespace as open.
func (c *stallCounter) opened(id string) { c.pending.Delete(id) }

// count returns how many connections stalled so far.
func (c *stallCounter) count() int64 { return c.stalled.Load() }
