package e2e

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// netProxy is a loopback TCP proxy between a test's clients and a server,
// which the test can fail the ways a network fails: every connection gone
// at once (cut), or gone for the client while the server's side stays open
// and silent (strand); and, until release, no new connection gets through.
// Nothing it does sends a websocket close frame or an Engine.IO close
// packet: to both ends, the connection just ends (or, stranded, goes quiet).
type netProxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu      sync.Mutex
	links   map[*proxyLink]bool
	holding bool // new connections are closed as soon as accepted
	closed  bool
}

// proxyLink is one proxied connection: the client's and the proxy's to
// the server.
type proxyLink struct {
	client, server net.Conn
	stranded       bool
}

// startProxy listens on a free loopback port and forwards to s; it closes
// everything at the end of the test.
func startProxy(t *testing.T, s *server) *netProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &netProxy{t: t, ln: ln, target: s.Addr, links: map[*proxyLink]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// server is the server as the clients of the proxy see it: only its URL
// is set, for driver.connect.
func (p *netProxy) server() *server { return &server{URL: "http://" + p.ln.Addr().String()} }

func (p *netProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		holding := p.holding
		p.mu.Unlock()
		if holding {
			c.Close() // as a network that is down: the client's attempt fails
			continue
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		up, err := net.Dial("tcp", target)
		if err != nil {
			p.t.Errorf("proxy: dialing the server: %v", err)
			c.Close()
			continue
		}
		l := &proxyLink{client: c, server: up}
		p.mu.Lock()
		// Checked again: a cut or strand while dialing did not see this
		// connection, which must not get through either.
		if p.closed || p.holding {
			p.mu.Unlock()
			c.Close()
			up.Close()
			continue
		}
		p.links[l] = true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(l, l.server, l.client)
		go p.pipe(l, l.client, l.server)
	}
}

// pipe copies src to dst until either fails. A stranded link's server side
// is then read and discarded until the server closes it: to the server,
// the client is still there and reads everything.
func (p *netProxy) pipe(l *proxyLink, dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	p.mu.Lock()
	stranded := l.stranded
	p.mu.Unlock()
	switch {
	case !stranded:
		l.client.Close()
		l.server.Close()
	case src == l.server:
		_, _ = io.Copy(io.Discard, l.server) // until the server closes it
		l.server.Close()
	default:
		return // the client's side: the server's is read until it closes
	}
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

// cut closes every connection, both sides, and holds new ones off until
// release: the server sees its connections end without a close frame, the
// clients see theirs end and fail to reconnect.
func (p *netProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holding = true
	for l := range p.links {
		l.client.Close()
		l.server.Close()
	}
}

// strand closes the clients' side of every connection and holds new ones
// off until release, but keeps the server's side open and silent: the
// clients know at once, the server only when a heartbeat fails (or a
// reconnect takes the socket over).
func (p *netProxy) strand() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holding = true
	for l := range p.links {
		l.stranded = true
		l.client.Close()
	}
}

// retarget sends the connections the proxy takes from now on to another
// server, as a load balancer that moved a client to another node.
func (p *netProxy) retarget(s *server) {
	p.mu.Lock()
	p.target = s.Addr
	p.mu.Unlock()
}

// release lets new connections through again.
func (p *netProxy) release() {
	p.mu.Lock()
	p.holding = false
	p.mu.Unlock()
}

func (p *netProxy) close() {
	p.mu.Lock()
	p.closed = true
	for l := range p.links {
		l.client.Close()
		l.server.Close()
	}
	p.mu.Unlock()
	if err := p.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		p.t.Errorf("proxy: %v", err)
	}
	p.wg.Wait()
}
