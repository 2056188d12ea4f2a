package rooms

import (
	"slices"
	"strconv"
	"strings"
	"sync"
)

// CodeNotConnected refuses a command from a socket the registry no longer
// knows: its disconnect was processed first.
const CodeNotConnected = "not-connected"

// Registry is roomcast's own record of who is in which room: the truth for
// peer lists, capacity, relay targets and peer-left. It is safe for use by
// many goroutines; every method holds the lock for its whole decision, so a
// capacity check and the join it allows cannot interleave with another join.
// Reads (relay targets, member lists, stats) share a read lock: they are
// most of the traffic, one per relayed event.
type Registry struct {
	cfg   Config
	relay map[string]bool

	mu    sync.RWMutex
	rooms map[RoomKey]*room // this node's peers' rooms
	peers map[PeerID]*peer  // this node's peers
	// cluster shares the rooms with other nodes; nil for this node alone.
	cluster Cluster
}

// Joined describes a successful join.
type Joined struct {
	Room string
	// Others are the members that were there before, sorted.
	Others []PeerID
	// Clients are the resources of each of Others, for the signalmaster
	// shape of the join ack (see JoinAck).
	Clients map[PeerID]Resources
	// Left are rooms the join made the peer leave: the default room, on its
	// first explicit join.
	Left []string
	// Departures tell who is still in each room of Left.
	Departures []Departure
	// New is false when the peer was already a member: nobody is told again.
	New bool
}

// NewRegistry returns an empty registry. cfg must have passed Validate.
func NewRegistry(cfg Config) *Registry {
	relay := make(map[string]bool, len(cfg.RelayEvents))
	for _, ev := range cfg.RelayEvents {
		relay[ev] = true
	}
	return &Registry{
		cfg:   cfg,
		relay: relay,
		rooms: make(map[RoomKey]*room),
		peers: make(map[PeerID]*peer),
	}
}

// Config returns the rules the registry enforces.
func (r *Registry) Config() Config { return r.cfg }

// Connect registers a new peer in a space; every later call for that peer
// is scoped to its space. A non-empty room is joined at once, as an explicit
// join; otherwise the peer is put in the default room (of its space), if
// there is one. The returned Joined has an empty Room when nothing was
// joined. The peer stays registered even when the join fails, so it can try
// again. Ids are unique per connection across spaces (the transports draw
// them at random); an id that is already connected keeps its record and
// memberships.
func (r *Registry) Connect(id PeerID, space Space, room string) (Joined, *Error) {
	return r.ConnectCapped(id, space, room, 0)
}

