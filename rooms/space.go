package rooms

// Space separates peers that speak different protocols. Rooms of different
// spaces with the same name are different rooms: a socket.io page lists its
// room's members as peers to call, so a raw WebSocket peer must never appear
// among them. Capacity and limits apply in every space alike.
type Space uint8

// The spaces, one per kind of endpoint.
const (
	// SpaceSocketIO holds the peers of the socket.io endpoint: roomcast's
	// own protocol and the socket.io dialects (codelab, signalmaster).
	SpaceSocketIO Space = iota
	// SpaceRaw holds the peers of the raw WebSocket endpoint (the "inst"
	// and "login" JSON dialects).
	SpaceRaw
)

// numSpaces is one more than the last space; Connect refuses the others.
const numSpaces = int(SpaceRaw) + 1

// String names the space in logs and errors.
func (s Space) String() string {
	switch s {
	case SpaceSocketIO:
		return "socket.io"
	case SpaceRaw:
		return "raw"
	}
	return "unknown space"
}

// RoomKey is a room's identity: its name within its space.
type RoomKey struct {
	Space Space
	Name  string
}
