package rooms

// Error codes a client can receive, in an ack's first argument or in a
// join-error event. They are part of the protocol (docs/protocol.md): pages
// switch on them, so they never change meaning.
const (
	CodeInvalidRoom    = "invalid-room"
	CodeRoomFull       = "room-full"
	CodeTooManyRooms   = "too-many-rooms"
	CodeNotInRoom      = "not-in-room"
	CodeInvalidPayload = "invalid-payload"
	CodeUnknownEvent   = "unknown-event"
	// CodeRoomTaken refuses signalmaster's create of a room that has
	// members.
	CodeRoomTaken = "room-taken"
	// CodeInvalidName refuses a raw peer's login or init name: 1 to 64
	// characters without control characters, as room names.
	CodeInvalidName = "invalid-name"
	// CodeNameTaken refuses a name another peer of the room holds.
	CodeNameTaken = "name-taken"
	// CodeNotLoggedIn refuses a raw peer's message before its login or
	// init.
	CodeNotLoggedIn = "not-logged-in"
	// CodeUnknownPeer refuses a raw message to a name nobody in the
	// sender's room holds.
	CodeUnknownPeer = "unknown-peer"
	// CodeRateLimited refuses an event beyond the connection's rate.
	CodeRateLimited = "rate-limited"
	// CodeMessageTooLarge refuses a raw frame beyond the message limit,
	// before the connection is closed.
	CodeMessageTooLarge = "message-too-large"
	// CodeForbidden refuses a way into a private room (a join, a handshake
	// room, create or join, create, a raw connection's room) without a
	// token that opens it: none, expired, tampered with, or for another
	// room.
	CodeForbidden = "forbidden"
)

// Error is a refusal the client can act on. It is sent as it is, so its JSON
// shape {code, message} is the wire format.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, message string) *Error { return &Error{Code: code, Message: message} }
