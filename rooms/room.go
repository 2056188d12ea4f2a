package rooms

// room is one room's membership. Members are kept in a slice because the
// relay walks them for every event (ranging over a map cost more than the
// rest of the routing); index makes membership tests and removal O(1).
type room struct {
	key     roomKey
	members []PeerID
	index   map[PeerID]int // position in members
}

func newRoom(key roomKey) *room {
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

// remove swaps the last member into id's place: member order carries no
// meaning.
func (rm *room) remove(id PeerID) {
	i, in := rm.index[id]
	if !in {
		return
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
