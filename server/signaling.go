package server

import (
	"log/slog"
	"sync"

	"github.com/roomcast/roomcast/rooms"
)

// peer is one client connection as the signaling handlers see it. The
// transport (socketio.go) implements it; nothing in this file knows which
// library carries the events.
type peer interface {
	ID() rooms.PeerID
	// Subscribe and Unsubscribe mirror roomcast's membership into the
	// transport, whose rooms carry the broadcasts.
	Subscribe(room string)
	Unsubscribe(room string)
	// Emit sends to this peer.
	Emit(event string, args ...any)
	// EmitToRooms sends once to every member of rooms except this peer.
	EmitToRooms(rooms []string, event string, args ...any)
	// EmitToPeer sends to one other peer.
	EmitToPeer(id rooms.PeerID, event string, args ...any)
}

// reply answers a client's ack callback. It is nil when the client sent none,
// and then the answer is dropped.
type reply func(args ...any)

// ok acks success: (null) or (null, result).
func (r reply) ok(result any) {
	switch {
	case r == nil:
	case result == nil:
		r(nil)
	default:
		r(nil, result)
	}
}

// fail acks a refusal: ({code, message}).
func (r reply) fail(err *rooms.Error) {
	if r != nil {
		r(errorBody(err))
	}
}

// signaling turns client events into registry decisions and emits their
// outcome: transport → handler → rooms decision → emit, one way.
type signaling struct {
	registry *rooms.Registry
	log      *slog.Logger

	// mirror serializes changes to the transport's rooms. The socket.io
	// adapter deletes a room it finds empty without holding anything, so a
	// join racing the last member's leave could vanish with the room: a live
	// peer would stop receiving. Under this lock, a subscription is made only
	// while the registry still lists the member, so the transport's rooms
	// never hold a peer the registry does not.
	mirror sync.Mutex
	// departing holds the peers that are closing: out of the transport's
	// rooms already, still in the registry until their last events are
	// handled. Guarded by mirror.
	departing map[rooms.PeerID]bool
}

func newSignaling(registry *rooms.Registry, log *slog.Logger) *signaling {
	return &signaling{registry: registry, log: log, departing: make(map[rooms.PeerID]bool)}
}

// connect registers a new peer and joins the room it asked for in its
// handshake, or the default room. A refused room is reported with join-error.
func (s *signaling) connect(p peer, room string) {
	j, err := s.registry.Connect(p.ID(), room)
	if err != nil {
		body := errorBody(err)
		body["room"] = room
		if room == "" {
			body["room"] = s.registry.Config().DefaultRoom
		}
		p.Emit("join-error", body)
		return
	}
	if j.Room == "" {
		return
	}
	s.admitted(p, j)
	if room != "" {
		p.Emit("joined", joinResult(p.ID(), j))
	}
}

// handle routes one client event. It runs on the peer's own queue, so one
// peer's events are handled in the order they were sent.
func (s *signaling) handle(p peer, event string, args []any, r reply) {
	switch {
	case event == "join":
		s.join(p, args, r)
	case event == "leave":
		s.leave(p, args, r)
	case s.registry.IsRelayEvent(event):
		s.relay(p, event, args, r)
	default:
		s.log.Debug("unknown event dropped", "event", event, "peer", p.ID())
		r.fail(&rooms.Error{Code: rooms.CodeUnknownEvent, Message: "event " + event + " is neither a command nor relayed"})
	}
}

func (s *signaling) join(p peer, args []any, r reply) {
	room, ok := rooms.RoomArg(args)
	if !ok || room == "" {
		r.fail(&rooms.Error{Code: rooms.CodeInvalidRoom, Message: "join takes a room name or {room}"})
		return
	}
	j, err := s.registry.Join(p.ID(), room)
	if err != nil {
		r.fail(err)
		return
	}
	s.admitted(p, j)
	r.ok(joinResult(p.ID(), j))
}

