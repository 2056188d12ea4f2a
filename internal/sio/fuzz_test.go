package sio

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// Fuzz targets: seed corpora live in testdata/fuzz/<FuzzName>/; run one with
// go test -fuzz=FuzzDecode ./internal/sio/.

// FuzzDecode checks that Decode never panics, that what it accepts has the
// shape its type requires, and that AppendHeader and the payload encode it
// back to a packet that decodes the same.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		if p.Type > BinaryAck || p.ID < NoID || p.Attachments < 0 || p.Namespace == "" || p.Namespace[0] != '/' {
			t.Fatalf("Decode(%q) = %+v: an impossible packet", b, p)
		}
		if p.Data != nil && !json.Valid(p.Data) {
			t.Fatalf("Decode(%q) accepted invalid JSON %q", b, p.Data)
		}
		if !utf8.Valid(b) {
			t.Fatalf("Decode(%q) accepted invalid UTF-8", b)
		}
		if p.Type == Event || p.Type == BinaryEvent {
			if _, _, ok := EventName(p.Data); !ok {
				t.Fatalf("Decode(%q) accepted an event without a name", b)
			}
		}
		again := append(AppendHeader(nil, p.Type, p.Namespace, p.Attachments, p.ID), p.Data...)
		q, err := Decode(again)
		if err != nil || !samePacket(p, q) {
			t.Fatalf("Decode(%q) = %+v, re-encoded as %q: %+v, %v", b, p, again, q, err)
		}
	})
}

// FuzzEventName compares EventName with encoding/json on valid JSON: the
// name is the first element, a string, unescaped, and the arguments are the
// others.
func FuzzEventName(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		name, args, ok := EventName(data)
		if !json.Valid(data) || !utf8.Valid(data) {
			return // EventName is only ever given decoded packets' payloads
		}
		var elems []json.RawMessage
		isArray := json.Unmarshal(data, &elems) == nil
		// The name must be a JSON string: Unmarshal also accepts null into a
		// string, so the first byte is checked as well.
		var want string
		wantOK := isArray && len(elems) > 0 && elems[0][0] == '"' && json.Unmarshal(elems[0], &want) == nil
		if ok != wantOK {
			t.Fatalf("EventName(%q) ok = %v, encoding/json says %v", data, ok, wantOK)
		}
		if !ok {
			return
		}
		if string(name) != want {
			t.Fatalf("EventName(%q) = %q, want %q", data, name, want)
		}
		for i := 1; ; i++ {
			a, more := args.Next()
			if more != (i < len(elems)) {
				t.Fatalf("EventName(%q): argument %d present = %v, encoding/json has %d elements", data, i, more, len(elems))
			}
			if !more {
				break
			}
			if string(a) != string(elems[i]) {
				t.Fatalf("EventName(%q): argument %d = %q, want %q", data, i, a, elems[i])
			}
		}
	})
}
