package transport

import (
	"crypto/rand"
	"encoding/base64"
)

// idBytes of randomness make a session or socket id: 120 bits, unguessable,
// 20 characters in the URL-safe alphabet socket.io's own ids use.
const idBytes = 15

func newID() string {
	var b [idBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}
