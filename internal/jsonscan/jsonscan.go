// Package jsonscan walks JSON text without decoding it: the spans of an
// array's elements and of an object's members, as slices of the input.
//
// Every function expects text that encoding/json.Valid accepts; on anything
// else it stops early or returns short spans, but never panics and never
// reads past the input. Validate once, then scan as often as needed: a
// relayed packet is validated when it arrives and scanned without
// allocating while it is routed.
package jsonscan

import (
	"bytes"
	"encoding/json"
)

// Elements iterates over the elements of a JSON array.
type Elements struct {
	rest  []byte
	first bool
}

// Array starts iterating over the array b. ok is false when b is not an
// array.
func Array(b []byte) (it Elements, ok bool) {
	b = trimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return Elements{}, false
	}
	return Elements{rest: b[1 : len(b)-1], first: true}, true
}

// Next returns the next element, without surrounding space, or false after
// the last one.
func (it *Elements) Next() ([]byte, bool) {
	b := trimSpace(it.rest)
	if !it.first {
		if len(b) == 0 || b[0] != ',' {
			it.rest = nil
			return nil, false
		}
		b = trimSpace(b[1:])
	}
	it.first = false
	n := ValueLen(b)
	if n == 0 {
		it.rest = nil
		return nil, false
	}
	it.rest = b[n:]
	return b[:n], true
}

// Rest returns what follows the last element Next returned: "" at the end of
// the array, else ", elem, …" with its leading comma.
func (it *Elements) Rest() []byte { return trimSpace(it.rest) }

// Members iterates over the members of a JSON object.
type Members struct{ elems Elements }

// Object starts iterating over the object b. ok is false when b is not an
// object.
func Object(b []byte) (it Members, ok bool) {
	b = trimSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return Members{}, false
	}
	return Members{elems: Elements{rest: b[1 : len(b)-1], first: true}}, true
}

// Next returns the next member: its key as written (quoted, escapes intact)
// and its value, or false after the last one.
func (it *Members) Next() (key, value []byte, ok bool) {
	key, ok = it.elems.Next()
	if !ok || key[0] != '"' {
		return nil, nil, false
	}
	b := trimSpace(it.elems.rest)
	if len(b) == 0 || b[0] != ':' {
		return nil, nil, false
	}
	b = trimSpace(b[1:])
	n := ValueLen(b)
	if n == 0 {
		return nil, nil, false
	}
	it.elems.rest = b[n:]
	return key, b[:n], true
}

// KeyIs reports whether the quoted key, as Members.Next returns it, names
// want. Keys with escapes are unescaped first, so "t\u006f" is "to".
func KeyIs(key []byte, want string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return len(key) == len(want)+2 && string(key[1:len(key)-1]) == want
	}
	s, ok := Unquote(key)
	return ok && s == want
}

// Unquote decodes a JSON string literal. ok is false when raw is not one.
func Unquote(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	if inner := raw[1 : len(raw)-1]; isPlain(inner) {
		return string(inner), true
	}
	return s, json.Unmarshal(raw, &s) == nil
}

// isPlain reports whether a string literal's content needs no decoding and
// no check: no escapes, quotes or control characters.
func isPlain(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
	}
	return true
}

// ValueLen returns the length of the JSON value b starts with (no leading
// space), or 0 when b does not start with a complete value.
func ValueLen(b []byte) int {
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

// stringLen returns the length of the string literal b starts with.
func stringLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // whatever follows is escaped; \uXXXX's digits need no care
		case '"':
			return i + 1
		}
	}
	return 0
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

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
