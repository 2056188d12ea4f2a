package rooms

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
)

// A small validating scanner over one JSON text (RFC 8259), just enough to
// read and rewrite the top-level members of a relayed payload without
// decoding it: every relayed event passes through here, and decoding a
// payload into maps only to re-encode it cost more than the rest of the
// relay. It accepts exactly what encoding/json's Valid accepts.

// maxJSONDepth is how deeply arrays and objects may nest: encoding/json's own
// limit, so the two agree on which payloads are valid JSON.
const maxJSONDepth = 10000

// jsonScanner reads one JSON text from pos on. Its methods advance pos past
// what they accept and report false on the first byte that is not JSON;
// then pos is meaningless.
type jsonScanner struct {
	data []byte
	pos  int
}

// stringSpecial marks the bytes a string scan must stop at: the closing
// quote, the escape character, and control characters, which JSON forbids
// raw inside strings.
var stringSpecial = func() (special [256]bool) {
	for c := range 0x20 {
		special[c] = true
	}
	special['"'] = true
	special['\\'] = true
	return special
}()

// Eight bytes at a time: lowBits has 1 in every byte, highBits 0x80.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// stringSpecialMask sets the high bit of each of the eight bytes in w that
// stringSpecial marks, exactly up to the first such byte (bits above it may
// be spurious): zero tests on w^'"' and w^'\\' and a less-than test for 0x20,
// the classic "has zero byte" and "has less" bit tricks. Bytes from 0x80 up
// never match.
func stringSpecialMask(w uint64) uint64 {
	quote := w ^ (lowBits * '"')
	backslash := w ^ (lowBits * '\\')
	return ((quote-lowBits)&^quote | (backslash-lowBits)&^backslash | (w-lowBits*0x20)&^w) & highBits
}

// skipPlain returns the index of the first byte from i on that stringSpecial
// marks, or len(data). SDP and ICE strings are long runs of plain bytes, so
// it looks at eight at a time.
func skipPlain(data []byte, i int) int {
	for i+8 <= len(data) {
		if mask := stringSpecialMask(binary.LittleEndian.Uint64(data[i:])); mask != 0 {
			return i + bits.TrailingZeros64(mask)/8
		}
		i += 8
	}
	for i < len(data) && !stringSpecial[data[i]] {
		i++
	}
	return i
}

