package server

import (
	"sync"

	"github.com/roomcast/roomcast/rooms"
)

// member is a connected peer that packets can be delivered to: a socket.io
// client, or a raw websocket peer. A packet is already in the member's
// format: the registry's spaces keep socket.io peers and raw peers apart.
type member interface {
	// deliver queues pkt and its attachments, copying them: the caller
	// reuses its buffers.
	deliver(pkt []byte, attachments [][]byte)
}

// directory maps the registry's peer ids to their connections, so that a
// list of recipients the registry returns can be delivered to. It holds no
// membership: rooms.Registry is the only member list.
type directory struct {
	mu    sync.RWMutex
	peers map[rooms.PeerID]member

	// rec and overflow serve recoverable clients: rec bounds what the
	// suspended ones hold, and overflow ends a suspension that passed a
	// bound. overflow must not block: deliver holds the directory's lock.
	rec      *recovery
	overflow func(*client)
	// ids number what recoverable clients get.
	ids packetIDs
}

func newDirectory() *directory { return &directory{peers: make(map[rooms.PeerID]member)} }

func (d *directory) add(id rooms.PeerID, m member) {
	d.mu.Lock()
	d.peers[id] = m
	d.mu.Unlock()
}

func (d *directory) remove(id rooms.PeerID, m member) {
	d.mu.Lock()
	if d.peers[id] == m {
		delete(d.peers, id)
	}
	d.mu.Unlock()
}

// has reports whether peer id is one of this node's.
func (d *directory) has(id rooms.PeerID) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.peers[id] != nil
}

// deliver queues one encoded packet, and its attachments, on every
// recipient: the same bytes for all of them. Recoverable clients get one
// copy with an offset appended, the same for all of them too. Recipients
// that have gone are skipped.
func (d *directory) deliver(ids []rooms.PeerID, pkt []byte, attachments [][]byte) {
	d.deliverID(ids, pkt, attachments, "")
}

// deliverID is deliver of a packet whose id, its offset for recoverable
// clients, is given: one that other nodes deliver too. "" draws one when a
// recipient needs it.
func (d *directory) deliverID(ids []rooms.PeerID, pkt []byte, attachments [][]byte, offset string) {
	var withOffset *logged
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, id := range ids {
		m := d.peers[id]
		c, isClient := m.(*client)
		switch {
		case m == nil:
		case isClient && c.recoverable():
			if withOffset == nil {
				withOffset = newLogged(pkt, attachments, offset, &d.ids)
			}
			d.deliverLogged(c, withOffset)
		default:
			m.deliver(pkt, attachments)
		}
	}
}

func (d *directory) deliverLogged(c *client, p *logged) {
	held, ok := c.deliverLogged(p, d.rec.cfg.PeerBytes)
	if held > 0 && d.rec.held.Add(int64(held)) > d.rec.cfg.TotalBytes {
		ok = false
	}
	if !ok {
		d.overflow(c)
	}
}
