package server

import (
	"time"

	"github.com/roomcast/roomcast/internal/sio"
	"github.com/roomcast/roomcast/internal/transport"
)

// Recovery across nodes. A recoverable client whose connection dropped may
// reconnect to another node (B) than the one that holds it (A). Then:
//
//  1. B finds A in Redis (A recorded the client's pid when it dropped) and
//     asks it for the client, with the offset the client reported.
//  2. A answers with the peer, its rooms and what it missed after that
//     offset, hands its memberships in Redis to B, and keeps logging what
//     arrives for it.
//  3. B adopts the peer with its id and rooms, replays what it missed,
//     subscribes to its rooms, and tells A.
//  4. A sends B what it logged since its answer, and forgets the peer.
//
// Every packet a recoverable client gets carries the same id on every node
// (packetIDs), so B drops what reached it both from A and directly. The
// others in its rooms see nothing: it never left them.

// handoverDedup is how long an adopted client's packets are checked for
// duplicates: a packet arriving both from the old node and directly does so
// within the handover, a matter of milliseconds.
const handoverDedup = 10 * time.Second

// resumeElsewhere resumes a client whose private id this node does not
// know, from the node that holds it, if any.
func (s *signaling) resumeElsewhere(sock *transport.Socket, a recoveryAuth) bool {
	h := s.broker.handovers()
	if h == nil || s.rec == nil || sock.Version() != sio.V5 {
		return false
	}
	r, oldNode, ok := h.handover(a.PID, a.Offset)
	if !ok || s.registry.Adopt(r.peer, r.held) != nil {
		return false
	}
	c := newClient(r.peer, sock, s.limits)
	c.pid = a.PID
	c.dedup = make(map[string]struct{})
	sock.Recover(string(c.id), c.pid)
	sock.SetValue(c)
	c.mu.Lock()
	for _, m := range r.missed {
		p := newLogged(m.pkt, m.attachments, m.id, &s.peers.ids)
		c.dedup[m.id] = struct{}{}
		c.log.add(p)
		sock.SendBinary(p.pkt, p.attachments)
	}
	c.log.trim(recoveryReplayBytes)
	c.mu.Unlock()
	s.rec.adopt(c)
	s.peers.add(c.id, c)
	s.adoptICE(c)
	h.adopted(oldNode, a.PID, c.id, r.held)
	time.AfterFunc(handoverDedup, func() {
		c.mu.Lock()
		c.dedup = nil
		c.mu.Unlock()
	})
	s.stats.recoveries.Add(1)
	s.log.Debug("a client recovered its connection from another node", "peer", c.id, "from", oldNode, "missed", len(r.missed))
	return true
}

// handOver implements local, on the old node: it gives up the dropped
// client of pid to node, or ends it when what it missed is not known.
func (s *signaling) handOver(pid, offset, node string) handoverReply {
	c := s.rec.lookup(pid)
	h := s.broker.handovers()
	if c == nil || h == nil {
		return handoverReply{}
	}
	held, ok := s.registry.Holding(c.id)
	c.mu.Lock()
	missed, known := c.log.after(offset)
	if !ok || c.gone || !known || c.movingTo != "" {
		c.mu.Unlock()
		if !known {
			go s.end(c)
		}
		return handoverReply{}
	}
	r := handoverReply{ok: true, peer: c.id, held: held, missed: make([]missedPacket, len(missed))}
	for i, p := range missed {
		r.missed[i] = missedPacket{id: p.offset(), pkt: p.withoutOffset(), attachments: p.attachments}
	}
	if !h.move(c.id, held, node) {
		c.mu.Unlock()
		return handoverReply{}
	}
	// From here the client only logs, for letGo; a socket it still had
	// (its drop not noticed yet) is stale (movingTo says so).
	old, connected := c.sock, !c.suspended
	c.movingTo, c.movedAt, c.suspended = node, len(c.log.entries), true
	c.stopExpiryLocked()
	c.mu.Unlock()
	if connected {
		old.Close(reasonTakenOver)
	}
	h.unrecoverable(pid)
	// A new node that never confirms is gone too: then the client ends here.
	time.AfterFunc(2*redisTimeout, func() { s.abandonHandover(c) })
	return r
}

// letGo implements local, on the old node: the new node has the client's
// rooms, so it gets what was logged since the answer, and the client is
// forgotten here without anyone being told.
func (s *signaling) letGo(pid, node string) {
	c := s.rec.lookup(pid)
	h := s.broker.handovers()
	if c == nil || h == nil {
		return
	}
	c.mu.Lock()
	if c.movingTo != node || c.gone {
		c.mu.Unlock()
		return
	}
	late := c.log.entries[max(c.movedAt, c.log.start):]
	c.gone, c.movingTo = true, ""
	if c.held > 0 {
		s.rec.held.Add(-int64(c.held))
	}
	c.held, c.log = 0, streamLog{}
	c.mu.Unlock()
	c.stopICERefresh() // the new node refreshes it now
	for _, p := range late {
		h.forward(node, c.id, p.offset(), p.withoutOffset(), p.attachments)
	}
	if held, ok := s.registry.Release(c.id); ok {
		h.released(c.id, held)
	}
	s.peers.remove(c.id, c)
	s.rec.forget(c)
}

// abandonHandover ends a client whose new node never confirmed it.
func (s *signaling) abandonHandover(c *client) {
	c.mu.Lock()
	moving := c.movingTo != "" && !c.gone
	c.mu.Unlock()
	if moving {
		s.log.Info("a node asked for a client and went silent: the client leaves", "peer", c.id)
		s.end(c)
	}
}

// withoutOffset returns the packet as it was before its offset was
// appended (newLogged), for another node to append it again.
func (p *logged) withoutOffset() []byte {
	n := p.offsetAt - 2 // before ,"<offset>"]
	return append(p.pkt[:n:n], ']')
}

// adopt enrolls a client another node handed over.
func (r *recovery) adopt(c *client) {
	r.mu.Lock()
	r.byPID[c.pid] = c
	r.mu.Unlock()
}
