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
		var want []json.RawMessage
		isArray := json.Unmarshal(data, &want) == nil
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

// FuzzObject compares members with a token-by-token encoding/json reading
// on valid JSON, which keeps the order and duplicate keys.
func FuzzObject(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		it, ok := Object(data)
		type member struct{ key, value []byte }
		var got []member
		for k, v, more := it.Next(); ok && more; k, v, more = it.Next() {
			if len(got) > len(data) {
				t.Fatalf("Object(%q) does not end", data)
			}
			got = append(got, member{k, v})
		}
		if !json.Valid(data) || !utf8.Valid(data) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		tok, _ := dec.Token()
		isObject := tok == json.Delim('{')
		if ok != isObject {
			t.Fatalf("Object(%q) ok = %v, encoding/json says %v", data, ok, isObject)
		}
		if !ok {
			return
		}
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
			if !unquoted || k != key.(string) || !KeyIs(got[i].key, key.(string)) || !bytes.Equal(got[i].value, value) {
				t.Fatalf("Object(%q) member %d = %q: %q, want %q: %q", data, i, got[i].key, got[i].value, key, value)
			}
			if len(got) == i+1 && dec.More() {
				t.Fatalf("Object(%q) stopped after %d members", data, len(got))
			}
		}
	})
}

// FuzzValueLen checks that a valid JSON value is measured whole, followed
// by any delimiter.
func FuzzValueLen(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		n := ValueLen(data) // any input: no panic, a length inside it
		if n < 0 || n > len(data) {
			t.Fatalf("ValueLen(%q) = %d", data, n)
		}
		v := bytes.TrimSpace(data)
		if !json.Valid(v) {
			return
		}
		for _, tail := range []string{"", ",1", "]", "}", ` "x"`} {
			if got := ValueLen(append(append([]byte{}, v...), tail...)); got != len(v) {
				t.Fatalf("ValueLen(%q + %q) = %d, want %d", v, tail, got, len(v))
			}
		}
	})
}

// FuzzUnquote compares Unquote with encoding/json.
func FuzzUnquote(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := Unquote(raw)
		if !utf8.Valid(raw) {
			return // encoding/json replaces invalid bytes; Unquote keeps them
		}
		var want string
		wantOK := json.Unmarshal(raw, &want) == nil && len(raw) > 0 && raw[0] == '"' && raw[len(raw)-1] == '"'
		if ok != wantOK || got != want {
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
