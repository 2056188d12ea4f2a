package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// Fuzz targets: seed corpora live in testdata/fuzz/<FuzzName>/; run one with
// go test -fuzz=FuzzArray ./internal/jsonscan/.

// FuzzArray compares the element spans with encoding/json's on valid JSON,
// and on anything else only asks for no panic and spans inside the input.
func FuzzArray(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		it, ok := Array(data)
		var got [][]byte
		for e, more := it.Next(); ok && more; e, more = it.Next() {
			if len(e) == 0 || len(got) > len(data) {
				t.Fatalf("Array(%q): element %d is %q", data, len(got), e)
			}
			got = append(got, e)
		}
		if !json.Valid(data) {
			return
		}
		// Unmarshal also takes null into a slice, so the first byte is
		// checked as well.
		var want []json.RawMessage
		isArray := json.Unmarshal(data, &want) == nil && TrimSpace(data)[0] == '['
		if ok != isArray {
			t.Fatalf("Array(%q) ok = %v, encoding/json says %v", data, ok, isArray)
		}
		if len(got) != len(want) {
			t.Fatalf("Array(%q) has %d elements, encoding/json %d", data, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("Array(%q) element %d = %q, want %q", data, i, got[i], want[i])
			}
		}
		if ok && len(it.Rest()) != 0 {
			t.Fatalf("Array(%q): Rest() = %q after the last element", data, it.Rest())
		}
	})
}

// FuzzObject checks the validating member iterator: on any input it ends,
// and reports the text valid exactly when encoding/json.Valid does and the
// text is an object; on valid JSON its members are encoding/json's
// token-by-token reading, which keeps the order and duplicate keys.
func FuzzObject(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		it, ok := Object(data)
		if trimmed := TrimSpace(data); ok != (len(trimmed) > 0 && trimmed[0] == '{') {
			t.Fatalf("Object(%q) ok = %v", data, ok)
		}
		type member struct{ key, value []byte }
		var got []member
		for ok && it.Next() {
			if len(got) > len(data) {
				t.Fatalf("Object(%q) does not end", data)
			}
			got = append(got, member{it.Key(), it.Value()})
		}
		isObject := ok && json.Valid(data)
		if ok && it.Valid() != isObject {
			t.Fatalf("Object(%q).Valid() = %v, encoding/json says %v", data, it.Valid(), isObject)
		}
		if !isObject {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.Token() // {
		var keys []string
		for i := 0; dec.More(); i++ {
			key, _ := dec.Token()
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				t.Fatal(err)
			}
			if i >= len(got) {
				t.Fatalf("Object(%q) stopped after %d members", data, i)
			}
			k, unquoted := Unquote(got[i].key)
			if !unquoted || k != key.(string) || !bytes.Equal(got[i].value, value) {
				t.Fatalf("Object(%q) member %d = %q: %q, want %q: %q", data, i, got[i].key, got[i].value, key, value)
			}
			keys = append(keys, key.(string))
		}
		if len(keys) != len(got) {
			t.Fatalf("Object(%q) has %d members, encoding/json %d", data, len(got), len(keys))
		}
		// KeyIs against encoding/json's keys, for the ASCII names it takes.
		it, _ = Object(data)
		for i := 0; it.Next(); i++ {
			if isASCII(keys[i]) && (!it.KeyIs(keys[i]) || it.KeyIs(keys[i]+"x")) {
				t.Fatalf("Object(%q) member %d: KeyIs(%q) is wrong", data, i, keys[i])
			}
		}
	})
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FuzzValid compares Valid with encoding/json.Valid on any input.
func FuzzValid(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), json.Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", data, got, want)
		}
	})
}

// FuzzValueLen checks that a valid JSON value is measured whole, followed
// by any delimiter.
func FuzzValueLen(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		n := valueLen(data) // any input: no panic, a length inside it
		if n < 0 || n > len(data) {
			t.Fatalf("valueLen(%q) = %d", data, n)
		}
		v := bytes.TrimSpace(data)
		if !json.Valid(v) {
			return
		}
		for _, tail := range []string{"", ",1", "]", "}", ` "x"`} {
			if got := valueLen(append(append([]byte{}, v...), tail...)); got != len(v) {
				t.Fatalf("valueLen(%q + %q) = %d, want %d", v, tail, got, len(v))
			}
		}
	})
}

// FuzzUnquote compares Unquote with encoding/json.
func FuzzUnquote(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := Unquote(raw)
		var want string
		wantOK := json.Unmarshal(raw, &want) == nil && len(raw) > 0 && raw[0] == '"' && raw[len(raw)-1] == '"'
		if ok != wantOK || ok && got != want {
			t.Fatalf("Unquote(%q) = %q, %v; encoding/json says %q, %v", raw, got, ok, want, wantOK)
		}
	})
}

// FuzzAppendString checks that any string encodes to JSON that decodes back
// to it, each invalid byte replaced by U+FFFD.
func FuzzAppendString(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: %v", s, out, err)
		}
		var want []byte
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				want = utf8.AppendRune(want, utf8.RuneError)
			} else {
				want = append(want, s[i:i+size]...)
			}
			i += size
		}
		if back != string(want) {
			t.Fatalf("AppendString(%q) = %s, decodes to %q, want %q", s, out, back, want)
		}
	})
}
