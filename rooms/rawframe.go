package rooms

import "github.com/roomcast/roomcast/internal/jsonscan"

// Reading the frames of the raw dialects and writing their error frames.

// loginErrorFrame is an error in the login dialect: {type: "error", code,
// message}.
func loginErrorFrame(err *Error) []byte {
	return appendCodeAndMessage([]byte(`{"type":"`+typeError+`"`), err)
}

// appendCodeAndMessage closes an object whose start is in dst with the
// error's code and message.
func appendCodeAndMessage(dst []byte, err *Error) []byte {
	dst = append(dst, `,"code":`...)
	dst = jsonscan.AppendString(dst, err.Code)
	dst = append(dst, `,"message":`...)
	dst = jsonscan.AppendString(dst, err.Message)
	return append(dst, '}')
}

// errMissing refuses a frame without a member its message needs.
func errMissing(member string) *Error {
	return errorf(CodeInvalidPayload, `the frame has no "`+member+`" member`)
}

// rawMessage holds the raw values of the members the dialects read, nil
// when absent; of duplicate keys the last counts, as in JSON.parse.
type rawMessage struct {
	inst, typ                      []byte
	id, peerID, message            []byte
	name, offer, answer, candidate []byte
}

// parseRawMessage reads a frame's top-level members. A frame must be a JSON
// object.
func parseRawMessage(frame []byte) (rawMessage, *Error) {
	var msg rawMessage
	it, isObject := jsonscan.Object(frame)
	if !isObject {
		if !jsonscan.Valid(frame) {
			return msg, errorf(CodeInvalidPayload, "the frame is not valid JSON")
		}
		return msg, errorf(CodeInvalidPayload, "the frame must be a JSON object")
	}
	for it.Next() {
		if slot := msg.slot(&it); slot != nil {
			*slot = it.Value()
		}
	}
	if !it.Valid() {
		return rawMessage{}, errorf(CodeInvalidPayload, "the frame is not valid JSON")
	}
	return msg, nil
}

// slot returns where the current member's value goes, or nil for a member
// no dialect reads.
func (msg *rawMessage) slot(m *jsonscan.Members) *[]byte {
	for _, s := range []struct {
		key  string
		slot *[]byte
	}{
		{"inst", &msg.inst}, {"type", &msg.typ},
		{"id", &msg.id}, {"peerId", &msg.peerID}, {"message", &msg.message},
		{"name", &msg.name}, {"offer", &msg.offer}, {"answer", &msg.answer}, {"candidate", &msg.candidate},
	} {
		if m.KeyIs(s.key) {
			return s.slot
		}
	}
	return nil
}

// required decodes a member that must be present and a string.
func (msg *rawMessage) required(member string, value []byte) (string, *Error) {
	if value == nil {
		return "", errMissing(member)
	}
	s, ok := jsonscan.Unquote(value)
	if !ok {
		return "", errorf(CodeInvalidPayload, `"`+member+`" must be a string`)
	}
	return s, nil
}
