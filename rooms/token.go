package rooms

import (
	"encoding/json"

	"github.com/roomcast/roomcast/internal/jsonscan"
)

// Private rooms: when the server requires signed tokens, every way into a
// room carries one (checked by the server, which holds the keys). What the
// rules need to know of a token is here: where a join names it, and the
// capacity it may give its room (JoinCapped and the other Capped joins).

// MemberToken is the member of a join's object argument, of a socket.io 3+
// handshake's auth, and the query parameter of older handshakes and raw
// WebSocket connections, that carries a room token.
const MemberToken = "token"

// ParseTokenArg reads the token of a join's first argument, as the
// transport hands it over: the string member token of {room, token}. A
// plain room name, an object without token, or a null token carry none
// (""). ok is false when token is there but not a string, and for invalid
// JSON.
func ParseTokenArg(arg json.RawMessage) (token string, ok bool) {
	it, isObject := jsonscan.Object(arg)
	if !isObject {
		return "", true
	}
	value := it.Last(MemberToken)
	if !it.Valid() {
		return "", false
	}
	if value == nil || isJSONNull(value) {
		return "", true
	}
	return jsonscan.Unquote(value)
}
