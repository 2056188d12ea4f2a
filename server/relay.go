package server

import (
	"sync"

	"github.com/roomcast/roomcast/internal/jsonscan"
	"github.com/roomcast/roomcast/internal/sio"
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

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
	// A peer this node does not have may be on another one.
	elsewhere := err != nil && err.Code == rooms.CodeNotInRoom && addr.To != "" && s.clustered
	if err != nil && !elsewhere {
		s.log.Debug("relay refused", "event", string(ev.Name), "peer", c.id, "code", err.Code)
		s.fail(c, ev, err)
		return
	}
	scratch.pkt = appendRelayed(scratch.pkt[:0], ev, payload, args.Rest(), c.id)
	if elsewhere {
		s.relayToRemote(c, ev, addr, scratch.pkt)
		return
	}
	if s.clustered && addr.To == "" {
		// One id on every node, for the offsets of recoverable clients.
		id := s.peers.ids.next()
		s.peers.deliverID(scratch.ids, scratch.pkt, ev.Attachments, id)
		s.publishRelay(c, ev, addr, id, scratch.pkt)
	} else {
		s.peers.deliver(scratch.ids, scratch.pkt, ev.Attachments)
	}
	s.stats.relayed.Add(1)
	s.stats.delivered.Add(int64(len(scratch.ids)))
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
