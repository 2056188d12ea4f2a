package sio

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/roomcast/roomcast/internal/jsonscan"
)

// Version is a Socket.IO protocol version.
type Version int

// The versions roomcast speaks.
const (
	V4 Version = 4 // socket.io 1.x and 2.x clients
	V5 Version = 5 // socket.io 3.x and 4.x clients
)

// Type is a Socket.IO packet type.
type Type byte

// The packet types, numbered as on the wire.
const (
	Connect      Type = 0
	Disconnect   Type = 1
	Event        Type = 2
	Ack          Type = 3
	ConnectError Type = 4
	BinaryEvent  Type = 5
	BinaryAck    Type = 6
)

// MainNamespace is the namespace a packet without one belongs to.
const MainNamespace = "/"

// NoID marks a packet that carries no ack id.
const NoID = -1

// maxIDDigits bounds an ack id: clients count from 0, and 15 digits stay
// exact in a JavaScript number.
const maxIDDigits = 15

// maxAttachmentDigits bounds the attachment count's digits; the transport
// enforces its own, far lower, limit on the count.
const maxAttachmentDigits = 6

// Packet is one decoded Socket.IO packet. Data is a slice of the input.
type Packet struct {
	Type        Type
	Namespace   string
	Attachments int
	ID          int64
	Data        json.RawMessage
}

// Errors Decode reports.
var (
	ErrType        = errors.New("sio: unknown packet type")
	ErrAttachments = errors.New("sio: illegal attachments")
	ErrID          = errors.New("sio: illegal ack id")
	ErrPayload     = errors.New("sio: invalid payload")
	// ErrEncoding reports a packet that is not UTF-8. JSON checking
	// (jsonscan.Valid, like encoding/json.Valid)
	// lets invalid bytes through inside strings, but they must not be
	// relayed: browsers fail a websocket that receives them in a text frame
	// (RFC 6455 §8.1), and version 3 length prefixes count characters a
	// client would decode differently.
	ErrEncoding = errors.New("sio: packet is not valid UTF-8")
)

// Decode decodes one packet and checks that it is UTF-8 and that its
// payload has the shape its type requires.
func Decode(b []byte) (Packet, error) {
	if len(b) == 0 || b[0] < '0' || b[0] > '6' {
		return Packet{}, ErrType
	}
	if !utf8.Valid(b) {
		return Packet{}, ErrEncoding
	}
	p := Packet{Type: Type(b[0] - '0'), Namespace: MainNamespace, ID: NoID}
	b = b[1:]
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		n, rest, ok := leadingInt(b, maxAttachmentDigits)
		if !ok || len(rest) == 0 || rest[0] != '-' {
			return Packet{}, ErrAttachments
		}
		p.Attachments, b = int(n), rest[1:]
	}
	if len(b) > 0 && b[0] == '/' {
		end := indexComma(b)
		p.Namespace = string(b[:end])
		b = b[min(end+1, len(b)):]
	}
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		n, rest, ok := leadingInt(b, maxIDDigits)
		if !ok {
			return Packet{}, ErrID
		}
		p.ID, b = n, rest
	}
	if len(b) > 0 {
		if !jsonscan.Valid(b) {
			return Packet{}, ErrPayload
		}
		p.Data = b
	}
	if !payloadFits(p) {
		return Packet{}, ErrPayload
	}
	return p, nil
}

// payloadFits applies the protocol's rules on payload shapes.
func payloadFits(p Packet) bool {
	switch p.Type {
	case Connect:
		return p.Data == nil || p.Data[0] == '{'
	case Disconnect:
		return p.Data == nil
	case ConnectError:
		return p.Data != nil && (p.Data[0] == '{' || p.Data[0] == '"')
	case Event, BinaryEvent:
		_, _, ok := EventName(p.Data)
		return ok
	default: // Ack, BinaryAck
		return p.Data != nil && p.Data[0] == '['
	}
}

// EventName splits an event payload ["name", args…]: it returns the name,
// unescaped, and an iterator over the arguments. ok is false unless data is
// an array whose first element is a string.
func EventName(data []byte) (name []byte, args jsonscan.Elements, ok bool) {
	args, ok = jsonscan.Array(data)
	if !ok {
		return nil, args, false
	}
	first, ok := args.Next()
	if !ok || first[0] != '"' {
		return nil, args, false
	}
	if s := first[1 : len(first)-1]; !hasBackslash(s) {
		return s, args, true
	}
	s, ok := jsonscan.Unquote(first)
	return []byte(s), args, ok
}

// leadingInt reads up to maxDigits decimal digits.
func leadingInt(b []byte, maxDigits int) (n int64, rest []byte, ok bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if i == maxDigits {
			return 0, nil, false
		}
		n = n*10 + int64(b[i]-'0')
		i++
	}
	return n, b[i:], i > 0
}

func indexComma(b []byte) int {
	for i, c := range b {
		if c == ',' {
			return i
		}
	}
	return len(b)
}

func hasBackslash(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// AppendHeader appends everything of a packet before its payload, for the
// main namespace unless nsp names another.
func AppendHeader(dst []byte, t Type, nsp string, attachments int, id int64) []byte {
	dst = append(dst, '0'+byte(t))
	if t == BinaryEvent || t == BinaryAck {
		dst = append(strconv.AppendInt(dst, int64(attachments), 10), '-')
	}
	if nsp != "" && nsp != MainNamespace {
		dst = append(append(dst, nsp...), ',')
	}
	if id != NoID {
		dst = strconv.AppendInt(dst, id, 10)
	}
	return dst
}

// AppendConnectError appends the refusal of a namespace: an object with the
// message in version 5, the bare message in version 4.
func AppendConnectError(dst []byte, v Version, nsp, message string) []byte {
	dst = AppendHeader(dst, ConnectError, nsp, 0, NoID)
	if v == V4 {
		return jsonscan.AppendString(dst, message)
	}
	dst = append(dst, `{"message":`...)
	return append(jsonscan.AppendString(dst, message), '}')
}
