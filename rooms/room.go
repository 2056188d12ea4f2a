package rooms

// room is one room's membership. Members are kept in a slice because the
// relay walks them for every event (ranging over a map cost more than the
// rest of the routing); index makes membership tests and removal O(1).
type room struct {
	key     RoomKey
	members []PeerID
	index   map[PeerID]int // position in members
	// codelab holds the members that joined through the codelab's create
	// or join: only their disconnect says bye the codelab's way. Nil until
	// the first one.
	codelab map[PeerID]struct{}
	// names maps the names raw peers logged in with to the peers holding
	// them; nil until the first login.
	names map[string]PeerID
}

func newRoom(key RoomKey) *room {
	return &room{key: key, index: make(map[PeerID]int)}
}

func (rm *room) has(id PeerID) bool {
	_, in := rm.index[id]
	return in
}

func (rm *room) add(id PeerID) {
	rm.index[id] = len(rm.members)
	rm.members = append(rm.members, id)
}

// remove takes id out, swapping the last member into its place (member
// order carries no meaning), and reports whether it had joined through
// create or join.
func (rm *room) remove(id PeerID) (codelab bool) {
	i, in := rm.index[id]
	if !in {
		return false
	}
	last := len(rm.members) - 1
	if i != last {
		moved := rm.members[last]
		rm.members[i] = moved
		rm.index[moved] = i
	}
	rm.members[last] = "" // let the id's memory go
	rm.members = rm.members[:last]
	delete(rm.index, id)
	_, codelab = rm.codelab[id]
	delete(rm.codelab, id)
	return codelab
}

func (rm *room) markCodelab(id PeerID) {
	if rm.codelab == nil {
		rm.codelab = make(map[PeerID]struct{})
	}
	rm.codelab[id] = struct{}{}
}

func (rm *room) size() int { return len(rm.members) }

// appendOthers appends every member but id.
func (rm *room) appendOthers(dst []PeerID, id PeerID) []PeerID {
	for _, member := range rm.members {
		if member != id {
			dst = append(dst, member)
		}
	}
	return dst
}
