package server

import (
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// The handlers' side of several nodes sharing rooms: what they hand the
// broker, and what the broker delivers to this node's peers (local).

// publishRelay hands a relayed packet to the other nodes: to every room of
// the sender's scope, or, for a peer of another node, to that peer alone.
// It reports false when the relay is addressed to a peer this node does
// not have and no other node may have either.
func (s *signaling) publishRelay(c *client, ev *transport.Event, addr rooms.Address, id string, pkt []byte) {
	scope := s.scopeOf(c, addr)
	if len(scope) == 0 {
		return
	}
	s.broker.publishRooms(rooms.SpaceSocketIO, scope, c.id, id, pkt, ev.Attachments)
}

// relayToRemote hands a packet addressed to a peer this node does not have
// to the node that has it, if it shares a room with the sender there; the
// ack follows the answer.
func (s *signaling) relayToRemote(c *client, ev *transport.Event, addr rooms.Address, pkt []byte) {
	scope := s.scopeOf(c, addr)
	ackID := ev.AckID
	if len(scope) == 0 {
		s.failAck(c, ackID, &rooms.Error{Code: rooms.CodeNotInRoom, Message: "join a room before signaling"})
		return
	}
	s.broker.sendTo(rooms.SpaceSocketIO, scope, addr.To, s.peers.ids.next(), pkt, ev.Attachments, func(delivered bool) {
		if !delivered {
			s.failAck(c, ackID, &rooms.Error{Code: rooms.CodeNotInRoom, Message: "peer " + string(addr.To) + " is not in a room with this socket"})
			return
		}
		s.stats.relayed.Add(1)
		s.stats.delivered.Add(1)
		if ackID != transport.NoAck {
			c.socket().Ack(ackID, ackNull)
		}
	})
}

// scopeOf is the rooms a relay from c addresses.
func (s *signaling) scopeOf(c *client, addr rooms.Address) []string {
	if addr.Room != "" {
		return []string{addr.Room}
	}
	return s.registry.RoomsOf(c.id)
}

// failAck acks a refusal after the event's call has returned.
func (s *signaling) failAck(c *client, ackID int64, err *rooms.Error) {
	s.stats.refused(err.Code)
	if ackID != transport.NoAck {
		c.socket().Ack(ackID, errorAck(err))
	}
}

// roomPacket implements local: this node's members of scope[index] get the
// packet, but except and those also in an earlier room of scope, which
// carried it to them already.
func (s *signaling) roomPacket(space rooms.Space, scope []string, index int, except rooms.PeerID, id string, pkt []byte, attachments [][]byte) {
	s.peers.deliverID(s.localMembers(space, scope, index, except), pkt, attachments, id)
}

// localMembers are this node's members of scope[index] but except, less
// those in an earlier room of scope.
func (s *signaling) localMembers(space rooms.Space, scope []string, index int, except rooms.PeerID) []rooms.PeerID {
	ids := s.registry.OthersIn(nil, space, except, scope[index])
	if index == 0 {
		return ids
	}
	kept := ids[:0]
	for _, id := range ids {
		earlier := false
		for _, room := range scope[:index] {
			if s.registry.IsMember(id, room) {
				earlier = true
				break
			}
		}
		if !earlier {
			kept = append(kept, id)
		}
	}
	return kept
}

// peerPacket implements local.
func (s *signaling) peerPacket(peer rooms.PeerID, id string, pkt []byte, attachments [][]byte) {
	s.peers.deliverID([]rooms.PeerID{peer}, pkt, attachments, id)
}

// peerGone implements local: a peer of a node that died left scope[index],
// told as its own node would have told it (peer-left, remove) and, once per
// peer over the rooms of scope, "user disconnected".
func (s *signaling) peerGone(space rooms.Space, id rooms.PeerID, scope []string, index int) {
	if space != rooms.SpaceSocketIO {
		return
	}
	room := scope[index]
	all := s.registry.OthersIn(nil, space, id, room)
	d := rooms.Departure{Room: room, Space: space, Others: all}
	for _, e := range d.Notices(id, false) {
		s.peers.deliver(e.To, encodeEvent(e.Event, e.Args...), nil)
	}
	if once := s.localMembers(space, scope, index, id); len(once) > 0 {
		s.peers.deliver(once, encodeEvent(rooms.EventUserDisconnected, string(id)), nil)
	}
}
