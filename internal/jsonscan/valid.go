package jsonscan

// The checking mode: a scanner that accepts exactly what encoding/json's
// Valid accepts (RFC 8259, with its nesting limit), for text nobody has
// validated, such as a raw WebSocket frame. It allocates nothing and
// iterates rather than recursing, so deep nesting costs a fixed amount of
// stack.

// MaxDepth is how deeply arrays and objects may nest: encoding/json's own
// limit, so that the two agree on which texts are valid JSON.
const MaxDepth = 10000

// Valid reports whether data is one JSON value with optional whitespace
// around it. It agrees with encoding/json.Valid on every input.
func Valid(data []byte) bool {
	s := scanner{data: data}
	s.skipSpace()
	if !s.value(0) {
		return false
	}
	s.skipSpace()
	return s.pos == len(data)
}

// scanner reads one JSON text from pos on. Its methods advance pos past
// what they accept and report false on the first byte that is not JSON;
// then pos is meaningless.
type scanner struct {
	data []byte
	pos  int
}

// peek returns the byte at pos, or 0 at the end (0 is never valid where the
// scanner looks).
func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

// value accepts one value at pos (no leading whitespace); depth is how many
// containers it is inside.
func (s *scanner) value(depth int) bool {
	switch s.peek() {
	case '{', '[':
		return s.composite(depth)
	case '"': // the most common value, one call sooner
		_, ok := s.str()
		return ok
	}
	return s.scalar()
}

// openContainers records, one bit each, whether the containers open at each
// level are objects (1) or arrays (0): all a closing bracket must agree
// with, in 1.25 KiB of stack rather than a call frame per level.
type openContainers [MaxDepth/64 + 1]uint64

func (o *openContainers) push(level int, object bool) {
	bit := uint64(1) << (level % 64)
	if object {
		o[level/64] |= bit
	} else {
		o[level/64] &^= bit
	}
}

func (o *openContainers) isObject(level int) bool { return o[level/64]&(1<<(level%64)) != 0 }

// composite accepts the object or array at pos, nested in depth containers.
// It loops over values: a value either opens a container or is a scalar,
// and after each one the containers it ends are closed, up to the comma
// before the next.
func (s *scanner) composite(depth int) bool {
	var open openContainers
	levels := 0
	for {
		if c := s.peek(); c == '{' || c == '[' {
			if depth+levels == MaxDepth {
				return false
			}
			open.push(levels, c == '{')
			levels++
			s.pos++
			s.skipSpace()
			if s.peek() != closing(c == '{') {
				if c == '{' && !s.memberKey() {
					return false
				}
				continue // its first value follows
			}
			s.pos++
			levels--
		} else if !s.scalar() {
			return false
		}
		for {
			if levels == 0 {
				return true
			}
			s.skipSpace()
			object := open.isObject(levels - 1)
			c := s.peek()
			if c == ',' {
				s.pos++
				s.skipSpace()
				if object && !s.memberKey() {
					return false
				}
				break // the next value follows
			}
			if c != closing(object) {
				return false
			}
			s.pos++
			levels--
		}
	}
}

// closing is the bracket that closes an object or an array.
func closing(object bool) byte {
	if object {
		return '}'
	}
	return ']'
}

// memberKey is key for a member whose name does not matter here.
func (s *scanner) memberKey() bool {
	_, _, ok := s.key()
	return ok
}

// key accepts a member's `"key":` at pos and the whitespace after it, and
// returns the key as written, quotes included. escaped reports a backslash
// escape in it.
func (s *scanner) key() (key []byte, escaped, ok bool) {
	start := s.pos
	if s.peek() != '"' {
		return nil, false, false
	}
	if escaped, ok = s.str(); !ok {
		return nil, false, false
	}
	key = s.data[start:s.pos]
	s.skipSpace()
	if s.peek() != ':' {
		return nil, false, false
	}
	s.pos++
	s.skipSpace()
	return key, escaped, true
}

// scalar accepts a string, number, true, false or null at pos.
func (s *scanner) scalar() bool {
	switch s.peek() {
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

// str accepts a string at pos. escaped reports a backslash escape in it:
// only then do its raw bytes differ from its value (besides invalid UTF-8,
// which decoding replaces).
func (s *scanner) str() (escaped, ok bool) {
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

func (s *scanner) literal(word string) bool {
	end := s.pos + len(word)
	if end > len(s.data) || string(s.data[s.pos:end]) != word {
		return false
	}
	s.pos = end
	return true
}

// number accepts -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. What may
// follow it is the caller's check.
func (s *scanner) number() bool {
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
func (s *scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && isDigit(s.data[s.pos]) {
		s.pos++
	}
	return s.pos > start
}
