package rooms

import (
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/roomcast/roomcast/internal/jsonscan"
)

// MaxNameLength is the longest room name, in characters. Names travel in every
// join and in invite links, and a bound keeps a hostile client from filling
// memory with one giant key.
const MaxNameLength = 64

// ValidateName accepts 1 to MaxNameLength characters of valid UTF-8 with no
// control characters; anything else is an invalid-room error.
func ValidateName(name string) *Error {
	if problem := nameProblem(name); problem != "" {
		return errorf(CodeInvalidRoom, "room name "+problem)
	}
	return nil
}

// validatePeerName holds the names raw peers log in with to the rules of
// room names, for the same reasons; anything else is an invalid-name error.
func validatePeerName(name string) *Error {
	if problem := nameProblem(name); problem != "" {
		return errorf(CodeInvalidName, "name "+problem)
	}
	return nil
}

// nameProblem says what is wrong with a name, or "" if nothing is.
func nameProblem(name string) string {
	if name == "" {
		return "is empty"
	}
	if !utf8.ValidString(name) {
		return "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLength {
		return fmt.Sprintf("has %d characters, the limit is %d", n, MaxNameLength)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "contains a control character"
		}
	}
	return ""
}

// RoomArg reads the room argument of join and leave: a name, {room: name},
// or nothing (empty). ok is false for any other shape. Only the first
// argument counts; the rest (an ack, in socket.io) is the transport's.
func RoomArg(args []any) (room string, ok bool) {
	if len(args) == 0 || args[0] == nil {
		return "", true
	}
	switch v := args[0].(type) {
	case string:
		return v, true
	case map[string]any:
		if v["room"] == nil {
			return "", true
		}
		room, ok := v["room"].(string)
		return room, ok
	}
	return "", false
}

// ParseRoomArg is RoomArg on the raw JSON of the first argument, as the
// transport hands it over (nil or empty when there is none): a name,
// {room: name}, null, or nothing (empty). Keys match as in ParseAddress. ok
// is false for any other shape and for invalid JSON.
func ParseRoomArg(arg json.RawMessage) (room string, ok bool) {
	if len(arg) == 0 {
		return "", true
	}
	it, isObject := jsonscan.Object(arg)
	if !isObject {
		if !jsonscan.Valid(arg) {
			return "", false
		}
		return roomValue(jsonscan.TrimSpace(arg))
	}
	value := it.Last(memberRoom)
	if !it.Valid() {
		return "", false
	}
	if value == nil {
		return "", true
	}
	return roomValue(value)
}

// roomValue reads a raw room value: a string, or null for none.
func roomValue(value []byte) (string, bool) {
	if isJSONNull(value) {
		return "", true
	}
	return jsonscan.Unquote(value)
}
