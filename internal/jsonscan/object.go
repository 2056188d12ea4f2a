package jsonscan

// Members walks the top-level members of a JSON object text that nobody has
// validated, checking as it goes that the text is well formed: the relay
// reads and rewrites a payload's members in the one pass that validates it.
// The current member is kept in the iterator rather than returned: copying
// it out on every step cost a third of the walk.
type Members struct {
	s          scanner
	key, value []byte
	// escapedKey is set when the key holds a backslash escape, so its raw
	// bytes are not its name.
	escapedKey bool
	started    bool
	done       bool
	broken     bool
}

// Object reports whether data's first non-whitespace byte opens an object
// and, if so, returns an iterator over its members. Whether the whole text
// is valid is known once Next has returned false (Members.Valid); until
// then a member may be followed by anything.
func Object(data []byte) (Members, bool) {
	s := scanner{data: data}
	s.skipSpace()
	if s.peek() != '{' {
		return Members{}, false
	}
	s.pos++
	return Members{s: s}, true
}

// Next moves to the next member. It returns false at the end of the object
// or at the first malformed byte; Valid then tells which.
func (it *Members) Next() bool {
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

// readMember reads `"key": value` at pos.
func (it *Members) readMember() bool {
	s := &it.s
	key, escaped, ok := s.key()
	if !ok {
		return false
	}
	it.key, it.escapedKey = key, escaped
	valueStart := s.pos
	if !s.value(1) {
		return false
	}
	it.value = s.data[valueStart:s.pos]
	return true
}

// end checks that nothing but whitespace follows the closing brace.
func (it *Members) end() {
	it.done = true
	it.s.skipSpace()
	it.broken = it.s.pos != len(it.s.data)
}

// Key returns the current member's key as written: quoted, escapes intact.
func (it *Members) Key() []byte { return it.key }

// Value returns the current member's value as written, whitespace inside it
// included.
func (it *Members) Value() []byte { return it.value }

// KeyIs reports whether the current member's key, decoded, is name, which
// must be ASCII (as the member names of protocols are). Keys match exactly
// once decoded: "t\u006f" is "to". A key without escapes is its raw bytes
// and needs no decoding, since decoding changes only escapes and invalid
// UTF-8 and no ASCII name holds either.
func (it *Members) KeyIs(name string) bool {
	if !it.escapedKey {
		return string(it.key[1:len(it.key)-1]) == name
	}
	return unquotedIs(it.key, name)
}

// unquotedIs is KeyIs for a key with escapes, the rare case: kept out of
// line so that KeyIs inlines into its callers' loops.
//
//go:noinline
func unquotedIs(key []byte, name string) bool {
	s, ok := Unquote(key)
	return ok && s == name
}

// Last walks the remaining members and returns the value of the last one
// named name (ASCII, as for KeyIs), or nil when none is: of duplicate keys
// the last counts, as in JSON.parse. Valid tells afterwards whether the
// text was valid; if it was not, the value means nothing.
func (it *Members) Last(name string) []byte {
	var value []byte
	for it.Next() {
		if it.KeyIs(name) {
			value = it.value
		}
	}
	return value
}

// Valid reports, once Next has returned false, whether the whole text was
// one well-formed object.
func (it *Members) Valid() bool { return it.done && !it.broken }
