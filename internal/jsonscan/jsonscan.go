// Package jsonscan walks JSON text without decoding it, in two modes.
//
// Trusting: Array iterates over the spans of an array's elements in text
// that encoding/json.Valid has accepted already. On anything else it stops
// early or returns short spans, but never panics and never reads past the
// input. Validate once, then scan as often as needed: a socket.io packet is
// validated when it arrives and scanned without allocating while it is
// routed.
//
// Checking: Valid and Object accept exactly what encoding/json.Valid
// accepts, for text nobody has validated (a raw WebSocket frame, the
// payload the relay reads and rewrites), in one pass that allocates
// nothing.
//
// Both read strings eight bytes at a time and neither recurses: nesting
// costs no stack beyond a fixed bound.
package jsonscan

// Elements iterates over the elements of a JSON array.
type Elements struct {
	rest  []byte
	first bool
}

// Array starts iterating over the array b. ok is false when b is not an
// array.
func Array(b []byte) (it Elements, ok bool) {
	b = TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return Elements{}, false
	}
	return Elements{rest: b[1 : len(b)-1], first: true}, true
}

// Next returns the next element, without surrounding space, or false after
// the last one.
func (it *Elements) Next() ([]byte, bool) {
	b := TrimSpace(it.rest)
	if !it.first {
		if len(b) == 0 || b[0] != ',' {
			it.rest = nil
			return nil, false
		}
		b = TrimSpace(b[1:])
	}
	it.first = false
	n := valueLen(b)
	if n == 0 {
		it.rest = nil
		return nil, false
	}
	it.rest = b[n:]
	return b[:n], true
}

// Rest returns what follows the last element Next returned: "" at the end of
// the array, else ", elem, …" with its leading comma.
func (it *Elements) Rest() []byte { return TrimSpace(it.rest) }

// valueLen returns the length of the JSON value b starts with (no leading
// space), or 0 when b does not start with a complete value.
func valueLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	switch b[0] {
	case '"':
		return stringLen(b)
	case '{', '[':
		return compositeLen(b)
	}
	// A number, true, false or null: up to the next delimiter.
	for i, c := range b {
		switch c {
		case ',', ']', '}', ':', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return len(b)
}

// compositeLen returns the length of the object or array b starts with,
// counting depth iteratively: deep nesting costs no stack.
func compositeLen(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			n := stringLen(b[i:])
			if n == 0 {
				return 0
			}
			i += n - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return 0
}

// TrimSpace drops the JSON whitespace (space, tab, newline, carriage
// return) around b.
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