// peek returns the byte at pos, or 0 at the end (0 is never valid where the
// scanner looks).
func (s *jsonScanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value accepts one value at pos (no leading whitespace); depth is the
// nesting of its container (0 at the top level).
func (s *jsonScanner) value(depth int) bool {
	switch s.peek() {
	case '{':
		return s.object(depth + 1)
	case '[':
		return s.array(depth + 1)
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

func (s *jsonScanner) object(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	s.pos++ // {
	s.skipSpace()
	if s.peek() == '}' {
		s.pos++
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		if _, ok := s.str(); !ok {
			return false
		}
		s.skipSpace()
		if s.peek() != ':' {
			return false
		}
		s.pos++
		s.skipSpace()
		if !s.value(depth) {
			return false
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
			s.skipSpace()
		case '}':
			s.pos++
			return true
		default:
			return false
		}
	}
}

func (s *jsonScanner) array(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	s.pos++ // [
	s.skipSpace()
	if s.peek() == ']' {
		s.pos++
		return true
	}
	for {
		if !s.value(depth) {
			return false
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
			s.skipSpace()
		case ']':
			s.pos++
			return true
		default:
			return false
		}
	}
}

// str accepts a string at pos. escaped reports a backslash escape in it:
// only then do its raw bytes differ from its value (besides invalid UTF-8,
// which decoding replaces).
func (s *jsonScanner) str() (escaped, ok bool) {
	i := s.pos + 1 // past the opening quote
	for {
		i = skipPlain(s.data, i)
		if i == len(s.data) {
			return false, false
		}
		switch s.data[i] {
		case '"':
			s.pos = i + 1
			return escaped, true
		case '\\':
			n := escapeLength(s.data[i:])
			if n == 0 {
				return false, false
			}
			escaped = true
			i += n
		default: // a raw control character
			return false, false
		}
	}
}

// escapeLength returns the length of the escape sequence b starts with, or 0
// if it is not one.
func escapeLength(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		for _, h := range b[2:6] {
			if !isHexDigit(h) {
				return 0
			}
		}
		return 6
	}
	return 0
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (s *jsonScanner) literal(word string) bool {
	end := s.pos + len(word)
	if end > len(s.data) || string(s.data[s.pos:end]) != word {
		return false
	}
	s.pos = end
	return true
}

// number accepts -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. What may
// follow it is the caller's check.
func (s *jsonScanner) number() bool {
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return false
	}
	if s.peek() == '.' {
		s.pos++
		if !s.digits() {
			return false
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits accepts one or more decimal digits.
func (s *jsonScanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && isDigit(s.data[s.pos]) {
		s.pos++
	}
	return s.pos > start
}

// validJSON reports whether data is one JSON value with optional whitespace
// around it.
func validJSON(data []byte) bool {
	s := jsonScanner{data: data}
	s.skipSpace()
	if !s.value(0) {
		return false
	}
	s.skipSpace()
	return s.pos == len(data)
}

// member is one top-level member of a JSON object, as raw slices of the
// text: key with its quotes, value as sent (nested whitespace included).
type member struct {
	key, value []byte
	// escapedKey is set when the key holds a backslash escape, so its raw
	// bytes are not its name.
	escapedKey bool
}

// keyIs reports whether the member's key, decoded, is name. name must be
// ASCII: then a raw key without escapes equals it byte for byte exactly when
// its decoded value does (decoding only changes escapes and invalid UTF-8,
// which no ASCII name contains).
func (m *member) keyIs(name string) bool {
	if !m.escapedKey {
		return string(m.key[1:len(m.key)-1]) == name
	}
	decoded, ok := decodeJSONString(m.key)
	return ok && decoded == name
}

// decodeJSONString decodes a raw JSON string, quotes included. It is the
// rare path (escapes, non-ASCII), so encoding/json does it, with its exact
// rules for surrogates and invalid UTF-8.
func decodeJSONString(raw []byte) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// memberIter walks the top-level members of a JSON object text, checking as
// it goes that the text is well formed. The current member is kept in the
// iterator rather than returned: copying it out on every step cost a third
// of the walk.
type memberIter struct {
	s       jsonScanner
	current member
	started bool
	done    bool
	broken  bool
}

// objectMembers reports whether data's first non-whitespace byte opens an
// object and, if so, returns an iterator over its members.
func objectMembers(data []byte) (memberIter, bool) {
	s := jsonScanner{data: data}
	s.skipSpace()
	if s.peek() != '{' {
		return memberIter{}, false
	}
	s.pos++
	return memberIter{s: s}, true
}

// next moves to the next member, then held in current. It returns false at
// the end of the object or at the first malformed byte; valid then tells
// which.
func (it *memberIter) next() bool {
	if it.done || it.broken {
		return false
	}
	s := &it.s
	s.skipSpace()
	// A comma is read with the member after it, so a closing brace here
	// never follows one.
	switch c := s.peek(); {
	case c == '}':
		s.pos++
		it.end()
		return false
	case c == ',' && it.started:
		s.pos++
		s.skipSpace()
	case it.started:
		it.broken = true
		return false
	}
	it.started = true
	if !it.readMember() {
		it.broken = true
		return false
	}
	return true
}

// readMember reads `"key": value` at pos into current.
func (it *memberIter) readMember() bool {
	s := &it.s
	if s.peek() != '"' {
		return false
	}
	keyStart := s.pos
	escaped, ok := s.str()
	if !ok {
		return false
	}
	it.current.key = s.data[keyStart:s.pos]
	it.current.escapedKey = escaped
	s.skipSpace()
	if s.peek() != ':' {
		return false
	}
	s.pos++
	s.skipSpace()
	valueStart := s.pos
	if !s.value(1) {
		return false
	}
	it.current.value = s.data[valueStart:s.pos]
	return true
}

// end checks that nothing but whitespace follows the closing brace.
func (it *memberIter) end() {
	it.done = true
	it.s.skipSpace()
	it.broken = it.s.pos != len(it.s.data)
}

// valid reports, once next has returned false, whether the whole text was
// one well-formed object.
func (it *memberIter) valid() bool { return it.done && !it.broken }
