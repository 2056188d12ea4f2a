package server

import (
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// roomcast's own commands, join and leave, which signalmaster's pages use
// too.

func (s *signaling) join(c *client, ev *transport.Event) {
	room, ok := rooms.ParseRoomArg(firstArg(ev))
	if !ok || room == "" {
		s.fail(c, ev, &rooms.Error{Code: rooms.CodeInvalidRoom, Message: "join takes a room name or {room}"})
		return
	}
	if !s.allowJoin(c, ev) {
		return
	}
	maxPeers, err := s.grant(c, ev, room)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	j, err := s.registry.JoinCapped(c.id, room, maxPeers)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	s.admitted(c, j)
	s.ok(c, ev, s.joinAck(c, j))
}

// allowJoin applies the connection's join rate.
func (s *signaling) allowJoin(c *client, ev *transport.Event) bool {
	if c.joins.Allow() {
		return true
	}
	s.stats.dropped(dropRateLimited)
	s.fail(c, ev, &rooms.Error{Code: rooms.CodeRateLimited, Message: "too many joins: slow down"})
	return false
}

func (s *signaling) leave(c *client, ev *transport.Event) {
	room, ok := rooms.ParseRoomArg(firstArg(ev))
	if !ok {
		s.fail(c, ev, &rooms.Error{Code: rooms.CodeInvalidRoom, Message: "leave takes nothing, a room name or {room}"})
		return
	}
	departures, err := s.registry.LeaveRooms(c.id, room)
	if err != nil {
		s.fail(c, ev, err)
		return
	}
	left := make([]string, len(departures))
	for i, d := range departures {
		left[i] = d.Room
		s.send(d.Notices(c.id, false))
	}
	s.ok(c, ev, map[string]any{"rooms": left})
}
