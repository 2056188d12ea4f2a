package server

import (
	"sync"

	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/utils"
)

// connections follows each engine connection from open to close, to undo
// what the library leaves behind (docs/known-issues.md).
type connections struct {
	stalls        *stallCounter
	connectTimers sync.Map // engine connection id -> *utils.Timer
}

// takeConnectTimer is namespace middleware: it runs before socket.io stops
// the client's connect timeout, which would leak the timer's goroutine
// (queues.go), and keeps the timer to stop it at close instead.
func (c *connections) takeConnectTimer(sock *socket.Socket, next func(*socket.ExtendedError)) {
	if t := takeConnectTimer(sock.Client()); t != nil {
		id := sock.Conn().Id()
		c.connectTimers.Store(id, t)
		if sock.Conn().ReadyState() != "open" { // closed before the store: its close listener has run
			c.stopConnectTimer(id)
		}
	}
	next(nil)
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
		c.stopConnectTimer(id)
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
