package server

import (
	"sort"
	"sync"
	"sync/atomic"
)

// Why an event was dropped rather than delivered.
const (
	dropRateLimited  = iota // beyond the connection's event rate
	dropSlowConsumer        // a raw peer's queue was full: it is closed (the transport counts socket.io's)
	dropOversize            // a raw frame beyond the message limit: it is closed (the transport counts socket.io's)
	dropRedisBacklog        // more packets for other nodes than Redis took
	dropReasons
)

var dropReasonNames = [dropReasons]string{
	dropRateLimited: "rate-limited", dropSlowConsumer: "slow-consumer", dropOversize: "oversize",
	dropRedisBacklog: "redis-backlog",
}

// counters count what the server did, for /readyz and /metrics. Each is
// updated with one atomic add on the path that does the work.
type counters struct {
	connects, joins, relayed, delivered, recoveries atomic.Int64
	drops                                           [dropReasons]atomic.Int64

	mu       sync.Mutex
	refusals map[string]int64 // by error code
}

func newCounters() *counters { return &counters{refusals: make(map[string]int64)} }

func (c *counters) dropped(reason int) { c.drops[reason].Add(1) }

// refused counts a refusal by its code. Refusals are the rare path: a
// map under a lock is fine.
func (c *counters) refused(code string) {
	c.mu.Lock()
	c.refusals[code]++
	c.mu.Unlock()
}

// refusalCounts returns the refusals by code, codes sorted.
func (c *counters) refusalCounts() (codes []string, counts []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for code := range c.refusals {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		counts = append(counts, c.refusals[code])
	}
	return codes, counts
}
