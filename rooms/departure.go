package rooms

import (
	"slices"
	"strings"
)

// Departure is one room a peer left, and who is still in it to be told.
type Departure struct {
	Room  string
	Space Space
	// Others are the members still in the room, sorted.
	Others []PeerID
	// Codelab is set when the peer had joined the room through the
	// codelab's create or join.
	Codelab bool
	// Clustered: other nodes may hold members of the room too, so it is
	// told even when Others, this node's members, is empty.
	Clustered bool
}

// Removal is the payload of signalmaster's remove: {id, type}. An empty
// Type (omitted) means every stream of the peer.
type Removal struct {
	ID   PeerID `json:"id"`
	Type string `json:"type,omitempty"`
}

// Notices returns the events that tell d.Others that id left d.Room, in
// order: roomcast's peer-left {room, id}; SimpleWebRTC's remove {id}; and,
// when the peer disconnected after joining through create or join, the
// codelab's message("bye") (its page hangs up on exactly that) and
// bye(room). Only socket.io rooms are told this way: a raw peer's partner
// hears from RawConn.Close.
func (d Departure) Notices(id PeerID, disconnected bool) []Emit {
	if d.Space != SpaceSocketIO || (len(d.Others) == 0 && !d.Clustered) {
		return nil
	}
	room := []string{d.Room}
	notices := []Emit{
		{To: d.Others, Event: EventPeerLeft, Args: []any{RoomPeer{Room: d.Room, ID: id}}, Rooms: room, Except: id},
		{To: d.Others, Event: EventRemove, Args: []any{Removal{ID: id}}, Rooms: room, Except: id},
	}
	if disconnected && d.Codelab {
		notices = append(notices,
			Emit{To: d.Others, Event: EventMessage, Args: []any{codelabBye}, Rooms: room, Except: id},
			Emit{To: d.Others, Event: EventBye, Args: []any{d.Room}, Rooms: room, Except: id})
	}
	return notices
}

// codelabBye is the message a codelab page hangs up on.
const codelabBye = "bye"

// DisconnectNotices returns every event that tells the rooms in departures
// that id disconnected: each room's Notices, then "user disconnected" with
// the id, once to each peer that shared a room with it.
func DisconnectNotices(id PeerID, departures []Departure) []Emit {
	var notices []Emit
	var everyone []PeerID
	var rooms []string
	for _, d := range departures {
		if n := d.Notices(id, true); n != nil {
			notices = append(notices, n...)
			everyone = append(everyone, d.Others...)
			rooms = append(rooms, d.Room)
		}
	}
	if len(rooms) > 0 {
		slices.Sort(everyone)
		notices = append(notices, Emit{To: slices.Compact(everyone), Event: EventUserDisconnected, Args: []any{string(id)},
			Rooms: rooms, Except: id})
	}
	return notices
}

// LeaveRooms is Leave, returning for each room left who is still in it.
func (r *Registry) LeaveRooms(id PeerID, room string) ([]Departure, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return nil, errNotConnected()
	}
	if room == "" {
		p.explicit = true
		return r.departAllLocked(id, p), nil
	}
	if err := ValidateName(room); err != nil {
		return nil, err
	}
	rm := p.in(room)
	if rm == nil {
		return nil, errorf(CodeNotInRoom, "this socket is not in room "+room)
	}
	p.explicit = true // a refused leave is not a choice: only now does the default room stop applying
	return []Departure{r.departLocked(id, p, rm)}, nil
}

// DisconnectRooms is Disconnect, returning for each room left who is still
// in it: nil for an unknown peer.
func (r *Registry) DisconnectRooms(id PeerID) []Departure {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[id]
	if !ok {
		return nil
	}
	delete(r.peers, id)
	return r.departAllLocked(id, p)
}

// departLocked takes the peer out of rm and describes who is left.
func (r *Registry) departLocked(id PeerID, p *peer, rm *room) Departure {
	codelab := r.removeLocked(id, p, rm)
	others := rm.appendOthers(make([]PeerID, 0, rm.size()), id)
	slices.Sort(others)
	return Departure{Room: rm.key.Name, Space: rm.key.Space, Others: others, Codelab: codelab, Clustered: r.cluster != nil}
}

// departAllLocked takes the peer out of every room, in name order.
func (r *Registry) departAllLocked(id PeerID, p *peer) []Departure {
	left := slices.Clone(p.rooms)
	slices.SortFunc(left, func(a, b *room) int { return strings.Compare(a.key.Name, b.key.Name) })
	departures := make([]Departure, 0, len(left))
	for _, rm := range left {
		departures = append(departures, r.departLocked(id, p, rm))
	}
	return departures
}

// departedRooms returns the rooms of departures (nil for nil).
func departedRooms(departures []Departure) []string {
	if departures == nil {
		return nil
	}
	names := make([]string, len(departures))
	for i, d := range departures {
		names[i] = d.Room
	}
	return names
}
