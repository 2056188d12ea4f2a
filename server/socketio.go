package server

import (
	"errors"
	"net/http"
	"slices"

	"github.com/roomcast/roomcast/rooms"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// This file, connections.go, pollguard.go, wsgate.go and queues.go are the
// only ones that know the socket.io library (see the transport interface in
// server.go).

// newTransport builds the socket.io server and binds its connections to the
// signaling handlers. It serves /socket.io/ (polling and websocket, Engine.IO
// 4 and 3).
func newTransport(cfg Config, sig *signaling, stalls *stallCounter) *ioTransport {
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false) // roomcast serves the npm bundle itself (bundle.go)
	opts.SetAllowEIO3(true)    // socket.io-client 2.x speaks Engine.IO 3
	opts.SetConnectTimeout(cfg.ConnectTimeout)
	opts.SetPingInterval(cfg.PingInterval)
	opts.SetPingTimeout(cfg.PingTimeout)
	opts.SetMaxHttpBufferSize(cfg.MaxMessageBytes)
	opts.SetCors(corsFor(cfg.AllowedOrigins))
	opts.SetAllowRequest(originCheck(cfg.AllowedOrigins))

	io := socket.NewServer(nil, opts)
	conns := &connections{stalls: stalls, connectTimeout: cfg.ConnectTimeout}
	io.Use(conns.admit)
	io.On("connection", func(args ...any) {
		if sock, ok := args[0].(*socket.Socket); ok {
			stalls.opened(sock.Conn().Id())
			bind(sock, sig)
			conns.namespaceOpened(sock.Conn().Id())
		}
	})
	handler := gateFreshWebsockets(guardPolling(io.ServeHandler(nil)))
	io.Engine().On("connection", conns.opened) // after socket.io's own listener
	return &ioTransport{io: io, Handler: handler}
}

// ioTransport implements transport over the socket.io server.
type ioTransport struct {
	http.Handler
	io *socket.Server
}

// Rooms counts the rooms of socket.io's adapter: each connected socket's
// private room plus roomcast's rooms. With the registry as the truth, it is
// peers + rooms; anything above is a phantom. It counts the keys: the
// library's own Len is a separate counter that concurrent deletes drive
// below zero (-196 after 4,000 join-then-drop sessions).
func (t *ioTransport) Rooms() int { return len(t.io.Sockets().Adapter().Rooms().Keys()) }

func (t *ioTransport) Close() {
	closed := make(chan struct{})
	t.io.Close(func(error) { close(closed) })
	<-closed
}

// bind attaches the signaling handlers to one socket. Every client event goes
// through OnAny, which the library calls on the socket's own ordered queue.
func bind(sock *socket.Socket, sig *signaling) {
	p := ioPeer{sock}
	sock.OnAny(func(a ...any) {
		if len(a) == 0 {
			return
		}
		event, ok := a[0].(string)
		if !ok {
			return
		}
		args, r := splitAck(a[1:])
		sig.handle(p, event, args, r)
	})
	// "disconnecting" comes before the library's own cleanup: roomcast
	// leaves the transport's rooms first, so the library only ever removes
	// the socket's private room, which nobody else joins (signaling.mirror).
	sock.On("disconnecting", func(...any) { sig.closing(p) })
	sock.On("disconnect", func(...any) { go finish(sock, p, sig) })
	sig.connect(p, requestedRoom(sock.Handshake()))
	// The library can announce a socket whose connection closed while it
	// was being connected, and then never disconnect it. Such a socket would
	// stay in its rooms forever; disconnect it now.
	if sock.Conn().ReadyState() != "open" || !sock.Connected() {
		sock.Disconnect(true)
		sig.closing(p)
		go finish(sock, p, sig)
	}
}

// finish disconnects a closed socket's peer once the events it sent before
// closing are handled. The library closes a socket while its earlier packets
// still wait in the socket's queue and runs them afterwards; a hangup sent
// right before closing was dropped, or reached the room after peer-left.
// Closing the queue waits for it to drain. It runs on its own goroutine: the
// caller is the library's close path, which the queue's tasks may wait on.
func finish(sock *socket.Socket, p peer, sig *signaling) {
	if q := libraryQueue(sock); q != nil {
		q.Close()
	}
	sig.disconnect(p)
	releaseQueues(sock)
}

// splitAck separates the client's ack callback, if any, from the arguments.
func splitAck(args []any) ([]any, reply) {
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(socket.Ack); ok {
			return args[:n-1], func(res ...any) { ack(res, nil) }
		}
	}
	return args, nil
}

// requestedRoom is the room a client asks for at connect time: auth.room
// (socket.io 3+) or the room query parameter (any version).
func requestedRoom(h *socket.Handshake) string {
	if room := firstString(h.Auth["room"]); room != "" {
		return room
	}
	return firstString(h.Query["room"])
}

func firstString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []string:
		if len(v) > 0 {
			return v[0]
		}
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// ioPeer implements peer over a socket.io socket.
type ioPeer struct{ s *socket.Socket }

func (p ioPeer) ID() rooms.PeerID        { return rooms.PeerID(p.s.Id()) }
func (p ioPeer) Subscribe(room string)   { p.s.Join(adapterRoom(room)) }
func (p ioPeer) Unsubscribe(room string) { p.s.Leave(adapterRoom(room)) }

func (p ioPeer) Emit(event string, args ...any) { _ = p.s.Emit(event, args...) }

func (p ioPeer) EmitToRooms(names []string, event string, args ...any) {
	targets := make([]socket.Room, len(names))
	for i, name := range names {
		targets[i] = adapterRoom(name)
	}
	_ = p.s.To(targets...).Emit(event, args...)
}

func (p ioPeer) EmitToPeer(id rooms.PeerID, event string, args ...any) {
	_ = p.s.To(socket.Room(id)).Emit(event, args...)
}

// adapterRoom names a room inside socket.io. Every socket also sits in a
// private room named by its id; the prefix keeps a client from joining a room
// called like another socket's id and reading its private messages.
func adapterRoom(name string) socket.Room { return socket.Room("room:" + name) }

// corsFor answers browsers' CORS checks for polling requests. Every origin
// is echoed with credentials allowed: socket.io-client 2.x sends its polls
// with credentials, which browsers refuse against a literal "*".
func corsFor(origins []string) *types.Cors {
	if origins[0] == "*" {
		return &types.Cors{Origin: true, Credentials: true}
	}
	allowed := make([]any, len(origins))
	for i, o := range origins {
		allowed[i] = o
	}
	return &types.Cors{Origin: allowed, Credentials: true}
}

// originCheck refuses handshakes from pages of other origins. CORS alone does
// not: websockets ignore it, and it only hides responses from the page.
func originCheck(origins []string) func(*types.HttpContext) error {
	return func(ctx *types.HttpContext) error {
		origin := ctx.Headers().Peek("Origin")
		if origin == "" || origins[0] == "*" || slices.Contains(origins, origin) {
			return nil
		}
		return errors.New("origin " + origin + " is not allowed")
	}
}
