package eio

import (
	"encoding/base64"
	"errors"
)

// Version is an Engine.IO protocol version, the EIO query parameter.
type Version int

// The versions roomcast speaks.
const (
	V3 Version = 3 // socket.io-client 1.x and 2.x
	V4 Version = 4 // socket.io-client 3.x and 4.x
)

// Type is an Engine.IO packet type.
type Type byte

// The packet types, numbered as on the wire.
const (
	Open    Type = 0 // the handshake, server to client
	Close   Type = 1 // the session ends
	Ping    Type = 2 // heartbeat; "2probe" tests a websocket during an upgrade
	Pong    Type = 3 // answers a ping with its data
	Message Type = 4 // carries a Socket.IO packet
	Upgrade Type = 5 // the client switches to the probed websocket
	Noop    Type = 6 // does nothing; ends a pending poll during an upgrade
)

// Digit is the type as it starts a text packet: '0' to '6'.
func (t Type) Digit() byte { return '0' + byte(t) }

func (t Type) valid() bool { return t <= Noop }

// Packet is one Engine.IO packet. Data is a slice of the input it was
// decoded from.
type Packet struct {
	Type Type
	Data []byte
	// Binary marks message data that is bytes, not text.
	Binary bool
}

// ErrInvalid reports input that is not an Engine.IO packet or payload.
var ErrInvalid = errors.New("eio: invalid packet")

// DecodeText decodes a text packet: a type digit and its data.
func DecodeText(b []byte) (Packet, error) {
	if len(b) == 0 || b[0] < '0' || !Type(b[0]-'0').valid() {
		return Packet{}, ErrInvalid
	}
	return Packet{Type: Type(b[0] - '0'), Data: b[1:]}, nil
}

// DecodeString decodes a packet sent as text, over a websocket or in a
// polling payload: a text packet, or binary data that a client without
// binary support sent base64-encoded, "b<base64>" in version 4 and
// "b4<base64>" in version 3.
func DecodeString(v Version, b []byte) (Packet, error) {
	if len(b) == 0 || b[0] != 'b' {
		return DecodeText(b)
	}
	b = b[1:]
	if v == V3 {
		if len(b) == 0 || b[0] != Message.Digit() {
			return Packet{}, ErrInvalid
		}
		b = b[1:]
	}
	data, err := base64.StdEncoding.AppendDecode(nil, b)
	if err != nil {
		return Packet{}, ErrInvalid
	}
	return Packet{Type: Message, Data: data, Binary: true}, nil
}

// DecodeBinary decodes a binary websocket frame: in version 4 a message's
// bytes, in version 3 a type byte (4, message) followed by them.
func DecodeBinary(v Version, b []byte) (Packet, error) {
	if v == V4 {
		return Packet{Type: Message, Data: b, Binary: true}, nil
	}
	if len(b) == 0 || Type(b[0]) != Message {
		return Packet{}, ErrInvalid
	}
	return Packet{Type: Message, Data: b[1:], Binary: true}, nil
}

// AppendText appends p as a text websocket frame's content.
func AppendText(dst []byte, t Type, data []byte) []byte {
	return append(append(dst, t.Digit()), data...)
}
