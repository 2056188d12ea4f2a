package rooms

// Temporary until the dialect rules land.
const (
	EventJoin             = "join"
	EventLeave            = "leave"
	EventJoined           = "joined"
	EventJoinError        = "join-error"
	EventPeerJoined       = "peer-joined"
	EventPeerLeft         = "peer-left"
	EventUserDisconnected = "user disconnected"
)
