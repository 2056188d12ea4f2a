package server

import (
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// The socket.io dialects roomcast speaks besides its own protocol: Google's
// WebRTC codelab and SimpleWebRTC's signalmaster. Their rules are in rooms;
// these handlers read the arguments and send what rooms decided.

// createOrJoin is the codelab's join: created, join/joined/ready, or full.
func (s *signaling) createOrJoin(c *client, ev *transport.Event) {
	room, ok := rooms.ParseRoomArg(firstArg(ev))
	if !ok || room == "" {
		s.fail(c, ev, &rooms.Error{Code: rooms.CodeInvalidRoom, Message: "create or join takes a room name"})
		return
	}
	if !s.allowJoin(c, ev) {
		return
	}
	d, err := s.registry.CreateOrJoin(c.id, room)
	if d.Joined.Room != "" {
		s.admitted(c, d.Joined)
	}
	s.send(d.Emits)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	s.ok(c, ev, nil)
}

// ipaddr answers with the host the client reached the server by.
func (s *signaling) ipaddr(c *client, ev *transport.Event) {
	if e, ok := rooms.CodelabIPAddr(c.id, c.sock.Handshake().Host); ok {
		s.send([]rooms.Emit{e})
	}
	s.ok(c, ev, nil)
}

// create is signalmaster's: join a room nobody is in, acked with its name.
func (s *signaling) create(c *client, ev *transport.Event) {
	room, ok := rooms.ParseRoomArg(firstArg(ev))
	if !ok {
		s.fail(c, ev, &rooms.Error{Code: rooms.CodeInvalidRoom, Message: "create takes a room name, or nothing for a random one"})
		return
	}
	if !s.allowJoin(c, ev) {
		return
	}
	j, err := s.registry.Create(c.id, room)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	s.admitted(c, j)
	s.ok(c, ev, j.Room)
}

func (s *signaling) shareScreen(c *client, ev *transport.Event) {
	if err := s.registry.ShareScreen(c.id); err != nil {
		s.fail(c, ev, err)
		return
	}
	s.ok(c, ev, nil)
}

func (s *signaling) unshareScreen(c *client, ev *transport.Event) {
	emits, err := s.registry.UnshareScreen(c.id)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	s.send(emits)
	s.ok(c, ev, nil)
}
