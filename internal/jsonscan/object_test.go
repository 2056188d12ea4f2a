package jsonscan

import (
	"strings"
	"testing"
)

// members lists key=value for each member of in, and whether in was valid.
func members(t *testing.T, in string) (got []string, valid bool) {
	t.Helper()
	it, isObject := Object([]byte(in))
	if !isObject {
		t.Fatalf("Object(%q) is not an object", in)
	}
	for it.Next() {
		got = append(got, string(it.Key())+"="+string(it.Value()))
	}
	if it.Next() {
		t.Errorf("Next after the end of %q returned true", in)
	}
	return got, it.Valid()
}

func TestObject(t *testing.T) {
	tests := []struct {
		in    string
		want  []string // key=value, as written
		valid bool
	}{
		{`{}`, nil, true},
		{` { } `, nil, true},
		{`{"a":1}`, []string{`"a"=1`}, true},
		{`{ "a" : "x" , "b\"c" : [1,{"d":2}] , "e":{} }`, []string{`"a"="x"`, `"b\"c"=[1,{"d":2}]`, `"e"={}`}, true},
		{`{"a":1,"b":[1,{"c":2}],"a":null}`, []string{`"a"=1`, `"b"=[1,{"c":2}]`, `"a"=null`}, true},
		{"{\"sdp\":\"v=0\\r\\n\",\n\t\"x\" : { \"y\" : [ ] } }", []string{`"sdp"="v=0\r\n"`, `"x"={ "y" : [ ] }`}, true},
		{`{"a":1,}`, []string{`"a"=1`}, false},
		{`{,"a":1}`, nil, false},
		{`{"a":1 "b":2}`, []string{`"a"=1`}, false},
		{`{"a":1}x`, []string{`"a"=1`}, false},
		{`{"a":1`, []string{`"a"=1`}, false},
		{`{"a"`, nil, false},
		{`{"a" 1}`, nil, false},
		{`{1:2}`, nil, false},
		{`{"a":}`, nil, false},
		{`{"a":[}`, nil, false},
		{`{"a":"b\x"}`, nil, false},
		{"{\"a\":\"b\tc\"}", nil, false},
		{`{"a":1}{}`, []string{`"a"=1`}, false},
	}
	for _, tt := range tests {
		got, valid := members(t, tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || valid != tt.valid {
			t.Errorf("members of %q = %q (valid %v), want %q (valid %v)", tt.in, got, valid, tt.want, tt.valid)
		}
	}
	for _, notObject := range []string{``, ` `, `[]`, `"{"`, `1`, `null`, `}`} {
		if _, isObject := Object([]byte(notObject)); isObject {
			t.Errorf("Object(%q) reports an object", notObject)
		}
	}
}

// TestObjectDepth checks that a member's value may nest as deep as
// encoding/json allows, counting the object itself, and no deeper.
func TestObjectDepth(t *testing.T) {
	for _, tt := range []struct {
		inner int // arrays inside the object
		valid bool
	}{{MaxDepth - 1, true}, {MaxDepth, false}} {
		in := `{"a":` + strings.Repeat("[", tt.inner) + strings.Repeat("]", tt.inner) + `}`
		if _, valid := members(t, in); valid != tt.valid {
			t.Errorf("an object holding %d nested arrays: valid %v, want %v", tt.inner, valid, tt.valid)
		}
	}
}

func TestMembersLast(t *testing.T) {
	tests := []struct {
		in, want string // want "" for none
		valid    bool
	}{
		{`{}`, "", true},
		{`{"room":"a"}`, `"a"`, true},
		{`{"room":"a","x":1,"r\u006fom":{"b":2},"rooms":3}`, `{"b":2}`, true},
		{`{"x":{"room":1}}`, "", true},
		{`{"room":"a",}`, "", false}, // the value means nothing
	}
	for _, tt := range tests {
		it, _ := Object([]byte(tt.in))
		got := it.Last("room")
		if it.Valid() != tt.valid || tt.valid && (string(got) != tt.want || (got == nil) != (tt.want == "")) {
			t.Errorf("Last(\"room\") of %s = %q (valid %v), want %q (valid %v)", tt.in, got, it.Valid(), tt.want, tt.valid)
		}
	}
}

func TestMembersKeyIs(t *testing.T) {
	tests := []struct {
		key, name string
		is        bool
	}{
		{`"to"`, "to", true},
		{`"t\u006f"`, "to", true},
		{`"\u0074\u006F"`, "to", true},
		{`"to"`, "room", false},
		{`"tot"`, "to", false},
		{`"t"`, "to", false},
		{`""`, "", true},
		{`"t\"o"`, `t"o`, true},
		{`"t\"o"`, `t\"o`, false},
		{"\"t\xffo\"", "to", false},
	}
	for _, tt := range tests {
		it, _ := Object([]byte("{" + tt.key + ":1}"))
		if !it.Next() {
			t.Fatalf("no member in {%s:1}", tt.key)
		}
		if got := it.KeyIs(tt.name); got != tt.is {
			t.Errorf("KeyIs(%q) of key %s = %v, want %v", tt.name, tt.key, got, tt.is)
		}
	}
}
