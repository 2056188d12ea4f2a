package rooms

// The names raw WebSocket peers log in with (the "login" dialect's login,
// the "inst" dialect's init). A name is unique within its room, so it
// addresses one peer there and nobody elsewhere; a peer holds one name at a
// time, in the room it connected to; Disconnect frees it.

// rawPeerLocked returns the record of a raw peer.
func (r *Registry) rawPeerLocked(id PeerID) (*peer, *Error) {
	p, ok := r.peers[id]
	if !ok || p.space != SpaceRaw {
		return nil, errorf(CodeNotConnected, "the connection is not registered as a raw WebSocket peer")
	}
	return p, nil
}

// claimName gives the peer name in its room, replacing the name it held.
// Claiming the name it holds is harmless.
func (r *Registry) claimName(id PeerID, name string) *Error {
	if err := validatePeerName(name); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p, err := r.rawPeerLocked(id)
	if err != nil {
		return err
	}
	if len(p.rooms) == 0 {
		return errorf(CodeNotInRoom, "the connection is in no room: connect with ?room=")
	}
	rm := p.rooms[0] // raw peers are in the one room they connected to
	if p.nameRoom == rm && p.name == name {
		return nil
	}
	if holder, taken := rm.names[name]; taken && holder != id {
		return ErrNameTaken(name)
	}
	if r.cluster != nil {
		if err := r.cluster.ClaimName(rm.key, name, id); err != nil {
			return err
		}
	}
	r.releaseNameLocked(id, p)
	if rm.names == nil {
		rm.names = make(map[string]PeerID)
	}
	rm.names[name] = id
	p.name, p.nameRoom = name, rm
	return nil
}

// releaseNameLocked frees the name p holds, if any.
func (r *Registry) releaseNameLocked(id PeerID, p *peer) {
	if p.nameRoom != nil && p.nameRoom.names[p.name] == id {
		delete(p.nameRoom.names, p.name)
		if r.cluster != nil {
			r.cluster.ReleaseName(p.nameRoom.key, p.name, id)
		}
	}
	p.name, p.nameRoom = "", nil
}

// addresseeLocked finds the peer that holds name in the sender's room. The
// sender must hold a name itself, and name must not be its own.
func (r *Registry) addresseeLocked(from PeerID, name string) (sender *peer, to PeerID, err *Error) {
	sender, err = r.rawPeerLocked(from)
	if err != nil {
		return nil, "", err
	}
	if sender.nameRoom == nil {
		return nil, "", errorf(CodeNotLoggedIn, "log in (or init) with a name first")
	}
	to, found := sender.nameRoom.names[name]
	if !found && r.cluster != nil {
		to, found = r.cluster.Named(sender.nameRoom.key, name)
	}
	if !found {
		return nil, "", errorf(CodeUnknownPeer, "nobody in this room is called "+name)
	}
	if to == from {
		return nil, "", errorf(CodeInvalidPayload, "that name is the sender's own")
	}
	return sender, to, nil
}

// rawRoute is one resolved raw message: who it goes to and the sender's
// name.
type rawRoute struct {
	to         PeerID
	senderName string
}

// route resolves a message from one raw peer to the one called name;
// partner records the addressee as the sender's partner (offer, answer).
func (r *Registry) route(from PeerID, name string, partner bool) (rawRoute, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sender, to, err := r.addresseeLocked(from, name)
	if err != nil {
		return rawRoute{}, err
	}
	if partner {
		sender.partner = to
	}
	return rawRoute{to: to, senderName: sender.name}, nil
}

// routeLeave resolves a leave to the one called name and ends the
// partnership between the two.
func (r *Registry) routeLeave(from PeerID, name string) (rawRoute, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sender, to, err := r.addresseeLocked(from, name)
	if err != nil {
		return rawRoute{}, err
	}
	if sender.partner == to {
		sender.partner = ""
	}
	if addressee := r.peers[to]; addressee != nil && addressee.partner == from {
		addressee.partner = "" // a peer of another node ends it when its leave arrives
	}
	return rawRoute{to: to, senderName: sender.name}, nil
}

// disconnectRaw disconnects a raw peer and returns its partner, if one is
// still connected, ending the partnership on that side too.
func (r *Registry) disconnectRaw(id PeerID) (partner PeerID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return ""
	}
	delete(r.peers, id)
	r.departAllLocked(id, p)
	other, ok := r.peers[p.partner]
	if !ok {
		if r.cluster != nil {
			return p.partner // of another node, if it is still there: its node tells it
		}
		return ""
	}
	if other.partner == id {
		other.partner = ""
	}
	return p.partner
}
