package rooms

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name  string
		input string
		ok    bool
	}{
		{"single ascii", "a", true},
		{"64 ascii", strings.Repeat("a", 64), true},
		{"64 two-byte runes", strings.Repeat("é", 64), true},
		{"64 four-byte runes", strings.Repeat("🎥", 64), true},
		{"spaces and punctuation", "team standup #3 / día", true},
		{"empty", "", false},
		{"65 ascii", strings.Repeat("a", 65), false},
		{"65 two-byte runes", strings.Repeat("é", 65), false},
		{"NUL", "\x00", false},
		{"embedded newline", "a\nb", false},
		{"tab", "a\tb", false},
		{"DEL", "a\x7f", false},
		{"C1 control NEL", "\u0085", false},
		{"C1 control inside name", "room\u009fname", false},
		{"invalid utf8 byte", "\xff", false},
		{"truncated utf8 sequence", "a\xc3", false},
		{"encoded surrogate", "\xed\xa0\x80", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName(tt.input)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidateName(%q) = %v, want nil", tt.input, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateName(%q) = nil, want an error", tt.input)
			}
			if err.Code != CodeInvalidRoom {
				t.Errorf("ValidateName(%q).Code = %q, want %q", tt.input, err.Code, CodeInvalidRoom)
			}
			if err.Message == "" {
				t.Errorf("ValidateName(%q).Message is empty", tt.input)
			}
		})
	}
}

func TestMaxNameLength(t *testing.T) {
	if MaxNameLength != 64 {
		t.Errorf("MaxNameLength = %d, want 64", MaxNameLength)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Code: CodeRoomFull, Message: "room x is full"}
	if got, want := e.Error(), "room-full: room x is full"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// *Error must satisfy the error interface.
	var _ error = e
}

func TestErrorCodes(t *testing.T) {
	// The codes are part of the wire protocol and must never change.
	codes := map[string]string{
		CodeInvalidRoom:    "invalid-room",
		CodeRoomFull:       "room-full",
		CodeTooManyRooms:   "too-many-rooms",
		CodeNotInRoom:      "not-in-room",
		CodeInvalidPayload: "invalid-payload",
		CodeUnknownEvent:   "unknown-event",
		CodeNotConnected:   "not-connected",
		CodeRoomTaken:      "room-taken",
		CodeInvalidName:    "invalid-name",
		CodeNameTaken:      "name-taken",
		CodeNotLoggedIn:    "not-logged-in",
		CodeUnknownPeer:    "unknown-peer",
	}
	if len(codes) != 12 {
		t.Fatalf("error codes are not distinct: %v", codes)
	}
	for got, want := range codes {
		if got != want {
			t.Errorf("code %q, want %q", got, want)
		}
	}
}

func TestRoomArg(t *testing.T) {
	tests := []struct {
		name     string
		args     []any
		wantRoom string
		wantOK   bool
	}{
		{"no args", nil, "", true},
		{"empty args", []any{}, "", true},
		{"nil", []any{nil}, "", true},
		{"name", []any{"x"}, "x", true},
		{"empty name", []any{""}, "", true},
		{"object", []any{map[string]any{"room": "x"}}, "x", true},
		{"object without room", []any{map[string]any{"other": 1}}, "", true},
		{"object with nil room", []any{map[string]any{"room": nil}}, "", true},
		{"object with numeric room", []any{map[string]any{"room": 3.0}}, "", false},
		{"number", []any{3}, "", false},
		{"float", []any{3.0}, "", false},
		{"bool", []any{false}, "", false},
		{"array", []any{[]any{"x"}}, "", false},
		{"only first arg counts", []any{"x", "y"}, "x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			room, ok := RoomArg(tt.args)
			if room != tt.wantRoom || ok != tt.wantOK {
				t.Errorf("RoomArg(%#v) = (%q, %v), want (%q, %v)", tt.args, room, ok, tt.wantRoom, tt.wantOK)
			}
		})
	}
}

func TestParseRoomArg(t *testing.T) {
	tests := []struct {
		name     string
		arg      string
		wantRoom string
		wantOK   bool
	}{
		{"no argument", "", "", true},
		{"null", "null", "", true},
		{"name", `"x"`, "x", true},
		{"name with whitespace", " \"x\"\n", "x", true},
		{"escaped name", `"ph\u0079sics"`, "physics", true},
		{"empty name", `""`, "", true},
		{"object", `{"room":"x"}`, "x", true},
		{"object with other members", `{"a":1,"room":"x","b":[]}`, "x", true},
		{"object, last room wins", `{"room":"x","room":"y"}`, "y", true},
		{"object with escaped key", `{"r\u006fom":"x"}`, "x", true},
		{"object without room", `{"other":1}`, "", true},
		{"object with null room", `{"room":null}`, "", true},
		{"object with numeric room", `{"room":3}`, "", false},
		{"keys are case-sensitive", `{"Room":"x"}`, "", true},
		{"number", `3`, "", false},
		{"bool", `false`, "", false},
		{"array", `["x"]`, "", false},
		{"invalid JSON", `"x`, "", false},
		{"invalid object", `{"room":"x",}`, "", false},
		{"trailing garbage", `"x" y`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			room, ok := ParseRoomArg(json.RawMessage(tt.arg))
			if room != tt.wantRoom || ok != tt.wantOK {
				t.Errorf("ParseRoomArg(%q) = (%q, %v), want (%q, %v)", tt.arg, room, ok, tt.wantRoom, tt.wantOK)
			}
		})
	}
}
