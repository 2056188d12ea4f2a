package server

import (
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/roomcast/roomcast/internal/jsonscan"
	"github.com/roomcast/roomcast/internal/sio"
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// signaling implements transport.Handler: it turns each client event into a
// registry decision and sends the outcome. Data flows one way: transport →
// handler → rooms decision → encoded once → each recipient's queue.
type signaling struct {
	registry *rooms.Registry
	peers    *directory
	log      *slog.Logger
	commands map[string]command
}

// command handles one event the server itself answers.
type command func(s *signaling, c *client, ev *transport.Event)

func newSignaling(registry *rooms.Registry, log *slog.Logger) *signaling {
	s := &signaling{registry: registry, peers: newDirectory(), log: log}
	s.commands = map[string]command{
		rooms.EventJoin:  (*signaling).join,
		rooms.EventLeave: (*signaling).leave,
	}
	return s
}

// Connect registers a new peer and joins the room it asked for in its
// handshake (auth.room, or ?room= for clients without auth), or the default
// room. A refused room is reported with join-error; the peer stays
// connected and may join another.
func (s *signaling) Connect(sock *transport.Socket, auth json.RawMessage) error {
	c := &client{id: rooms.PeerID(sock.ID()), sock: sock}
	sock.SetValue(c)
	s.peers.add(c)
	room := requestedRoom(auth, sock.Handshake())
	j, err := s.registry.Connect(c.id, room)
	if err != nil {
		if room == "" {
			room = s.registry.Config().DefaultRoom
		}
		sock.Emit(rooms.EventJoinError, map[string]any{"room": room, "code": err.Code, "message": err.Message})
		return nil
	}
	if j.Room == "" {
		return nil
	}
	s.admitted(c, j)
	if room != "" {
		sock.Emit(rooms.EventJoined, joinResult(c.id, j))
	}
	return nil
}

// Event routes one client event. The transport calls it for one socket at a
// time, in the order the client sent them.
func (s *signaling) Event(sock *transport.Socket, ev *transport.Event) {
	c := sock.Value().(*client)
	if cmd, ok := s.commands[string(ev.Name)]; ok {
		cmd(s, c, ev)
		return
	}
	if s.registry.IsRelayEvent(string(ev.Name)) {
		s.relay(c, ev)
		return
	}
	s.log.Debug("unknown event refused", "event", string(ev.Name), "peer", c.id)
	s.fail(c, ev, &rooms.Error{Code: rooms.CodeUnknownEvent, Message: "event " + string(ev.Name) + " is neither a command nor relayed"})
}

// Disconnect takes the peer out of its rooms and tells them: peer-left per
// room and, once, "user disconnected" for older tutorial pages. The
// transport calls it after the peer's last event, so the others get every
// event the peer sent before leaving first.
func (s *signaling) Disconnect(sock *transport.Socket, _ string) {
	c := sock.Value().(*client)
	left := s.registry.Disconnect(c.id)
	var everyone []rooms.PeerID
	for _, room := range left {
		others := s.registry.Others(nil, c.id, room)
		s.announce(others, rooms.EventPeerLeft, roomPeer(room, c.id))
		everyone = appendNew(everyone, others)
	}
	if len(everyone) > 0 {
		s.announce(everyone, rooms.EventUserDisconnected, string(c.id))
	}
	s.peers.remove(c)
}

func (s *signaling) join(c *client, ev *transport.Event) {
	room, ok := rooms.RoomArg(decodeArgs(ev))
	if !ok || room == "" {
		s.fail(c, ev, &rooms.Error{Code: rooms.CodeInvalidRoom, Message: "join takes a room name or {room}"})
		return
	}
	j, err := s.registry.Join(c.id, room)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	s.admitted(c, j)
	s.ok(c, ev, joinResult(c.id, j))
}

// admitted tells the rooms involved about a registry join: the default room
// it left, the room it entered.
func (s *signaling) admitted(c *client, j rooms.Joined) {
	for _, room := range j.Left {
		s.departed(c, room)
	}
	if j.New {
		s.announce(s.registry.Others(nil, c.id, j.Room), rooms.EventPeerJoined, roomPeer(j.Room, c.id))
	}
}

func (s *signaling) departed(c *client, room string) {
	s.announce(s.registry.Others(nil, c.id, room), rooms.EventPeerLeft, roomPeer(room, c.id))
}

func (s *signaling) leave(c *client, ev *transport.Event) {
	room, ok := rooms.RoomArg(decodeArgs(ev))
	if !ok {
		s.fail(c, ev, &rooms.Error{Code: rooms.CodeInvalidRoom, Message: "leave takes nothing, a room name or {room}"})
		return
	}
	left, err := s.registry.Leave(c.id, room)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	for _, room := range left {
		s.departed(c, room)
	}
	s.ok(c, ev, map[string]any{"rooms": left})
}

// relayScratch is the memory one relay needs: the recipients and the
// encoded packet. It is pooled rather than kept per connection, so idle
// connections hold none.
type relayScratch struct {
	ids []rooms.PeerID
	pkt []byte
}

var relayScratches = sync.Pool{New: func() any { return &relayScratch{pkt: make([]byte, 0, 1024)} }}

// relay forwards a signaling event to the peers the registry routes it to:
// the packet is encoded once, with "from" stamped on an object payload, and
// the same bytes go to every recipient.
func (s *signaling) relay(c *client, ev *transport.Event) {
	args := ev.Args
	payload, _ := args.Next()
	addr, err := rooms.ParseAddress(payload)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	scratch := relayScratches.Get().(*relayScratch)
	defer relayScratches.Put(scratch)
	scratch.ids, err = s.registry.Recipients(scratch.ids[:0], c.id, addr)
	if err != nil {
		s.log.Debug("relay refused", "event", string(ev.Name), "peer", c.id, "code", err.Code)
		s.fail(c, ev, err)
		return
	}
	scratch.pkt = appendRelayed(scratch.pkt[:0], ev, payload, args.Rest(), c.id)
	s.peers.deliver(scratch.ids, scratch.pkt, ev.Attachments)
	s.ok(c, ev, nil)
}

// appendRelayed encodes the event as the recipients get it: its name, the
// stamped payload, the other arguments as they came, and the attachments'
// count for a binary event.
func appendRelayed(dst []byte, ev *transport.Event, payload, rest []byte, from rooms.PeerID) []byte {
	t := sio.Event
	if len(ev.Attachments) > 0 {
		t = sio.BinaryEvent
	}
	dst = sio.AppendHeader(dst, t, "", len(ev.Attachments), sio.NoID)
	dst = jsonscan.AppendString(append(dst, '['), string(ev.Name))
	if payload != nil {
		dst = rooms.AppendStamped(append(dst, ','), payload, from)
		dst = append(dst, rest...)
	}
	return append(dst, ']')
}

// announce sends a server event to peers, encoded once.
func (s *signaling) announce(ids []rooms.PeerID, event string, args ...any) {
	if len(ids) == 0 {
		return
	}
	s.peers.deliver(ids, encodeEvent(event, args...), nil)
}

// encodeEvent encodes a server event with encoding/json.
func encodeEvent(event string, args ...any) []byte {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		panic("server events are maps of strings: " + err.Error())
	}
	return append(sio.AppendHeader(nil, sio.Event, "", 0, sio.NoID), data...)
}

