package server

import (
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/utils"
)

// connections follows each engine connection from open to close, to undo
// what the library leaves behind (docs/known-issues.md).
type connections struct {
	stalls         *stallCounter
	connectTimeout time.Duration
	connectTimers  sync.Map // engine connection id -> *utils.Timer
	opening        sync.Map // engine connection id -> chan struct{}, closed once the namespace is open
}

// admit is namespace middleware. It runs on the goroutine that reads the
// client's packets, before socket.io connects the socket:
//   - It takes the client's connect timer before socket.io stops it, which
//     would leak the timer's goroutine (queues.go), to stop it at close.
//   - It then holds that reader until the namespace is open. socket.io sends
//     the client its connect answer before it records the namespace, so a
//     client that emits at once (as pages do on "connect") could be read
//     first, and was disconnected for emitting into no namespace.
func (c *connections) admit(sock *socket.Socket, next func(*socket.ExtendedError)) {
	id := sock.Conn().Id()
	if t := takeConnectTimer(sock.Client()); t != nil {
		c.connectTimers.Store(id, t)
	}
	open := make(chan struct{})
	c.opening.Store(id, open)
	if sock.Conn().ReadyState() != "open" { // closed before the stores: its close listener has run
		c.released(id)
	}
	next(nil)
	select {
	case <-open:
	case <-time.After(c.connectTimeout): // the namespace never opened: let the reader go on
	}
}

// namespaceOpened lets the connection's reader go on.
func (c *connections) namespaceOpened(id string) {
	if open, ok := c.opening.LoadAndDelete(id); ok {
		close(open.(chan struct{}))
	}
}

// released undoes admit for a connection that closed.
func (c *connections) released(id string) {
	c.stopConnectTimer(id)
	c.namespaceOpened(id)
}

func (c *connections) stopConnectTimer(id string) {
	if t, ok := c.connectTimers.LoadAndDelete(id); ok {
		utils.ClearTimeout(t.(*utils.Timer))
	}
}

// opened is an engine connection listener registered after socket.io's own,
// so it runs once socket.io listens to the connection: reads may begin.
func (c *connections) opened(args ...any) {
	conn, ok := args[0].(engine.Socket)
	if !ok {
		return
	}
	id, first := conn.Id(), conn.Transport() // polling until an upgrade replaces it
	c.stalls.started(id)
	conn.Once("close", func(...any) {
		c.stalls.closed(id)
		c.released(id)
		// Not inline: this runs inside the engine's own close chain, whose
		// once-guards DoClose would re-enter.
		go func() {
			releaseWebsocket(conn)
			releaseQueues(first, conn.Transport())
		}()
	})
	releaseReads(conn.Request().Request().Context())
}

// releaseWebsocket closes a closed connection's websocket for good. When the
// client closes first, the engine marks the transport closed before asking it
// to close, so the transport's own Close returns early and DoClose, which
// stops its writer goroutine and closes the TCP connection, never runs: one
// goroutine and a socket in CLOSE_WAIT per session. DoClose is idempotent, so
// calling it after a close that did run is harmless.
func releaseWebsocket(conn engine.Socket) {
	if t := conn.Transport(); t != nil && t.Name() == transports.WEBSOCKET {
		t.DoClose(nil)
	}
}
