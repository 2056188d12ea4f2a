package jsonscan

import (
	"strings"
	"testing"
)

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
	// Past the end (a stepped-over escape at the last byte): no read.
	if got := skipPlain([]byte(`ab`), 3); got != 3 {
		t.Errorf("skipPlain from past the end = %d, want 3", got)
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{`"abc"`, "abc", true},
		{`""`, "", true},
		{`"a\nb\u00e9\"\\"`, "a\nbé\"\\", true},
		{`"\ud83d\ude00"`, "😀", true},
		{`"` + strings.Repeat("long ", 20) + `"`, strings.Repeat("long ", 20), true},
		{"\"a\xffb\"", "a\ufffdb", true},            // invalid UTF-8, as encoding/json decodes it
		{"\"\xe2\x82\\n\"", "\ufffd\ufffd\n", true}, // the same beside an escape
		{`abc`, "", false},
		{`"`, "", false},
		{`"abc`, "", false},     // no closing quote
		{`"a"b"`, "", false},    // a quote inside
		{"\"a\nb\"", "", false}, // a raw control character
		{`"ab\"`, "", false},
		{`"\q"`, "", false},
		{`1`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		got, ok := Unquote([]byte(tt.in))
		if ok != tt.wantOK || (ok && got != tt.want) {
			t.Errorf("Unquote(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
