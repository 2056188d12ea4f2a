package rooms

// Address is how a relayed payload narrows its delivery: the optional "to"
// and "room" fields of an object payload.
type Address struct {
	To   PeerID
	Room string
}

// Route is where one relayed event goes: to the members of Rooms other than
// the sender, or, when To is set, to that one peer only.
type Route struct {
	Rooms []string
	To    PeerID
}

// IsRelayEvent reports whether event is relayed to room members.
func (r *Registry) IsRelayEvent(event string) bool { return r.relay[event] }

// ParseAddress reads "to" and "room" from an object payload. Other payloads
// (strings, arrays, numbers) carry no address. A present field that is not a
// string is refused rather than ignored, so a page bug never turns a private
// message into a room-wide one.
func ParseAddress(payload any) (Address, *Error) {
	obj, ok := payload.(map[string]any)
	if !ok {
		return Address{}, nil
	}
	var a Address
	if v, present := obj["to"]; present && v != nil {
		to, ok := v.(string)
		if !ok || to == "" {
			return Address{}, errorf(CodeInvalidPayload, `"to" must be a socket id string`)
		}
		a.To = PeerID(to)
	}
	if v, present := obj["room"]; present && v != nil {
		room, ok := v.(string)
		if !ok {
			return Address{}, errorf(CodeInvalidPayload, `"room" must be a string`)
		}
		if err := ValidateName(room); err != nil {
			return Address{}, err
		}
		a.Room = room
	}
	return a, nil
}

// Stamp sets "from" on an object payload to the sender's id, overwriting what
// the client put there: receivers must be able to trust it. Other payloads are
// returned unchanged.
func Stamp(payload any, from PeerID) any {
	if obj, ok := payload.(map[string]any); ok {
		obj["from"] = string(from)
	}
	return payload
}

// Route decides who receives an event relayed by from. The sender must be in
// a room; a Room address must be one of its rooms; a To address must be a
// peer sharing one of those rooms with it. Nothing is delivered on error.
func (r *Registry) Route(from PeerID, addr Address) (Route, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.peers[from]
	if !ok || len(p.rooms) == 0 {
		return Route{}, errorf(CodeNotInRoom, "join a room before signaling")
	}
	var scope []string
	if addr.Room != "" {
		if _, member := p.rooms[addr.Room]; !member {
			return Route{}, errorf(CodeNotInRoom, "this socket is not in room "+addr.Room)
		}
		scope = []string{addr.Room}
	} else {
		scope = r.roomsOfLocked(p)
	}
	if addr.To == "" {
		return Route{Rooms: scope}, nil
	}
	if addr.To == from {
		return Route{}, errorf(CodeInvalidPayload, `"to" names the sender itself`)
	}
	for _, room := range scope {
		if _, shared := r.rooms[room][addr.To]; shared {
			return Route{To: addr.To}, nil
		}
	}
	return Route{}, errorf(CodeNotInRoom, "peer "+string(addr.To)+" is not in a room with this socket")
}
