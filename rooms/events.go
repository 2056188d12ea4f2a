package rooms

// Event names, one constant each: the socket.io events roomcast answers and
// sends, in its own protocol and in the dialects it speaks on the same
// endpoint (docs/protocol.md).

// roomcast's own protocol.
const (
	// EventJoin (client → server) joins a room; the codelab also sends it
	// server → client, to the member already in a room a second peer enters.
	EventJoin = "join"
	// EventLeave (client → server) leaves one room or all.
	EventLeave = "leave"
	// EventJoined (server → client) answers a handshake room with the join
	// result; the codelab's joined(room, id) answers create or join.
	EventJoined = "joined"
	// EventJoinError (server → client) reports a refused handshake room or
	// create or join.
	EventJoinError = "join-error"
	// EventPeerJoined (server → client) tells the members of a room that
	// another peer joined it.
	EventPeerJoined = "peer-joined"
	// EventPeerLeft (server → client) tells them a peer left it.
	EventPeerLeft = "peer-left"
	// EventUserDisconnected (server → client) tells them, once, that a peer
	// disconnected; older tutorial pages listen for it.
	EventUserDisconnected = "user disconnected"
	// EventICEServers (both ways): a client asks for the ICE servers its page
	// should use (acked with {iceServers}); the server sends {iceServers}
	// with fresh TURN credentials before the ones it gave expire.
	EventICEServers = "ice-servers"
)

// Google's WebRTC codelab (googlecodelabs/webrtc-web, steps 4 to 6).
const (
	// EventCreateOrJoin (client → server) is the codelab's join.
	EventCreateOrJoin = "create or join"
	// EventCreated (server → client) answers the first peer of a room.
	EventCreated = "created"
	// EventFull (server → client) refuses a peer: the room has its two.
	EventFull = "full"
	// EventReady (server → client) tells a room's peers they can call.
	EventReady = "ready"
	// EventLog (server → client) carries the server's log lines.
	EventLog = "log"
	// EventIPAddr (both ways) asks for and answers the server's address.
	EventIPAddr = "ipaddr"
	// EventMessage is relayed (a default relay event); the server also
	// sends message("bye") when a codelab peer disconnects.
	EventMessage = "message"
	// EventBye is relayed (a default relay event); the server also sends
	// bye(room) when a codelab peer disconnects.
	EventBye = "bye"
)

// SimpleWebRTC's signalmaster.
const (
	// EventCreate (client → server) joins a room that must be empty.
	EventCreate = "create"
	// EventRemove (server → client) tells a room a peer's streams are gone.
	EventRemove = "remove"
	// EventShareScreen (client → server) announces a screen stream.
	EventShareScreen = "shareScreen"
	// EventUnshareScreen (client → server) withdraws it.
	EventUnshareScreen = "unshareScreen"
	// EventStunServers (server → client, on connect) lists STUN servers.
	EventStunServers = "stunservers"
	// EventTurnServers (server → client, on connect) lists TURN servers.
	EventTurnServers = "turnservers"
)

// commands are the events the server answers itself; they can never be
// relayed, or a client could spoof another peer's join or leave.
var commands = map[string]bool{
	EventJoin: true, EventLeave: true,
	EventCreateOrJoin: true, EventIPAddr: true,
	EventCreate: true, EventShareScreen: true, EventUnshareScreen: true,
	EventICEServers: true,
}

// reservedEvents are the names socket.io itself uses and the ones the
// server sends; relaying them would let one client fake server messages to
// another. message and bye are not among them although the server sends
// them too: the codelab's pages send each other exactly those, so a relayed
// one says nothing a peer could not say anyway.
var reservedEvents = map[string]bool{
	// socket.io's own
	"connect": true, "connect_error": true, "disconnect": true, "disconnecting": true,
	// roomcast's
	EventJoined: true, EventJoinError: true, EventPeerJoined: true, EventPeerLeft: true, EventUserDisconnected: true,
	EventICEServers: true,
	// the codelab's
	EventCreated: true, EventFull: true, EventReady: true, EventLog: true,
	// signalmaster's
	EventRemove: true, EventStunServers: true, EventTurnServers: true,
}

// IsCommand reports whether the server answers event itself rather than
// relaying it.
func IsCommand(event string) bool { return commands[event] }