// ConnectCapped is Connect with a capacity of the room's own (see
// JoinCapped), for whichever room it joins: room, or the default room.
func (r *Registry) ConnectCapped(id PeerID, space Space, room string, maxPeers int) (Joined, *Error) {
	if int(space) >= numSpaces {
		return Joined{}, errorf(CodeInvalidPayload, "space "+strconv.Itoa(int(space))+" does not exist")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.peers[id]; dup {
		return Joined{}, errorf(CodeInvalidPayload, "socket id "+string(id)+" is already connected")
	}
	p := &peer{space: space}
	r.peers[id] = p
	if room != "" {
		return r.joinLocked(id, p, room, maxPeers)
	}
	if r.cfg.DefaultRoom == "" {
		return Joined{}, nil
	}
	return r.enterLocked(id, p, r.cfg.DefaultRoom, 0, r.cfg.roomCapacity(maxPeers), false)
}

// Register records a new peer of a space in no room at all, not even the
// default one: the room it asked for was refused before the registry was
// asked (a private room without a valid token). It may join one later.
func (r *Registry) Register(id PeerID, space Space) *Error {
	if int(space) >= numSpaces {
		return errorf(CodeInvalidPayload, "space "+strconv.Itoa(int(space))+" does not exist")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.peers[id]; dup {
		return errorf(CodeInvalidPayload, "socket id "+string(id)+" is already connected")
	}
	r.peers[id] = &peer{space: space}
	return nil
}

// Join adds the peer to room. Joining a room twice is harmless. The first
// explicit join takes the peer out of the default room.
func (r *Registry) Join(id PeerID, room string) (Joined, *Error) {
	return r.JoinCapped(id, room, 0)
}

// JoinCapped is Join into a room whose capacity is maxPeers, when that is
// below Config.MaxPeersPerRoom: a private room's own size, from its token.
// 0 (or less) leaves MaxPeersPerRoom. The check and the join are one step
// under the registry lock (and, with a Cluster, one atomic Admit), so
// concurrent joins never take a room past either capacity.
func (r *Registry) JoinCapped(id PeerID, room string, maxPeers int) (Joined, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return Joined{}, errNotConnected()
	}
	return r.joinLocked(id, p, room, maxPeers)
}

func errNotConnected() *Error { return errorf(CodeNotConnected, "the socket is disconnected") }

func (r *Registry) joinLocked(id PeerID, p *peer, room string, maxPeers int) (Joined, *Error) {
	if err := ValidateName(room); err != nil {
		return Joined{}, err
	}
	return r.explicitJoinLocked(id, p, room, r.cfg.roomCapacity(maxPeers), false)
}

// explicitJoinLocked is a join the peer asked for: into room, admitted by
// limit (and ifEmpty, see enterLocked). Joining a room twice is harmless;
// the first explicit join takes the peer out of the default room.
func (r *Registry) explicitJoinLocked(id PeerID, p *peer, room string, limit int, ifEmpty bool) (Joined, *Error) {
	implicit := r.inDefaultImplicitly(p)
	if p.in(room) != nil {
		p.explicit = true
		return r.rejoinedLocked(id, p, room), nil
	}
	held := len(p.rooms)
	if implicit {
		held-- // the default room is left by this join
	}
	j, err := r.enterLocked(id, p, room, held, limit, ifEmpty)
	if err != nil {
		return Joined{}, err
	}
	if implicit {
		d := r.departLocked(id, p, p.in(r.cfg.DefaultRoom))
		j.Left = []string{d.Room}
		j.Departures = []Departure{d}
	}
	p.explicit = true
	return j, nil
}

// enterLocked puts a peer holding `held` rooms in room, if its own limit
// and the room's let it: the room must have fewer than limit members, or
// none when ifEmpty is set. With a Cluster, the room's members of every
// node count, and the Joined lists them all.
func (r *Registry) enterLocked(id PeerID, p *peer, room string, held, limit int, ifEmpty bool) (Joined, *Error) {
	if held >= r.cfg.MaxRoomsPerPeer {
		return Joined{}, errorf(CodeTooManyRooms, "this socket is already in the maximum number of rooms")
	}
	key := RoomKey{p.space, room}
	if r.cluster == nil {
		if rm := r.rooms[key]; rm != nil && ifEmpty && rm.size() > 0 {
			return Joined{}, errRoomTaken(room)
		} else if rm != nil && rm.size() >= limit {
			return Joined{}, errRoomFull(room)
		}
		return r.addLocked(id, p, room), nil
	}
	others, err := r.cluster.Admit(key, id, limit, ifEmpty)
	if err != nil {
		return Joined{}, err
	}
	j := r.addLocked(id, p, room)
	j.Others, j.Clients = membersOf(others)
	return j, nil
}

// rejoinedLocked describes a join of a room the peer is already in.
func (r *Registry) rejoinedLocked(id PeerID, p *peer, room string) Joined {
	key := RoomKey{p.space, room}
	if r.cluster == nil {
		return r.joinedLocked(key, id, false)
	}
	others, _ := r.cluster.Admit(key, id, r.cfg.MaxPeersPerRoom, false) // a member is always admitted
	j := Joined{Room: room}
	j.Others, j.Clients = membersOf(others)
	return j
}

// membersOf turns the Cluster's members into a join's lists, sorted.
func membersOf(members []Member) ([]PeerID, map[PeerID]Resources) {
	slices.SortFunc(members, func(a, b Member) int { return strings.Compare(string(a.ID), string(b.ID)) })
	ids := make([]PeerID, len(members))
	clients := make(map[PeerID]Resources, len(members))
	for i, m := range members {
		ids[i] = m.ID
		res := DefaultResources()
		res.Screen = m.Screen
		clients[m.ID] = res
	}
	return ids, clients
}

func (r *Registry) addLocked(id PeerID, p *peer, name string) Joined {
	key := RoomKey{p.space, name}
	j := r.joinedLocked(key, id, true)
	rm := r.rooms[key]
	if rm == nil {
		rm = newRoom(key)
		r.rooms[key] = rm
	}
	rm.add(id)
	p.rooms = append(p.rooms, rm)
	return j
}

// removeLocked takes the peer out of rm, with the name it holds there, and
// reports whether it had joined through create or join.
func (r *Registry) removeLocked(id PeerID, p *peer, rm *room) (codelab bool) {
	p.drop(rm)
	codelab = rm.remove(id)
	if p.nameRoom == rm {
		r.releaseNameLocked(id, p)
	}
	if r.cluster != nil {
		r.cluster.Depart(rm.key, id)
	}
	if rm.size() == 0 {
		delete(r.rooms, rm.key) // an empty room must not outlive its last member
	}
	return codelab
}

func (r *Registry) inDefaultImplicitly(p *peer) bool {
	if p.explicit || r.cfg.DefaultRoom == "" {
		return false
	}
	return p.in(r.cfg.DefaultRoom) != nil
}

// othersLocked returns the members of a room other than id, sorted.
func (r *Registry) othersLocked(key RoomKey, id PeerID) []PeerID {
	rm := r.rooms[key]
	if rm == nil {
		return []PeerID{}
	}
	others := rm.appendOthers(make([]PeerID, 0, rm.size()), id)
	slices.Sort(others)
	return others
}

// joinedLocked describes the room key as a join by id finds it.
func (r *Registry) joinedLocked(key RoomKey, id PeerID, isNew bool) Joined {
	others := r.othersLocked(key, id)
	clients := make(map[PeerID]Resources, len(others))
	for _, other := range others {
		clients[other] = r.peers[other].resources()
	}
	return Joined{Room: key.Name, Others: others, Clients: clients, New: isNew}
}

// Others appends to dst the members of room other than id, in no particular
// order, and returns it; room is in id's space. An id the registry no longer
// knows counts as a socket.io peer, so that the rooms a disconnected
// socket.io peer left can still be told. It allocates nothing beyond growing
// dst.
func (r *Registry) Others(dst []PeerID, id PeerID, room string) []PeerID {
	r.mu.RLock()
	defer r.mu.RUnlock()
	space := SpaceSocketIO
	if p, ok := r.peers[id]; ok {
		space = p.space
	}
	return r.appendOthersLocked(dst, RoomKey{space, room}, id)
}

// OthersIn is Others in the given space, whether or not id is connected.
func (r *Registry) OthersIn(dst []PeerID, space Space, id PeerID, room string) []PeerID {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.appendOthersLocked(dst, RoomKey{space, room}, id)
}

func (r *Registry) appendOthersLocked(dst []PeerID, key RoomKey, id PeerID) []PeerID {
	if rm := r.rooms[key]; rm != nil {
		dst = rm.appendOthers(dst, id)
	}
	return dst
}

// Leave takes the peer out of room, or out of every room when room is empty,
// and returns the rooms it left, sorted. Leaving a room one is not in is a
// not-in-room error. LeaveRooms also says who is still in them.
func (r *Registry) Leave(id PeerID, room string) ([]string, *Error) {
	departures, err := r.LeaveRooms(id, room)
	if err != nil {
		return nil, err
	}
	return departedRooms(departures), nil
}

// Disconnect forgets the peer, frees the name it held, and returns the rooms
// it was in, sorted. It is safe to call for an unknown or already
// disconnected peer. DisconnectRooms also says who is still in them.
func (r *Registry) Disconnect(id PeerID) []string {
	return departedRooms(r.DisconnectRooms(id))
}

// roomNames returns the names of the peer's rooms, sorted.
func roomNames(p *peer) []string {
	names := make([]string, 0, len(p.rooms))
	for _, rm := range p.rooms {
		names = append(names, rm.key.Name)
	}
	slices.Sort(names)
	return names
}

// IsMember reports whether the peer is in room (of its space).
func (r *Registry) IsMember(id PeerID, room string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.peers[id]
	return ok && p.in(room) != nil
}

// Members returns the peers in the socket.io room called room, sorted.
func (r *Registry) Members(room string) []PeerID {
	return r.MembersIn(SpaceSocketIO, room)
}

// MembersIn returns the peers in room of space, sorted.
func (r *Registry) MembersIn(space Space, room string) []PeerID {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.othersLocked(RoomKey{space, room}, "")
}

// RoomsOf returns the rooms the peer is in, sorted.
func (r *Registry) RoomsOf(id PeerID) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.peers[id]
	if !ok {
		return nil
	}
	return roomNames(p)
}

// Stats counts connected peers and non-empty rooms, of every space.
func (r *Registry) Stats() (peers, rooms int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.peers), len(r.rooms)
}
