package rooms

import (
	"crypto/rand"
	"encoding/hex"
)

// SimpleWebRTC's signalmaster, on the socket.io endpoint: its join is
// roomcast's join (the ack's clients in its shape, see JoinAck), its leave
// roomcast's leave, its message with "to" roomcast's relay. What is its own
// lives here.

// Resources are the streams a peer offers, in signalmaster's shape.
type Resources struct {
	Audio  bool `json:"audio"`
	Video  bool `json:"video"`
	Screen bool `json:"screen"`
}

// DefaultResources are what signalmaster assumes of every peer: one video
// call (which carries the audio too), no screen until it shares one.
func DefaultResources() Resources { return Resources{Video: true} }

// Create is signalmaster's create: it joins room, as an explicit join, only
// if nobody is in it, and fails with room-taken otherwise. An empty room is
// a fresh random name. The ack is (null, Joined.Room).
func (r *Registry) Create(id PeerID, room string) (Joined, *Error) {
	return r.CreateCapped(id, room, 0)
}

// CreateCapped is Create of a room whose capacity is maxPeers (see
// JoinCapped).
func (r *Registry) CreateCapped(id PeerID, room string, maxPeers int) (Joined, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return Joined{}, errNotConnected()
	}
	if room == "" {
		room = r.freeRoomNameLocked(p.space)
	}
	if err := ValidateName(room); err != nil {
		return Joined{}, err
	}
	if p.in(room) != nil {
		return Joined{}, errRoomTaken(room)
	}
	return r.explicitJoinLocked(id, p, room, r.cfg.roomCapacity(maxPeers), true)
}

// freeRoomNameLocked draws random room names (UUID-shaped, as signalmaster's
// own) until one is free; with 122 random bits the first one is.
func (r *Registry) freeRoomNameLocked(space Space) string {
	for {
		name := randomRoomName()
		if r.rooms[RoomKey{space, name}] == nil {
			return name
		}
	}
}

// randomRoomName returns a version 4 UUID.
func randomRoomName() string {
	var b [16]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ShareScreen records that the peer shares its screen: newcomers' join acks
// list it with screen set, so they call it for that stream too.
func (r *Registry) ShareScreen(id PeerID) *Error {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return errNotConnected()
	}
	p.screen = true
	r.shareScreenLocked(id, p)
	return nil
}

// shareScreenLocked tells the Cluster, if any, of the peer's screen.
func (r *Registry) shareScreenLocked(id PeerID, p *peer) {
	if r.cluster == nil {
		return
	}
	for _, rm := range p.rooms {
		r.cluster.SetScreen(rm.key, id, p.screen)
	}
}

// UnshareScreen records that the peer stopped sharing its screen and
// returns remove {id, type: "screen"} for everyone sharing a room with it,
// each once.
func (r *Registry) UnshareScreen(id PeerID) ([]Emit, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return nil, errNotConnected()
	}
	p.screen = false
	r.shareScreenLocked(id, p)
	others := appendScope(nil, id, p.rooms)
	if len(others) == 0 && r.cluster == nil {
		return nil, nil
	}
	return []Emit{{To: others, Event: EventRemove, Args: []any{Removal{ID: id, Type: streamScreen}},
		Rooms: roomNames(p), Except: id}}, nil
}

// streamScreen is signalmaster's name for a screen stream.
const streamScreen = "screen"
