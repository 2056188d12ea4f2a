package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
)

// admission counts the open sessions of each client address, and in all, so
// that one address cannot take the server for itself. It answers before any
// session state is made (transport.Config.Admit, and the raw websocket
// endpoint before its upgrade).
type admission struct {
	perIP, total int // the limits; 0 is unlimited
	trusted      []netip.Prefix

	mu      sync.Mutex
	open    map[netip.Addr]int
	opened  int
	refused atomic.Int64
}

func newAdmission(l Limits) *admission {
	return &admission{perIP: l.MaxConnectionsPerIP, total: l.MaxConnections, trusted: l.TrustedProxies,
		open: make(map[netip.Addr]int)}
}

// admit counts a new session of r's client, or refuses it. release is
// called once when the session ends.
func (a *admission) admit(r *http.Request) (release func(), err error) {
	ip := clientIP(r, a.trusted)
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.total > 0 && a.opened >= a.total:
		a.refused.Add(1)
		return nil, fmt.Errorf("the server holds its maximum of %d connections", a.total)
	case a.perIP > 0 && a.open[ip] >= a.perIP:
		a.refused.Add(1)
		return nil, fmt.Errorf("%s holds its maximum of %d connections", ip, a.perIP)
	}
	a.open[ip]++
	a.opened++
	var once sync.Once
	return func() { once.Do(func() { a.release(ip) }) }, nil
}

func (a *admission) release(ip netip.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.opened--
	if a.open[ip]--; a.open[ip] <= 0 {
		delete(a.open, ip) // the map holds only addresses with sessions
	}
}

// clientIP is the address a request counts against: its peer's, unless the
// peer is a trusted proxy, in which case the rightmost X-Forwarded-For entry
// that is not a trusted proxy. Entries left of that one are whatever the
// client claimed, and are ignored.
func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ip := remoteIP(r.RemoteAddr)
	if !isTrusted(ip, trusted) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip // a malformed chain: count the proxy itself
		}
		hop = hop.Unmap()
		if !isTrusted(hop, trusted) {
			return hop
		}
		ip = hop
	}
	return ip
}

func remoteIP(addr string) netip.Addr {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{} // all unparsable peers share one count
	}
	return ip.Unmap()
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
