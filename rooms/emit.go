package rooms

// Emit is one event for the server to send: Event with Args to each peer in
// To. Args are JSON values: strings and the payload types of this package.
// Decisions return their Emits in the order they must be sent.
//
// To lists this node's peers. An Emit for whole rooms also names them in
// Rooms: when rooms span several nodes, the other nodes' members of those
// rooms get it too, each once, except Except.
type Emit struct {
	To     []PeerID
	Event  string
	Args   []any
	Rooms  []string
	Except PeerID
}

// RoomPeer is the payload of peer-joined and peer-left: {room, id}.
type RoomPeer struct {
	Room string `json:"room"`
	ID   PeerID `json:"id"`
}

// JoinFailure is the payload of join-error: {room, code, message}.
type JoinFailure struct {
	Room    string `json:"room"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// JoinAck is the result a join is acknowledged with, and the payload of
// joined after a handshake room: {room, id, peers, clients}. clients has
// signalmaster's shape, {id: {audio, video, screen}}: SimpleWebRTC calls a
// member once per stream set there, and an empty object made it call nobody.
type JoinAck struct {
	Room    string               `json:"room"`
	ID      PeerID               `json:"id"`
	Peers   []PeerID             `json:"peers"`
	Clients map[PeerID]Resources `json:"clients"`
}

// Ack returns the join's result as peer id is told it. Peers and Clients
// are never nil, so they encode as [] and {}.
func (j Joined) Ack(id PeerID) JoinAck {
	ack := JoinAck{Room: j.Room, ID: id, Peers: j.Others, Clients: j.Clients}
	if ack.Peers == nil {
		ack.Peers = []PeerID{}
	}
	if ack.Clients == nil {
		ack.Clients = map[PeerID]Resources{}
	}
	return ack
}
