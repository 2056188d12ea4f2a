package rooms

import "slices"

// PeerID names one connected socket. It is the id the transport gave it, the
// same one peers see in peers lists and in "from".
type PeerID string

// peer is the registry's record of one connected socket.
type peer struct {
	// space scopes every room the peer names.
	space Space
	// rooms are the rooms the peer is in, in join order. A peer is in a
	// handful of rooms (MaxRoomsPerPeer), so a slice beats a map both for
	// the relay, which walks them, and for finding one by name.
	rooms []*room
	// explicit is set once the peer joins or leaves on its own; from then on
	// the default room no longer applies to it.
	explicit bool
	// screen is set while the peer shares its screen (signalmaster's
	// shareScreen), so newcomers call it for that stream too.
	screen bool
	// name is the name a raw peer logged in with, held in nameRoom; empty
	// before its first login or init.
	name     string
	nameRoom *room
	// partner is the peer a raw "login" peer last sent an offer or answer
	// to: it is told when this one goes.
	partner PeerID
}

// in returns the peer's room called name, or nil.
func (p *peer) in(name string) *room {
	if i := p.indexOf(name); i >= 0 {
		return p.rooms[i]
	}
	return nil
}

// indexOf returns the position of the peer's room called name in p.rooms,
// or -1.
func (p *peer) indexOf(name string) int {
	for i, rm := range p.rooms {
		if rm.key.Name == name {
			return i
		}
	}
	return -1
}

func (p *peer) drop(rm *room) {
	if i := slices.Index(p.rooms, rm); i >= 0 {
		p.rooms = slices.Delete(p.rooms, i, i+1)
	}
}

// resources are what the peer offers to call, as signalmaster reports it.
func (p *peer) resources() Resources {
	res := DefaultResources()
	res.Screen = p.screen
	return res
}