// ackNull is the ack of a success without a result: (null).
var ackNull = json.RawMessage("[null]")

// ok acks success: (null), or (null, result).
func (s *signaling) ok(c *client, ev *transport.Event, result any) {
	if ev.AckID == transport.NoAck {
		return
	}
	if result == nil {
		c.sock.Ack(ev.AckID, ackNull)
		return
	}
	data, _ := json.Marshal([]any{nil, result})
	c.sock.Ack(ev.AckID, data)
}

// fail acks a refusal: ({code, message}).
func (s *signaling) fail(c *client, ev *transport.Event, err *rooms.Error) {
	if ev.AckID == transport.NoAck {
		return
	}
	data, _ := json.Marshal([]any{err})
	c.sock.Ack(ev.AckID, data)
}

// decodeArgs decodes a command's arguments; commands are rare, so clarity
// wins over allocations here.
func decodeArgs(ev *transport.Event) []any {
	var args []any
	it := ev.Args
	for arg, ok := it.Next(); ok; arg, ok = it.Next() {
		var v any
		_ = json.Unmarshal(arg, &v) // the transport has validated the packet
		args = append(args, v)
	}
	return args
}

// requestedRoom is the room a client asks for at connect: auth.room
// (socket.io 3+), or the room query parameter (any version).
func requestedRoom(auth json.RawMessage, hs *transport.Handshake) string {
	if auth != nil {
		var a struct {
			Room any `json:"room"`
		}
		if json.Unmarshal(auth, &a) == nil {
			if room, ok := a.Room.(string); ok && room != "" {
				return room
			}
		}
	}
	return hs.Query.Get("room")
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

// appendNew appends the ids of add that dst lacks.
func appendNew(dst, add []rooms.PeerID) []rooms.PeerID {
	for _, id := range add {
		found := false
		for _, have := range dst {
			if have == id {
				found = true
				break
			}
		}
		if !found {
			dst = append(dst, id)
		}
	}
	return dst
}
