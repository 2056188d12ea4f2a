package rooms

import (
	"bytes"
	"encoding/json"
	"testing"
)

// referenceAddress is ParseAddress the slow way: decode the payload with
// encoding/json, as the transport once did, and read the map. The scanner
// must agree with it on every valid payload.
func referenceAddress(t *testing.T, payload []byte) (Address, *Error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber() // 1e400 is valid JSON, and not a float64
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding valid JSON %q: %v", payload, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Address{}, nil
	}
	var a Address
	if v, present := obj["to"]; present && v != nil {
		to, ok := v.(string)
		if !ok || to == "" {
			return Address{}, errorf(CodeInvalidPayload, "to")
		}
		a.To = PeerID(to)
	}
	if v, present := obj["room"]; present && v != nil {
		room, ok := v.(string)
		if !ok {
			return Address{}, errorf(CodeInvalidPayload, "room")
		}
		if err := ValidateName(room); err != nil {
			return Address{}, err
		}
		a.Room = room
	}
	return a, nil
}

func errorCode(err *Error) string {
	if err == nil {
		return ""
	}
	return err.Code
}

func FuzzParseAddress(f *testing.F) {
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, err := ParseAddress(payload)
		switch {
		case len(payload) == 0:
			if err != nil || got != (Address{}) {
				t.Fatalf("no argument: ParseAddress = %+v, %v; want nothing", got, err)
			}
		case !json.Valid(payload):
			if errorCode(err) != CodeInvalidPayload || got != (Address{}) {
				t.Fatalf("invalid JSON %q: ParseAddress = %+v, %v; want invalid-payload", payload, got, err)
			}
		default:
			want, wantErr := referenceAddress(t, payload)
			if got != want || errorCode(err) != errorCode(wantErr) {
				t.Fatalf("ParseAddress(%q) = %+v, %v; encoding/json reads %+v, %v", payload, got, err, want, wantErr)
			}
		}
	})
}

// orderedMember is one top-level member as encoding/json reads it: key
// decoded, value compacted.
type orderedMember struct{ key, value string }

func topLevelMembers(t *testing.T, object []byte) []orderedMember {
	dec := json.NewDecoder(bytes.NewReader(object))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%q does not start an object: %v %v", object, tok, err)
	}
	var members []orderedMember
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			t.Fatalf("reading a key of %q: %v", object, err)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			t.Fatalf("reading the value of %q in %q: %v", key, object, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, value); err != nil {
			t.Fatal(err)
		}
		members = append(members, orderedMember{key.(string), compact.String()})
	}
	return members
}

func FuzzAppendStamped(f *testing.F) {
	f.Fuzz(func(t *testing.T, payload []byte, from string) {
		prefix := []byte(`[1,`)
		out := AppendStamped(bytes.Clone(prefix), payload, PeerID(from))
		if !bytes.HasPrefix(out, prefix) {
			t.Fatalf("AppendStamped overwrote dst: %q", out)
		}
		body := out[len(prefix):]
		if !json.Valid(payload) || bytes.TrimLeft(payload, " \t\r\n")[0] != '{' {
			if !bytes.Equal(body, payload) {
				t.Fatalf("non-object %q became %q, want it unchanged", payload, body)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("AppendStamped(%q) = %q, not valid JSON", payload, body)
		}
		got := topLevelMembers(t, body)
		// encoding/json turns each invalid UTF-8 byte into U+FFFD; so must
		// the stamp.
		var wantFrom string
		encoded, _ := json.Marshal(from)
		_ = json.Unmarshal(encoded, &wantFrom)
		var gotFrom string
		if len(got) > 0 {
			_ = json.Unmarshal([]byte(got[0].value), &gotFrom)
		}
		if len(got) == 0 || got[0].key != "from" || gotFrom != wantFrom {
			t.Fatalf("AppendStamped(%q, %q) = %q, want it to start with from = %q", payload, from, body, wantFrom)
		}
		var want []orderedMember
		for _, m := range topLevelMembers(t, payload) {
			if m.key != "from" {
				want = append(want, m)
			}
		}
		if len(got)-1 != len(want) {
			t.Fatalf("AppendStamped(%q) = %q: %d members besides from, want %d", payload, body, len(got)-1, len(want))
		}
		for i, m := range want {
			if got[i+1] != m {
				t.Fatalf("AppendStamped(%q) = %q: member %d is %+v, want %+v", payload, body, i+1, got[i+1], m)
			}
		}
	})
}
