package jsonscan

import (
	"strings"
	"testing"
)

func elements(t *testing.T, in string) (elems []string, rest string, ok bool) {
	t.Helper()
	it, ok := Array([]byte(in))
	if !ok {
		return nil, "", false
	}
	for e, more := it.Next(); more; e, more = it.Next() {
		elems = append(elems, string(e))
	}
	return elems, string(it.Rest()), true
}

func TestArray(t *testing.T) {
	tests := []struct {
		in     string
		want   []string
		wantOK bool
	}{
		{in: `[]`, wantOK: true},
		{in: `[1]`, want: []string{`1`}, wantOK: true},
		{in: `["a",2,true,null,-1.5e3]`, want: []string{`"a"`, `2`, `true`, `null`, `-1.5e3`}, wantOK: true},
		{in: ` [ "a" , { "b" : [ 1 ] } , [ ] ] `, want: []string{`"a"`, `{ "b" : [ 1 ] }`, `[ ]`}, wantOK: true},
		{in: "[\n\t1,\r\n2\n]", want: []string{`1`, `2`}, wantOK: true},
		{in: `["a,b","c]d","e\"]"]`, want: []string{`"a,b"`, `"c]d"`, `"e\"]"`}, wantOK: true},
		{in: `[{"x":"}"},[["]"]]]`, want: []string{`{"x":"}"}`, `[["]"]]`}, wantOK: true},
		{in: `["\\"]`, want: []string{`"\\"`}, wantOK: true},
		{in: `{}`},
		{in: `"[]"`},
		{in: `[`},
		{in: ``},
	}
	for _, tt := range tests {
		got, _, ok := elements(t, tt.in)
		if ok != tt.wantOK || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Array(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestElementsRest(t *testing.T) {
	it, _ := Array([]byte(`["name", 1, {"a":2}]`))
	it.Next()
	if got := string(it.Rest()); got != `, 1, {"a":2}` {
		t.Fatalf("Rest() after the first element = %q", got)
	}
	it.Next()
	it.Next()
	if got := string(it.Rest()); got != "" {
		t.Fatalf("Rest() after the last element = %q, want empty", got)
	}
}

// TestElementsStopOnGarbage checks the promise for text that is not JSON:
// early stops, no panic, nothing read past the input.
func TestElementsStopOnGarbage(t *testing.T) {
	for _, in := range []string{`[1 2]`, `[,1]`, `[1,,2]`, `["a]`, `[{]`, `[1,`, `["\`, `[}]`, `[:]`} {
		it, ok := Array([]byte(in))
		if !ok {
			continue
		}
		for n := 0; ; n++ {
			e, more := it.Next()
			if !more {
				break
			}
			if n > len(in) || len(e) == 0 {
				t.Fatalf("Array(%q): element %d is %q", in, n, e)
			}
		}
	}
}

func TestValueLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{`"abc",1`, 5}, {`"a\"b"]`, 6}, {`"\\",`, 4}, {`123,`, 3}, {`-1.5e+3}`, 7}, {`true]`, 4},
		{`null`, 4}, {`{"a":[1,"]"]},2`, 13}, {`[[],{}] `, 7}, {``, 0}, {`"abc`, 0}, {`{"a":1`, 0}, {`[1,2`, 0},
		// Long strings take the eight-bytes-at-a-time path, with escapes on
		// and across its word boundaries.
		{`"` + strings.Repeat("a", 40) + `",1`, 42}, {`"abcdef\"` + strings.Repeat("b", 20) + `"]`, 30},
		{`"abcdefg\"h\\\\"}`, 16}, {`"` + strings.Repeat("a", 15) + `\`, 0},
		// Not JSON, yet measured without a panic: trusting mode takes a raw
		// control character as content.
		{"\"a\tb\",", 5},
	}
	for _, tt := range tests {
		if got := valueLen([]byte(tt.in)); got != tt.want {
			t.Errorf("valueLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestValueLenDeepNesting checks that depth costs no stack: a million
// brackets would overflow a recursive scanner's budget in tests.
func TestValueLenDeepNesting(t *testing.T) {
	const depth = 1_000_000
	b := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	if got := valueLen([]byte(b)); got != len(b) {
		t.Fatalf("valueLen of %d nested arrays = %d, want %d", depth, got, len(b))
	}
}
