package server

import (
	"sync"

	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// directory maps the registry's peer ids to their connections, so that a
// list of recipients the registry returns can be delivered to. It holds no
// membership: rooms.Registry is the only member list.
type directory struct {
	mu    sync.RWMutex
	peers map[rooms.PeerID]*client
}

func newDirectory() *directory { return &directory{peers: make(map[rooms.PeerID]*client)} }

func (d *directory) add(c *client) {
	d.mu.Lock()
	d.peers[c.id] = c
	d.mu.Unlock()
}

func (d *directory) remove(c *client) {
	d.mu.Lock()
	if d.peers[c.id] == c {
		delete(d.peers, c.id)
	}
	d.mu.Unlock()
}

// deliver queues one encoded packet, and its attachments, on every
// recipient: the same bytes for all of them. Recipients that have gone are
// skipped.
func (d *directory) deliver(ids []rooms.PeerID, pkt []byte, attachments [][]byte) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, id := range ids {
		if c := d.peers[id]; c != nil {
			c.sock.SendBinary(pkt, attachments)
		}
	}
}

// client is one socket.io peer as the handlers see it.
type client struct {
	id   rooms.PeerID
	sock *transport.Socket
}
