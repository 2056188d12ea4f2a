package server

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// The engine starts reading a new websocket, and sends it the open packet,
// before it announces the connection; socket.io attaches its "data" listener
// only on that announcement. A client that answers the open packet at once
// (its namespace connect, "40") can be read in between, and the engine emits
// that data to nobody: the client then waits for an answer that never comes.
//
// gateFreshWebsockets holds back reads on a new websocket until roomcast's own
// connection listener, which runs after socket.io's, releases them. Upgrades
// of existing sessions (they carry a sid) are already bound and pass through.
func gateFreshWebsockets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !websocket.IsWebSocketUpgrade(r) || r.URL.Query().Get("sid") != "" {
			next.ServeHTTP(w, r)
			return
		}
		gate := &readGate{open: make(chan struct{})}
		r = r.WithContext(context.WithValue(r.Context(), readGateKey{}, gate))
		next.ServeHTTP(gatedWriter{w, gate}, r)
	})
}

// releaseReads opens the read gate of the connection whose request had ctx,
// if it has one.
func releaseReads(ctx context.Context) {
	if gate, ok := ctx.Value(readGateKey{}).(*readGate); ok {
		gate.release()
	}
}

type readGateKey struct{}

type readGate struct {
	open chan struct{}
	once sync.Once
}

func (g *readGate) release() { g.once.Do(func() { close(g.open) }) }

// gatedWriter hands the websocket library a gated connection on hijack.
type gatedWriter struct {
	http.ResponseWriter
	gate *readGate
}

func (w gatedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &gatedConn{Conn: conn, gate: w.gate, closed: make(chan struct{})}, brw, nil
}

// gatedConn blocks reads until its gate opens or it is closed.
type gatedConn struct {
	net.Conn
	gate      *readGate
	passed    atomic.Bool // the gate has opened: reads go straight through
	closeOnce sync.Once
	closed    chan struct{}
}

func (c *gatedConn) Read(p []byte) (int, error) {
	if !c.passed.Load() {
		select {
		case <-c.gate.open:
			c.passed.Store(true)
		case <-c.closed:
		}
	}
	return c.Conn.Read(p)
}

func (c *gatedConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
