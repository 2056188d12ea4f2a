package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"unicode/utf8"
)

// Reading string literals, for both modes: SDP and ICE candidates are long
// strings, so most of a relayed payload's bytes are string content.

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
// marks, or len(data) when there is none (i itself when i is past the end).
// It looks at eight bytes at a time.
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

// stringLen returns the length of the string literal b starts with, or 0
// when it does not end. It trusts the literal: escapes are stepped over
// unchecked, and a raw control character, which valid JSON never holds, is
// taken as content.
func stringLen(b []byte) int {
	for i := 1; ; {
		i = skipPlain(b, i)
		if i >= len(b) {
			return 0
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i += 2 // whatever follows is escaped; \uXXXX's digits need no care
		default:
			i++
		}
	}
}

// Unquote decodes a JSON string literal exactly as encoding/json does, each
// invalid UTF-8 byte becoming U+FFFD. ok is false when raw is not one
// string literal. A literal without escapes is copied without a decoder.
func Unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	if inner := raw[1 : len(raw)-1]; skipPlain(inner, 0) == len(inner) && utf8.Valid(inner) {
		return string(inner), true
	}
	return decode(raw)
}

// decode is Unquote's rare path (escapes, invalid UTF-8): encoding/json
// does it, with its exact rules for surrogates and invalid bytes. It is a
// function of its own because the string it decodes into escapes to the
// heap, which would cost the common path an allocation too.
func decode(raw []byte) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}
