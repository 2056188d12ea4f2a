package rooms

// Cluster is the room membership several roomcast nodes share. A Registry
// with one (SetCluster) keeps its own peers' memberships as always, and asks
// the Cluster for every decision that must hold across nodes: a room's
// capacity, who else is in it, whether it is empty, who holds a raw name.
// Each method is one atomic step on the shared state; the Registry calls
// them with its lock held, so they must not call back into it.
type Cluster interface {
	// Admit adds id to room unless the room holds limit members already
	// (or any member, when ifEmpty is set: then the refusal is room-taken),
	// and returns the other members, of every node, as they were.
	Admit(room RoomKey, id PeerID, limit int, ifEmpty bool) (others []Member, err *Error)
	// Depart takes id out of room.
	Depart(room RoomKey, id PeerID)
	// SetScreen records whether id shares its screen in room.
	SetScreen(room RoomKey, id PeerID, screen bool)
	// ClaimName gives id the raw name in room, unless another peer holds it
	// (name-taken).
	ClaimName(room RoomKey, name string, id PeerID) *Error
	// ReleaseName frees the name id holds in room.
	ReleaseName(room RoomKey, name string, id PeerID)
	// Named returns the peer that holds name in room, of any node.
	Named(room RoomKey, name string) (PeerID, bool)
}

// Member is one member of a room as the Cluster knows it.
type Member struct {
	ID PeerID
	// Screen: the member shares its screen (signalmaster's resources).
	Screen bool
}

// SetCluster makes the registry share room membership through c. Call it
// before the first Connect; nil (the default) keeps everything in this
// node.
func (r *Registry) SetCluster(c Cluster) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cluster = c
}

// Clustered reports whether the registry shares its rooms with other
// nodes.
func (r *Registry) Clustered() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cluster != nil
}

// errRoomFull and errRoomTaken are the refusals of a room's capacity and
// of signalmaster's create of a room that has members.
func errRoomFull(room string) *Error { return errorf(CodeRoomFull, "room "+room+" is full") }

func errRoomTaken(room string) *Error {
	return errorf(CodeRoomTaken, "room "+room+" already has members")
}

// ErrRoomFull and ErrRoomTaken build the Cluster's refusals, for
// implementations outside this package.
func ErrRoomFull(room string) *Error  { return errRoomFull(room) }
func ErrRoomTaken(room string) *Error { return errRoomTaken(room) }

// ErrNameTaken is the Cluster's refusal of a name another peer holds.
func ErrNameTaken(name string) *Error {
	return errorf(CodeNameTaken, "the name "+name+" is taken in this room")
}
