package rooms

import (
	"net"
	"strconv"
	"unicode"
)

// Google's WebRTC codelab (googlecodelabs/webrtc-web, steps 4 to 6), on the
// socket.io endpoint: "create or join" is its join, message and bye are
// relayed as any relay event, and a codelab peer's disconnect is told the
// codelab's way (Departure.Notices).

// codelabLogPrefix starts every log line, as the codelab's server does.
const codelabLogPrefix = "Message from server:"

// CodelabDecision is the whole outcome of one "create or join": the join
// and every event the codelab's server sends for it.
type CodelabDecision struct {
	// Joined is the registry's join, handled as Join's: when Joined.New the
	// others get peer-joined, and Joined.Departures are told the peer left.
	// Its Room is empty when nothing was joined (full, or refused).
	Joined Joined
	// Emits are the codelab's own events, in the order they must be sent.
	Emits []Emit
}

func (d *CodelabDecision) emit(to []PeerID, event string, args ...any) {
	d.Emits = append(d.Emits, Emit{To: to, Event: event, Args: args})
}

// emitRoom sends an event to a room's members but except: local ones to,
// and those of other nodes through Rooms.
func (d *CodelabDecision) emitRoom(local []PeerID, room string, except PeerID, event string, args ...any) {
	d.Emits = append(d.Emits, Emit{To: local, Event: event, Args: args, Rooms: []string{room}, Except: except})
}

// log sends one log line to the asking peer: log(["Message from server:",
// line]).
func (d *CodelabDecision) log(id PeerID, line string) {
	d.emit([]PeerID{id}, EventLog, []string{codelabLogPrefix, line})
}

// CreateOrJoin decides the codelab's "create or join" of room by id, under
// the registry lock, so two peers racing for one room get one created and
// one joined:
//   - an empty room is joined: created(room, id) to the peer;
//   - a room of 1 to CodelabRoomSize-1 members: join(room) to those members,
//     the peer joins, joined(room, id) to it, then ready(room) to everyone in
//     the room, the peer included;
//   - a fuller room: full(room) to the peer, which does not join;
//   - a room the peer is already in: joined(room, id) again, nobody else is
//     told.
//
// Before these, the peer gets the codelab's log lines. It is an explicit
// join, like join (it leaves the default room). A refused join (an invalid
// name, too many rooms) returns the error, and a decision that tells the
// peer join-error {room, code, message}.
func (r *Registry) CreateOrJoin(id PeerID, room string) (CodelabDecision, *Error) {
	return r.CreateOrJoinCapped(id, room, 0)
}

// CreateOrJoinCapped is CreateOrJoin into a room whose capacity is
// maxPeers (see JoinCapped): the room is full at CodelabRoomSize or at
// maxPeers, whichever is smaller.
func (r *Registry) CreateOrJoinCapped(id PeerID, room string, maxPeers int) (CodelabDecision, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	me := []PeerID{id}
	p, ok := r.peers[id]
	if !ok {
		return codelabRefusal(me, room, errNotConnected())
	}
	if err := ValidateName(room); err != nil {
		return codelabRefusal(me, room, err)
	}
	var d CodelabDecision
	key := RoomKey{p.space, room}
	if p.in(room) != nil {
		d.Joined = r.rejoinedLocked(id, p, room)
		d.log(id, "Received request to create or join room "+room)
		d.log(id, "Room "+room+" now has "+strconv.Itoa(len(d.Joined.Others)+1)+" client(s)")
		d.log(id, "Client ID "+string(id)+" joined room "+room)
		d.emit(me, EventJoined, room, string(id))
		return d, nil
	}
	limit := r.cfg.codelabRoomSize(maxPeers)
	j, err := r.explicitJoinLocked(id, p, room, limit, false)
	members := len(j.Others)
	if err != nil && err.Code == CodeRoomFull {
		members = limit // with other nodes, only that it is full is known
		if rm := r.rooms[key]; rm != nil && r.cluster == nil {
			members = rm.size()
		}
	}
	d.log(id, "Received request to create or join room "+room)
	d.log(id, "Room "+room+" now has "+strconv.Itoa(members)+" client(s)")
	switch {
	case err != nil && err.Code == CodeRoomFull:
		d.emit(me, EventFull, room)
		return d, nil
	case err != nil:
		d.emit(me, EventJoinError, JoinFailure{Room: room, Code: err.Code, Message: err.Message})
		return d, err
	}
	r.rooms[key].markCodelab(id)
	d.Joined = j
	if members == 0 {
		d.log(id, "Client ID "+string(id)+" created room "+room)
		d.emit(me, EventCreated, room, string(id))
		return d, nil
	}
	d.log(id, "Client ID "+string(id)+" joined room "+room)
	// Step 5's first peer waits for join; step 6 ignores it.
	d.emitRoom(r.othersLocked(key, id), room, id, EventJoin, room)
	d.emit(me, EventJoined, room, string(id))
	// Step 5 reads no argument, step 6 the room: send the room.
	d.emitRoom(r.othersLocked(key, ""), room, "", EventReady, room)
	return d, nil
}

// CodelabRefused is the decision for a create or join the server refuses
// before asking the registry (a private room without a valid token): the
// peer is told join-error {room, code, message}, as for any refused join.
func CodelabRefused(id PeerID, room string, err *Error) CodelabDecision {
	d, _ := codelabRefusal([]PeerID{id}, room, err)
	return d
}

func codelabRefusal(me []PeerID, room string, err *Error) (CodelabDecision, *Error) {
	var d CodelabDecision
	d.emit(me, EventJoinError, JoinFailure{Room: room, Code: err.Code, Message: err.Message})
	return d, err
}

// maxHostLength bounds the host CodelabIPAddr echoes: a DNS name has at
// most 253 characters, and nothing longer is a host a client reached.
const maxHostLength = 253

// CodelabIPAddr answers the codelab's ipaddr from peer id with ipaddr(host):
// host is what the client itself used to reach the server (its request's
// Host), without the port. The server's own interface addresses would be
// wrong behind NAT or a proxy and tell strangers about its network. ok is
// false when host is empty or not a plausible host: then nothing is sent.
func CodelabIPAddr(id PeerID, requestHost string) (Emit, bool) {
	host := requestHost
	if h, _, err := net.SplitHostPort(requestHost); err == nil {
		host = h
	} else if len(host) > 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1] // an IPv6 literal without a port
	}
	if host == "" || len(host) > maxHostLength {
		return Emit{}, false
	}
	for _, c := range host {
		if unicode.IsSpace(c) || unicode.IsControl(c) || c == '/' {
			return Emit{}, false
		}
	}
	return Emit{To: []PeerID{id}, Event: EventIPAddr, Args: []any{host}}, true
}
