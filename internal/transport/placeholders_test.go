package transport

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestPlaceholdersValid: a BINARY_EVENT's placeholders must each name one
// of its attachments, as socket.io-parser 4 requires of what it decodes;
// anything else that merely looks like one passes.
func TestPlaceholdersValid(t *testing.T) {
	deep := strings.Repeat("[", 5000) + `{"_placeholder":true,"num":1}` + strings.Repeat("]", 5000)
	for _, tc := range []struct {
		data        string
		attachments int
		want        bool
	}{
		{`["x"]`, 0, true},
		{`["x",{"_placeholder":true,"num":0}]`, 1, true},
		{`["x",{"num":1,"_placeholder":true},{"_placeholder":true,"num":0}]`, 2, true},
		{`["x",{"a":[{"_placeholder":true,"num":2}]}]`, 3, true},
		{`["x",{"_placeholder":false,"num":9}]`, 1, true},                     // not a placeholder
		{`["x",{"_placeholder":"true","num":9}]`, 1, true},                    // only true is
		{`["x",{"_placeholder":true,"num":9,"_placeholder":false}]`, 1, true}, // the last key counts
		{`["x",{"_placeholder":true,"num":1}]`, 1, false},
		{`["x",{"_placeholder":true,"num":-1}]`, 1, false},
		{`["x",{"_placeholder":true,"num":0.5}]`, 1, false},
		{`["x",{"_placeholder":true,"num":"0"}]`, 1, false},
		{`["x",{"_placeholder":true}]`, 1, false},
		{`["x",{"_placeholder":true,"num":0,"num":4}]`, 1, false},
		{`["x",{"\u005fplaceholder":true,"num":3}]`, 1, false}, // JSON.parse decodes the key
		{`["x",{"_placeholder":true,"num":{"n":0}}]`, 1, false},
		{`["x",{"_placeholder":false,"num":0,"_placeholder":true,"num":7}]`, 1, false},
		{deep, 2, true},
		{deep, 1, false},
	} {
		if got := placeholdersValid([]byte(tc.data), tc.attachments); got != tc.want {
			t.Errorf("placeholdersValid(%.60s, %d) = %v, want %v", tc.data, tc.attachments, got, tc.want)
		}
	}
}

// FuzzPlaceholdersValid compares the iterative walk with a recursive one
// over the decoded value, as the clients see it.
func FuzzPlaceholdersValid(f *testing.F) {
	for _, seed := range []string{`["x",{"_placeholder":true,"num":0}]`, `[{"a":[{"_placeholder":true,"num":1.0}]}]`,
		`[{"\u005fplaceholder":true,"num":2,"num":0}]`, `[[],{},null,"_placeholder",true]`} {
		f.Add([]byte(seed), 1)
	}
	f.Fuzz(func(t *testing.T, data []byte, attachments int) {
		var v any
		if !json.Valid(data) || json.Unmarshal(data, &v) != nil {
			return
		}
		attachments &= 0xff
		if got, want := placeholdersValid(data, attachments), placeholdersNameAttachments(v, attachments); got != want {
			t.Fatalf("placeholdersValid(%q, %d) = %v, the decoded value says %v", data, attachments, got, want)
		}
	})
}

func placeholdersNameAttachments(v any, attachments int) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if !placeholdersNameAttachments(e, attachments) {
				return false
			}
		}
	case map[string]any:
		if v["_placeholder"] == true {
			n, ok := v["num"].(float64)
			if !ok || n != math.Trunc(n) || n < 0 || n >= float64(attachments) {
				return false
			}
		}
		for _, e := range v {
			if !placeholdersNameAttachments(e, attachments) {
				return false
			}
		}
	}
	return true
}
