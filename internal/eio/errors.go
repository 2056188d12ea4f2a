package eio

import (
	"net/http"
	"strconv"

	"github.com/roomcast/roomcast/internal/jsonscan"
)

// ErrorCode is an HTTP-level refusal of the protocol, answered as JSON
// {"code", "message"} before any session state exists.
type ErrorCode int

// The error codes of the reference server, which clients and the protocol's
// test suite know.
const (
	UnknownTransport ErrorCode = iota
	UnknownSID
	BadHandshakeMethod
	BadRequest
	Forbidden
	UnsupportedProtocolVersion
)

var errorMessages = [...]string{
	UnknownTransport:           "Transport unknown",
	UnknownSID:                 "Session ID unknown",
	BadHandshakeMethod:         "Bad handshake method",
	BadRequest:                 "Bad request",
	Forbidden:                  "Forbidden",
	UnsupportedProtocolVersion: "Unsupported protocol version",
}

// Message is the code's text.
func (c ErrorCode) Message() string { return errorMessages[c] }

// Status is the HTTP status the code is answered with.
func (c ErrorCode) Status() int {
	if c == Forbidden {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// Body is the JSON answer.
func (c ErrorCode) Body() []byte {
	b := strconv.AppendInt([]byte(`{"code":`), int64(c), 10)
	b = append(b, `,"message":`...)
	b = jsonscan.AppendString(b, c.Message())
	return append(b, '}')
}