// admitted carries a registry join out to the transport and the other peers.
func (s *signaling) admitted(p peer, j rooms.Joined) {
	for _, room := range j.Left {
		s.departed(p, room)
	}
	if j.New {
		s.subscribe(p, j.Room)
		p.EmitToRooms([]string{j.Room}, "peer-joined", roomPeer(j.Room, p.ID()))
	}
}

func (s *signaling) departed(p peer, room string) {
	s.unsubscribe(p, room)
	p.EmitToRooms([]string{room}, "peer-left", roomPeer(room, p.ID()))
}

// subscribe mirrors a registry join into the transport, unless a disconnect
// has undone the join in the meantime.
func (s *signaling) subscribe(p peer, room string) {
	s.mirror.Lock()
	defer s.mirror.Unlock()
	if !s.departing[p.ID()] && s.registry.IsMember(p.ID(), room) {
		p.Subscribe(room)
	}
}

func (s *signaling) unsubscribe(p peer, room string) {
	s.mirror.Lock()
	defer s.mirror.Unlock()
	p.Unsubscribe(room)
}

func (s *signaling) leave(p peer, args []any, r reply) {
	room, ok := rooms.RoomArg(args)
	if !ok {
		r.fail(&rooms.Error{Code: rooms.CodeInvalidRoom, Message: "leave takes nothing, a room name or {room}"})
		return
	}
	left, err := s.registry.Leave(p.ID(), room)
	if err != nil {
		r.fail(err)
		return
	}
	for _, room := range left {
		s.departed(p, room)
	}
	r.ok(map[string]any{"rooms": left})
}

// relay forwards a signaling event to the peers the registry routes it to.
func (s *signaling) relay(p peer, event string, args []any, r reply) {
	var payload any
	if len(args) > 0 {
		payload = args[0]
	}
	addr, err := rooms.ParseAddress(payload)
	if err != nil {
		r.fail(err)
		return
	}
	route, err := s.registry.Route(p.ID(), addr)
	if err != nil {
		s.log.Debug("relay refused", "event", event, "peer", p.ID(), "code", err.Code)
		r.fail(err)
		return
	}
	if len(args) > 0 {
		args[0] = rooms.Stamp(payload, p.ID())
	}
	if route.To != "" {
		p.EmitToPeer(route.To, event, args...)
	} else {
		p.EmitToRooms(route.Rooms, event, args...)
	}
	r.ok(nil)
}

// closing starts a peer's disconnect: it leaves the transport's rooms now,
// before the transport's own cleanup (which would otherwise race other
// peers' joins), while its registry membership stays so that the events it
// sent before closing are still relayed. disconnect finishes the job.
func (s *signaling) closing(p peer) {
	s.mirror.Lock()
	defer s.mirror.Unlock()
	s.departing[p.ID()] = true
	for _, room := range s.registry.RoomsOf(p.ID()) {
		p.Unsubscribe(room)
	}
}

// disconnect takes a peer out of its rooms and tells them it is gone:
// peer-left per room, and "user disconnected" once, for older tutorial
// pages. It is safe to call more than once: only the first call acts.
func (s *signaling) disconnect(p peer) {
	left := s.registry.Disconnect(p.ID())
	for _, room := range left {
		s.departed(p, room)
	}
	if len(left) > 0 {
		p.EmitToRooms(left, "user disconnected", string(p.ID()))
	}
	s.mirror.Lock()
	delete(s.departing, p.ID())
	s.mirror.Unlock()
}

func joinResult(id rooms.PeerID, j rooms.Joined) map[string]any {
	peers := make([]string, len(j.Others))
	clients := make(map[string]any, len(j.Others))
	for i, other := range j.Others {
		peers[i] = string(other)
		clients[string(other)] = map[string]any{}
	}
	return map[string]any{"room": j.Room, "id": string(id), "peers": peers, "clients": clients}
}

func roomPeer(room string, id rooms.PeerID) map[string]any {
	return map[string]any{"room": room, "id": string(id)}
}

func errorBody(err *rooms.Error) map[string]any {
	return map[string]any{"code": err.Code, "message": err.Message}
}
