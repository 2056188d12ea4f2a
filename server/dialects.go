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
	maxPeers, err := s.grant(c, ev, room)
	if err != nil {
		s.send(rooms.CodelabRefused(c.id, room, err).Emits)
		s.fail(c, ev, err)
		return
	}
	d, err := s.registry.CreateOrJoinCapped(c.id, room, maxPeers)
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
	if e, ok := rooms.CodelabIPAddr(c.id, c.socket().Handshake().Host); ok {
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
	if room == "" && s.tokens != nil {
		s.fail(c, ev, forbidden("rooms are private: create needs the name its token opens, not a random one"))
		return
	}
	maxPeers, err := s.grant(c, ev, room)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	j, err := s.registry.CreateCapped(c.id, room, maxPeers)
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
