package rooms

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	deep := func(n int, open, close string) string {
		return strings.Repeat(open, n) + strings.Repeat(close, n)
	}
	tests := []struct {
		name  string
		input string
		valid bool
	}{
		{"empty", "", false},
		{"whitespace", " \t\r\n", false},
		{"null", "null", true},
		{"true with whitespace", " true\n", true},
		{"false", "false", true},
		{"truncated literal", "tru", false},
		{"literal with a tail", "nullx", false},
		{"capitalised literal", "True", false},
		{"zero", "0", true},
		{"negative", "-12", true},
		{"fraction and exponent", "-0.5e+10", true},
		{"capital exponent", "1E5", true},
		{"leading zero", "01", false},
		{"minus alone", "-", false},
		{"plus sign", "+1", false},
		{"dot without digits", "1.", false},
		{"leading dot", ".5", false},
		{"exponent without digits", "1e", false},
		{"exponent sign without digits", "1e+", false},
		{"huge number", "1e400", true},
		{"hex", "0x10", false},
		{"string", `"abc"`, true},
		{"unterminated string", `"abc`, false},
		{"all short escapes", `"\" \\ \/ \b \f \n \r \t"`, true},
		{"unicode escape", `"\u00e9\uD83D\uDE00"`, true},
		{"lone surrogate escape", `"\ud800"`, true},
		{"short unicode escape", `"\u12"`, false},
		{"bad hex in escape", `"\u12g4"`, false},
		{"unknown escape", `"\a"`, false},
		{"backslash at the end", `"\`, false},
		{"escaped quote at the end", `"\"`, false},
		{"raw tab in a string", "\"a\tb\"", false},
		{"raw NUL in a string", "\"a\x00b\"", false},
		{"DEL in a string", "\"a\x7fb\"", true},
		{"invalid UTF-8 in a string", "\"\xff\xfe\"", true},
		{"multibyte in a string", `"é漢😀"`, true},
		{"long plain string", `"` + strings.Repeat("abcdefgh", 20) + `"`, true},
		{"long string with a late quote", `"` + strings.Repeat("a", 37) + `\"` + strings.Repeat("b", 11) + `"`, true},
		{"empty array", "[]", true},
		{"array", "[1, \"a\", null, [true], {}]", true},
		{"array trailing comma", "[1,]", false},
		{"array leading comma", "[,1]", false},
		{"array missing comma", "[1 2]", false},
		{"unclosed array", "[1", false},
		{"mismatched brackets", "[}", false},
		{"empty object", "{}", true},
		{"object", `{"a": 1, "b": {"c": [ ]}}`, true},
		{"object trailing comma", `{"a":1,}`, false},
		{"object missing colon", `{"a" 1}`, false},
		{"object missing value", `{"a":}`, false},
		{"object number key", `{1:2}`, false},
		{"object unquoted key", `{a:1}`, false},
		{"object missing comma", `{"a":1 "b":2}`, false},
		{"unclosed object", `{"a":1`, false},
		{"two values", "1 2", false},
		{"two objects", "{}{}", false},
		{"max depth arrays", deep(maxJSONDepth, "[", "]"), true},
		{"too deep arrays", deep(maxJSONDepth+1, "[", "]"), false},
		{"max depth objects", strings.Repeat(`{"a":`, maxJSONDepth-1) + "{}" + strings.Repeat("}", maxJSONDepth-1), true},
		{"too deep objects", strings.Repeat(`{"a":`, maxJSONDepth) + "{}" + strings.Repeat("}", maxJSONDepth), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := json.Valid([]byte(tt.input)); got != tt.valid {
				t.Fatalf("the table is wrong: json.Valid = %v, want %v", got, tt.valid)
			}
			if got := validJSON([]byte(tt.input)); got != tt.valid {
				t.Errorf("validJSON(%.40q) = %v, want %v", tt.input, got, tt.valid)
			}
		})
	}
}

// TestSkipPlainFindsEverySpecialByte puts each byte the string scan must stop
// at in every position of a 24-byte run, so the eight-at-a-time path, its
// boundaries and the byte-at-a-time tail all see it.
func TestSkipPlainFindsEverySpecialByte(t *testing.T) {
	specials := []byte{'"', '\\', 0x00, 0x01, '\n', 0x1f}
	plain := []byte{'a', ' ', '!', '#', '[', ']', 0x7f, 0x80, 0xa2, 0xdc, 0xff}
	for _, fill := range plain {
		for _, special := range specials {
			for pos := range 24 {
				data := []byte(strings.Repeat(string(fill), 24))
				data[pos] = special
				if got := skipPlain(data, 0); got != pos {
					t.Fatalf("skipPlain(%q) = %d, want %d", data, got, pos)
				}
			}
		}
		data := []byte(strings.Repeat(string(fill), 24))
		if got := skipPlain(data, 0); got != len(data) {
			t.Errorf("skipPlain(%q) = %d, want %d (no special byte)", data, got, len(data))
		}
	}
	// Two special bytes in one word: the first is found.
	if got := skipPlain([]byte(`abc\d"fgh`), 0); got != 3 {
		t.Errorf("skipPlain found the special byte at %d, want 3", got)
	}
}

func TestMemberIter(t *testing.T) {
	tests := []struct {
		input string
		keys  []string // raw keys, quotes included
		valid bool
	}{
		{`{}`, nil, true},
		{` { } `, nil, true},
		{`{"a":1}`, []string{`"a"`}, true},
		{`{"a":1,"b":[1,{"c":2}],"a":null}`, []string{`"a"`, `"b"`, `"a"`}, true},
		{`{"a":1,}`, []string{`"a"`}, false},
		{`{,"a":1}`, nil, false},
		{`{"a":1 "b":2}`, []string{`"a"`}, false},
		{`{"a":1}x`, []string{`"a"`}, false},
		{`{"a":1`, []string{`"a"`}, false},
		{`{"a"`, nil, false},
	}
	for _, tt := range tests {
		it, isObject := objectMembers([]byte(tt.input))
		if !isObject {
			t.Fatalf("objectMembers(%q) is not an object", tt.input)
		}
		var keys []string
		for it.next() {
			keys = append(keys, string(it.current.key))
		}
		if strings.Join(keys, ",") != strings.Join(tt.keys, ",") || it.valid() != tt.valid {
			t.Errorf("members of %q = %q (valid %v), want %q (valid %v)", tt.input, keys, it.valid(), tt.keys, tt.valid)
		}
		if it.next() {
			t.Errorf("next after the end of %q returned true", tt.input)
		}
	}
	for _, notObject := range []string{``, ` `, `[]`, `"{"`, `1`, `null`} {
		if _, isObject := objectMembers([]byte(notObject)); isObject {
			t.Errorf("objectMembers(%q) reports an object", notObject)
		}
	}
}
