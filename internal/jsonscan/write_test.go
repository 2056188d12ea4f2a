package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"\n\r\t", `"\n\r\t"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"é€😀", `"é€😀"`},
		{"<&>", `"<&>"`}, // no HTML escaping: the output is not for HTML
		{"a\xffb", `"a\ufffdb"`},
		{"\xe2\x82", `"\ufffd\ufffd"`}, // as encoding/json: one per invalid byte
		{"\x7f", "\"\x7f\""},
	}
	for _, tt := range tests {
		got := AppendString([]byte("x"), tt.in)
		if string(got) != "x"+tt.want {
			t.Errorf("AppendString(%q) = %s, want x%s", tt.in, got, tt.want)
			continue
		}
		if !json.Valid(got[1:]) {
			t.Errorf("AppendString(%q) = %s is not JSON", tt.in, got[1:])
		}
	}
}
