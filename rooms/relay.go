package rooms

import (
	"encoding/json"

	"github.com/roomcast/roomcast/internal/jsonscan"
)

// Address is how a relayed payload narrows its delivery: the optional "to"
// and "room" members of an object payload.
type Address struct {
	To   PeerID
	Room string
}

// The payload members the relay reads and writes.
const (
	memberTo   = "to"
	memberRoom = "room"
	memberFrom = "from"
)

// IsRelayEvent reports whether event is relayed to room members.
func (r *Registry) IsRelayEvent(event string) bool { return r.relay[event] }

// ParseAddress reads the optional "to" and "room" members of a relayed
// payload: the raw JSON of the event's first argument, nil or empty when
// there is none. Keys match exactly once decoded ({"t\u006f":"x"} is "to");
// of duplicate keys the last counts, as in JSON.parse. Payloads that are not
// objects (strings, arrays, numbers) carry no address. A present member that
// is not a string is refused rather than ignored, so a page bug never turns a
// private message into a room-wide one; null counts as absent. Invalid JSON
// is an invalid-payload error. It allocates only the strings it returns.
func ParseAddress(payload json.RawMessage) (Address, *Error) {
	if len(payload) == 0 {
		return Address{}, nil
	}
	it, isObject := jsonscan.Object(payload)
	if !isObject {
		if !jsonscan.Valid(payload) {
			return Address{}, errInvalidJSON()
		}
		return Address{}, nil
	}
	var to, room []byte
	for it.Next() {
		switch {
		case it.KeyIs(memberTo):
			to = it.Value()
		case it.KeyIs(memberRoom):
			room = it.Value()
		}
	}
	if !it.Valid() {
		return Address{}, errInvalidJSON()
	}
	return addressOf(to, room)
}

func errInvalidJSON() *Error { return errorf(CodeInvalidPayload, "the payload is not valid JSON") }

// addressOf checks the raw "to" and "room" values (nil when absent), "to"
// first.
func addressOf(to, room []byte) (Address, *Error) {
	var a Address
	if to != nil && !isJSONNull(to) {
		id, ok := jsonscan.Unquote(to)
		if !ok || id == "" {
			return Address{}, errorf(CodeInvalidPayload, `"to" must be a socket id string`)
		}
		a.To = PeerID(id)
	}
	if room != nil && !isJSONNull(room) {
		name, ok := jsonscan.Unquote(room)
		if !ok {
			return Address{}, errorf(CodeInvalidPayload, `"room" must be a string`)
		}
		if err := ValidateName(name); err != nil {
			return Address{}, err
		}
		a.Room = name
	}
	return a, nil
}

func isJSONNull(value []byte) bool { return string(value) == "null" }

// AppendStamped appends payload to dst with "from" set to the sender: an
// object becomes {"from":"<id>",<its other members>}, every member the client
// named "from" dropped, because receivers must be able to trust it. Member
// order is otherwise kept; whitespace between top-level members is dropped.
// Any other payload, invalid JSON included, is appended unchanged. It
// allocates nothing beyond growing dst.
func AppendStamped(dst []byte, payload json.RawMessage, from PeerID) []byte {
	it, isObject := jsonscan.Object(payload)
	if !isObject {
		return append(dst, payload...)
	}
	start := len(dst)
	dst = append(dst, `{"`+memberFrom+`":`...)
	dst = jsonscan.AppendString(dst, string(from))
	for it.Next() {
		if it.KeyIs(memberFrom) {
			continue
		}
		dst = append(dst, ',')
		dst = append(dst, it.Key()...)
		dst = append(dst, ':')
		dst = append(dst, it.Value()...)
	}
	if !it.Valid() {
		return append(dst[:start], payload...)
	}
	return append(dst, '}')
}

// Recipients appends to dst every peer that receives an event relayed by
// from with addr, and returns it. Without To: each other member of the scope
// once, the scope being addr.Room or else every room of the sender; with To:
// just that peer. The sender must be in a room; a Room address must be one
// of its rooms; a To address must share a scope room with it and not be the
// sender. On error dst is returned as it was: nothing is delivered. It
// allocates nothing beyond growing dst.
func (r *Registry) Recipients(dst []PeerID, from PeerID, addr Address) ([]PeerID, *Error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.peers[from]
	if !ok || len(p.rooms) == 0 {
		return dst, errorf(CodeNotInRoom, "join a room before signaling")
	}
	scope := p.rooms
	if addr.Room != "" {
		i := p.indexOf(addr.Room)
		if i < 0 {
			return dst, errorf(CodeNotInRoom, "this socket is not in room "+addr.Room)
		}
		scope = p.rooms[i : i+1]
	}
	if addr.To != "" {
		return addressee(dst, from, scope, addr.To)
	}
	return appendScope(dst, from, scope), nil
}

// addressee appends to if it is in one of the scope rooms.
func addressee(dst []PeerID, from PeerID, scope []*room, to PeerID) ([]PeerID, *Error) {
	if to == from {
		return dst, errorf(CodeInvalidPayload, `"to" names the sender itself`)
	}
	for _, rm := range scope {
		if rm.has(to) {
			return append(dst, to), nil
		}
	}
	return dst, errorf(CodeNotInRoom, "peer "+string(to)+" is not in a room with this socket")
}

// appendScope appends the members of the scope rooms other than from, each
// once: a member of several of them is taken from the first, which needs no
// set and no sorting.
func appendScope(dst []PeerID, from PeerID, scope []*room) []PeerID {
	for i, rm := range scope {
		if i == 0 {
			dst = rm.appendOthers(dst, from)
			continue
		}
		for _, member := range rm.members {
			if member != from && !inAny(scope[:i], member) {
				dst = append(dst, member)
			}
		}
	}
	return dst
}

func inAny(rooms []*room, id PeerID) bool {
	for _, rm := range rooms {
		if rm.has(id) {
			return true
		}
	}
	return false
}
