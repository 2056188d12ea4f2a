package transport

import (
	"encoding/json"

	"github.com/roomcast/roomcast/internal/jsonscan"
)

// Handler is what a server built on the transport implements: the life of
// each socket on the main namespace. Calls for one socket never overlap and
// come in this order: Connect, then its Events, then Disconnect once (if
// Connect admitted it).
type Handler interface {
	// Connect is asked to admit a client opening the main namespace. auth is
	// its CONNECT payload, a JSON object or nil (version 4 clients send
	// none). nil admits it; an error refuses it with a CONNECT_ERROR
	// carrying err.Error(), and the session stays open. Packets sent to the
	// socket during Connect reach the client right after the connect
	// answer.
	Connect(s *Socket, auth json.RawMessage) error
	// Event is one client event. ev and everything it points to are valid
	// only during the call.
	Event(s *Socket, ev *Event)
	// Disconnect follows the socket's last Event. The socket accepts no
	// packets any more.
	Disconnect(s *Socket, reason string)
}

// Event is one EVENT or BINARY_EVENT packet from a client.
type Event struct {
	// Name is the event name, unescaped.
	Name []byte
	// Args iterates over the arguments after the name (copy it to iterate).
	Args jsonscan.Elements
	// AckID is the id to acknowledge with Socket.Ack, or NoAck.
	AckID int64
	// Attachments are the binary attachments of a BINARY_EVENT, which the
	// arguments reference with {"_placeholder":true,"num":i}.
	Attachments [][]byte
}

// NoAck is an Event's AckID when the client asked for no acknowledgement.
const NoAck = -1

// Reasons a socket disconnects, as Disconnect receives them. The names are
// socket.io's where it has one.
const (
	ReasonTransportClose     = "transport close"   // the client closed the connection: a close frame or packet
	ReasonTransportError     = "transport error"   // the connection dropped, or reading or writing failed
	ReasonPingTimeout        = "ping timeout"      // no heartbeat in time
	ReasonParseError         = "parse error"       // the client sent something invalid
	ReasonMessageTooLarge    = "message too large" // a message or polling body beyond MaxPayload
	ReasonClientDisconnect   = "client namespace disconnect"
	ReasonServerDisconnect   = "server namespace disconnect"
	ReasonServerShuttingDown = "server shutting down"
	ReasonSlowConsumer       = "slow consumer" // its outbound queue overflowed
	ReasonConnectTimeout     = "connect timeout"
	// ReasonClosedByApplication is for Socket.Close by a handler with no
	// reason of its own.
	ReasonClosedByApplication = "forced close"
)
