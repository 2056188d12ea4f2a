package rooms

import "slices"

// A socket.io peer's record can move between nodes: when a client that can
// recover reconnects to another node, that node adopts the peer its old
// node releases. Its memberships stay what they were across the nodes, so
// neither step asks the Cluster anything or tells anyone.

// Handover is what a node hands over of one of its peers.
type Handover struct {
	Space    Space
	Rooms    []string
	Codelab  []string // the rooms it joined through create or join
	Explicit bool     // it chose its rooms (the default room no longer applies)
	Screen   bool
}

// Holding returns what a peer of this node holds, as Release would hand it
// over, leaving it as it is.
func (r *Registry) Holding(id PeerID) (Handover, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.peers[id]
	if !ok {
		return Handover{}, false
	}
	return handoverOf(id, p), true
}

func handoverOf(id PeerID, p *peer) Handover {
	h := Handover{Space: p.space, Rooms: roomNames(p), Explicit: p.explicit, Screen: p.screen}
	for _, rm := range p.rooms {
		if _, in := rm.codelab[id]; in {
			h.Codelab = append(h.Codelab, rm.key.Name)
		}
	}
	slices.Sort(h.Codelab)
	return h
}

// Release forgets a peer of this node without it leaving its rooms, which
// another node's Adopt takes over, and returns what it held. ok is false
// for an unknown peer.
func (r *Registry) Release(id PeerID) (h Handover, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return Handover{}, false
	}
	h = handoverOf(id, p)
	for _, rm := range p.rooms {
		rm.remove(id)
		if rm.size() == 0 {
			delete(r.rooms, rm.key)
		}
	}
	delete(r.peers, id)
	return h, true
}

// Adopt registers a peer another node released, in the rooms it holds,
// without admission: they are its already.
func (r *Registry) Adopt(id PeerID, h Handover) *Error {
	if int(h.Space) >= numSpaces {
		return errorf(CodeInvalidPayload, "no such space")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.peers[id]; dup {
		return errorf(CodeInvalidPayload, "socket id "+string(id)+" is already connected")
	}
	p := &peer{space: h.Space, explicit: h.Explicit, screen: h.Screen}
	r.peers[id] = p
	for _, name := range h.Rooms {
		if ValidateName(name) != nil || p.in(name) != nil {
			continue
		}
		r.addLocked(id, p, name)
	}
	for _, name := range h.Codelab {
		if rm := p.in(name); rm != nil {
			rm.markCodelab(id)
		}
	}
	return nil
}
