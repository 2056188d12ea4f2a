package rooms

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestIsRelayEvent(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		r := newRegistry(t, nil)
		for _, ev := range DefaultRelayEvents {
			if !r.IsRelayEvent(ev) {
				t.Errorf("IsRelayEvent(%q) = false, want true", ev)
			}
		}
		for _, ev := range []string{"join", "leave", "foo", "", "Offer", "offer ", "peer-joined", "disconnect"} {
			if r.IsRelayEvent(ev) {
				t.Errorf("IsRelayEvent(%q) = true, want false", ev)
			}
		}
	})
	t.Run("custom events replace the defaults", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.RelayEvents = []string{"sdp", "foo"} })
		for _, ev := range []string{"sdp", "foo"} {
			if !r.IsRelayEvent(ev) {
				t.Errorf("IsRelayEvent(%q) = false, want true", ev)
			}
		}
		for _, ev := range []string{"offer", "join"} {
			if r.IsRelayEvent(ev) {
				t.Errorf("IsRelayEvent(%q) = true, want false", ev)
			}
		}
	})
}

func TestParseAddress(t *testing.T) {
	long := strings.Repeat("a", MaxNameLength)
	tests := []struct {
		name    string
		payload string
		want    Address
		code    string // "" means no error
	}{
		{"no argument", "", Address{}, ""},
		{"string payload", `"hello"`, Address{}, ""},
		{"number payload", `42`, Address{}, ""},
		{"bool payload", `true`, Address{}, ""},
		{"null payload", `null`, Address{}, ""},
		{"array payload", `[{"to":"x"}]`, Address{}, ""},
		{"empty object", `{}`, Address{}, ""},
		{"object without address", `{"sdp":"v=0","type":"offer"}`, Address{}, ""},
		{"nested to is not an address", `{"data":{"to":"x","room":"r"}}`, Address{}, ""},
		{"to", `{"to":"x"}`, Address{To: "x"}, ""},
		{"to with whitespace", " \n{ \"to\" : \"x\" \t} \r\n", Address{To: "x"}, ""},
		{"to null", `{"to":null}`, Address{}, ""},
		{"to number", `{"to":5}`, Address{}, CodeInvalidPayload},
		{"to float", `{"to":5.0}`, Address{}, CodeInvalidPayload},
		{"to empty", `{"to":""}`, Address{}, CodeInvalidPayload},
		{"to array", `{"to":["x"]}`, Address{}, CodeInvalidPayload},
		{"to object", `{"to":{}}`, Address{}, CodeInvalidPayload},
		{"to bool", `{"to":false}`, Address{}, CodeInvalidPayload},
		{"to escaped value", `{"to":"a\"b\u00e9"}`, Address{To: "a\"bé"}, ""},
		{"to invalid UTF-8 decodes as encoding/json does", "{\"to\":\"a\xffb\"}", Address{To: "a\uFFFDb"}, ""},
		{"escaped key is to", `{"t\u006f":"x"}`, Address{To: "x"}, ""},
		{"escaped key is room", `{"r\u006f\u006Fm":"r"}`, Address{Room: "r"}, ""},
		{"keys are case-sensitive", `{"To":"x","ROOM":"r"}`, Address{}, ""},
		{"key with trailing space is another key", `{"to ":"x"}`, Address{}, ""},
		{"last duplicate wins", `{"to":"x","to":"y"}`, Address{To: "y"}, ""},
		{"last duplicate wins over a bad one", `{"to":5,"to":"y"}`, Address{To: "y"}, ""},
		{"last duplicate is bad", `{"to":"x","to":5}`, Address{}, CodeInvalidPayload},
		{"room", `{"room":"r"}`, Address{Room: "r"}, ""},
		{"room null", `{"room":null}`, Address{}, ""},
		{"room number", `{"room":3}`, Address{}, CodeInvalidPayload},
		{"room bool", `{"room":false}`, Address{}, CodeInvalidPayload},
		{"room empty", `{"room":""}`, Address{}, CodeInvalidRoom},
		{"room too long", `{"room":"` + long + `a"}`, Address{}, CodeInvalidRoom},
		{"room 64 chars", `{"room":"` + long + `"}`, Address{Room: long}, ""},
		{"room control char", `{"room":"a\u0000"}`, Address{}, CodeInvalidRoom},
		{"to and room", `{"to":"x","room":"r","from":"ignored"}`, Address{To: "x", Room: "r"}, ""},
		{"valid to, bad room", `{"to":"x","room":1}`, Address{}, CodeInvalidPayload},
		{"bad to, valid room", `{"to":1,"room":"r"}`, Address{}, CodeInvalidPayload},
		{"bad to is reported before a bad room", `{"room":"","to":1}`, Address{}, CodeInvalidPayload},
		{"invalid JSON object", `{"to":"x"`, Address{}, CodeInvalidPayload},
		{"invalid JSON after the address", `{"to":"x","sdp":}`, Address{}, CodeInvalidPayload},
		{"trailing comma", `{"to":"x",}`, Address{}, CodeInvalidPayload},
		{"trailing garbage", `{"to":"x"} x`, Address{}, CodeInvalidPayload},
		{"two values", `{"to":"x"}{}`, Address{}, CodeInvalidPayload},
		{"invalid JSON scalar", `hello`, Address{}, CodeInvalidPayload},
		{"invalid JSON array", `[1,]`, Address{}, CodeInvalidPayload},
		{"whitespace only", "  ", Address{}, CodeInvalidPayload},
		{"raw control character in a string", "{\"to\":\"a\nb\"}", Address{}, CodeInvalidPayload},
		{"bad escape", `{"to":"\x41"}`, Address{}, CodeInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAddress(json.RawMessage(tt.payload))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("ParseAddress(%q) error = %v, want nil", tt.payload, err)
				}
			} else {
				wantCode(t, err, tt.code)
			}
			if got != tt.want {
				t.Errorf("ParseAddress(%q) = %+v, want %+v", tt.payload, got, tt.want)
			}
		})
	}
	t.Run("nil payload", func(t *testing.T) {
		if got, err := ParseAddress(nil); err != nil || got != (Address{}) {
			t.Errorf("ParseAddress(nil) = %+v, %v; want no address, no error", got, err)
		}
	})
}

func TestAppendStamped(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		from    PeerID
		want    string
	}{
		{"object gets from first", `{"sdp":"v=0","type":"offer"}`, "alice", `{"from":"alice","sdp":"v=0","type":"offer"}`},
		{"empty object", `{}`, "alice", `{"from":"alice"}`},
		{"client from is dropped", `{"from":"evil","to":"bob"}`, "alice", `{"from":"alice","to":"bob"}`},
		{"client from of any type is dropped", `{"a":1,"from":{"id":"evil"},"b":2}`, "alice", `{"from":"alice","a":1,"b":2}`},
		{"every duplicate from is dropped", `{"from":1,"x":true,"from":2,"from":null}`, "alice", `{"from":"alice","x":true}`},
		{"escaped from is dropped", `{"fr\u006fm":"evil","x":1}`, "alice", `{"from":"alice","x":1}`},
		{"a nested from is the payload's own", `{"data":{"from":"x"}}`, "alice", `{"from":"alice","data":{"from":"x"}}`},
		{"other keys keep their escapes", `{"a\"b":"\u00e9\n"}`, "alice", `{"from":"alice","a\"b":"\u00e9\n"}`},
		{"whitespace between members is dropped", " { \"a\" : 1 ,\n\"b\":[1, 2] } ", "alice", `{"from":"alice","a":1,"b":[1, 2]}`},
		{"sender id is escaped", `{}`, `a"b\c` + "\x01", `{"from":"a\"b\\c\u0001"}`},
		{"sender id of invalid UTF-8", `{}`, "a\xffé", `{"from":"a\ufffdé"}`},
		{"string unchanged", `"hello"`, "alice", `"hello"`},
		{"number unchanged", `3.5`, "alice", `3.5`},
		{"null unchanged", `null`, "alice", `null`},
		{"array unchanged, nested objects too", `[ "a", {"x":1} ]`, "alice", `[ "a", {"x":1} ]`},
		{"no argument", ``, "alice", ``},
		{"invalid object unchanged", `{"a":1,`, "alice", `{"a":1,`},
		{"object with trailing garbage unchanged", `{"a":1}x`, "alice", `{"a":1}x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("PREFIX")
			got := AppendStamped(prefix, json.RawMessage(tt.payload), tt.from)
			if string(got) != "PREFIX"+tt.want {
				t.Errorf("AppendStamped(%q, %q) = %q, want %q", tt.payload, tt.from, got[min(len(got), len(prefix)):], tt.want)
			}
			if json.Valid([]byte(tt.payload)) && !json.Valid(got[len(prefix):]) {
				t.Errorf("AppendStamped(%q) made invalid JSON %q", tt.payload, got[len(prefix):])
			}
		})
	}
	t.Run("no allocation into a buffer with room", func(t *testing.T) {
		payload := json.RawMessage(`{"from":"evil","type":"offer","sdp":"v=0\r\n"}`)
		buf := make([]byte, 0, 256)
		if n := testing.AllocsPerRun(100, func() { buf = AppendStamped(buf[:0], payload, "alice") }); n != 0 {
			t.Errorf("AppendStamped allocated %v times per call, want 0", n)
		}
	})
}

func sortedIDs(ids []PeerID) []PeerID {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func wantRecipients(t testing.TB, r *Registry, from PeerID, addr Address, want ...PeerID) {
	t.Helper()
	got, err := r.Recipients(nil, from, addr)
	if err != nil {
		t.Fatalf("Recipients(%q, %+v) = %v", from, addr, err)
	}
	if !slices.Equal(sortedIDs(got), want) {
		t.Errorf("Recipients(%q, %+v) = %q, want %q", from, addr, sortedIDs(got), want)
	}
}

func wantRecipientsError(t testing.TB, r *Registry, from PeerID, addr Address, code string) {
	t.Helper()
	dst := []PeerID{"kept"}
	got, err := r.Recipients(dst, from, addr)
	wantCode(t, err, code)
	if !slices.Equal(got, []PeerID{"kept"}) {
		t.Errorf("refused Recipients(%q, %+v) returned %q, want dst unchanged", from, addr, got)
	}
}

func TestRecipients(t *testing.T) {
	// Layout:
	//   A: s, p, q
	//   B: s, p, b
	//   C: c            (s is not in C)
	//   lobby: l1, l2
	//   n: connected, in no room
	setup := func(t *testing.T) *Registry {
		t.Helper()
		r := newRegistry(t, nil)
		mustConnect(t, r, "s", "B")
		mustJoin(t, r, "s", "A")
		mustConnect(t, r, "p", "A")
		mustJoin(t, r, "p", "B")
		mustConnect(t, r, "q", "A")
		mustConnect(t, r, "b", "B")
		mustConnect(t, r, "c", "C")
		mustConnect(t, r, "l1", "")
		mustConnect(t, r, "l2", "")
		mustConnect(t, r, "n", "x")
		mustLeave(t, r, "n", "x")
		return r
	}

	tests := []struct {
		name   string
		before func(*testing.T, *Registry)
		from   PeerID
		addr   Address
		want   []PeerID
		code   string // "" means no error
	}{
		{name: "sender in no room", from: "n", code: CodeNotInRoom},
		{name: "sender in no room, with to", from: "n", addr: Address{To: "s"}, code: CodeNotInRoom},
		{name: "unknown sender", from: "ghost", code: CodeNotInRoom},
		{name: "disconnected sender", before: func(t *testing.T, r *Registry) { r.Disconnect("s") }, from: "s", code: CodeNotInRoom},
		{name: "every room of the sender, each member once", from: "s", want: []PeerID{"b", "p", "q"}},
		{name: "a room of one sender", from: "q", want: []PeerID{"p", "s"}},
		{name: "default room members reach each other", from: "l1", want: []PeerID{"l2"}},
		{name: "default room, to", from: "l1", addr: Address{To: "l2"}, want: []PeerID{"l2"}},
		{name: "default room, to outside it", from: "l1", addr: Address{To: "s"}, code: CodeNotInRoom},
		{name: "room B of the sender", from: "s", addr: Address{Room: "B"}, want: []PeerID{"b", "p"}},
		{name: "room A of the sender", from: "s", addr: Address{Room: "A"}, want: []PeerID{"p", "q"}},
		{name: "room not the sender's", from: "s", addr: Address{Room: "C"}, code: CodeNotInRoom},
		{name: "room that does not exist", from: "s", addr: Address{Room: "nowhere"}, code: CodeNotInRoom},
		{name: "default room not the sender's", from: "s", addr: Address{Room: "lobby"}, code: CodeNotInRoom},
		{name: "to a peer sharing A", from: "s", addr: Address{To: "q"}, want: []PeerID{"q"}},
		{name: "to a peer sharing B", from: "s", addr: Address{To: "b"}, want: []PeerID{"b"}},
		{name: "to a peer sharing both", from: "s", addr: Address{To: "p"}, want: []PeerID{"p"}},
		{name: "to, the other way", from: "q", addr: Address{To: "s"}, want: []PeerID{"s"}},
		{name: "to a peer in another room only", from: "s", addr: Address{To: "c"}, code: CodeNotInRoom},
		{name: "to a default room peer", from: "s", addr: Address{To: "l1"}, code: CodeNotInRoom},
		{name: "to a peer of the other room", from: "q", addr: Address{To: "b"}, code: CodeNotInRoom},
		{name: "to a connected peer in no room", from: "s", addr: Address{To: "n"}, code: CodeNotInRoom},
		{name: "to an unknown peer", from: "s", addr: Address{To: "ghost"}, code: CodeNotInRoom},
		{name: "to a peer that disconnected", before: func(t *testing.T, r *Registry) { r.Disconnect("q") }, from: "s", addr: Address{To: "q"}, code: CodeNotInRoom},
		{name: "to a peer that left the shared room", before: func(t *testing.T, r *Registry) { mustLeave(t, r, "q", "A") }, from: "s", addr: Address{To: "q"}, code: CodeNotInRoom},
		{name: "to the sender itself", from: "s", addr: Address{To: "s"}, code: CodeInvalidPayload},
		{name: "to the sender itself, in a room", from: "s", addr: Address{To: "s", Room: "A"}, code: CodeInvalidPayload},
		{name: "to and room both match", from: "s", addr: Address{To: "q", Room: "A"}, want: []PeerID{"q"}},
		{name: "to and room both match, B", from: "s", addr: Address{To: "p", Room: "B"}, want: []PeerID{"p"}},
		{name: "to shares A, not the addressed B", from: "s", addr: Address{To: "q", Room: "B"}, code: CodeNotInRoom},
		{name: "to shares B, not the addressed A", from: "s", addr: Address{To: "b", Room: "A"}, code: CodeNotInRoom},
		{name: "room not the sender's, with to", from: "s", addr: Address{To: "c", Room: "C"}, code: CodeNotInRoom},
		{name: "a lone member has no recipients", before: func(t *testing.T, r *Registry) { mustLeave(t, r, "l2", "") }, from: "l1", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup(t)
			if tt.before != nil {
				tt.before(t, r)
			}
			if tt.code != "" {
				wantRecipientsError(t, r, tt.from, tt.addr, tt.code)
				return
			}
			wantRecipients(t, r, tt.from, tt.addr, tt.want...)
		})
	}

	t.Run("appends to dst", func(t *testing.T) {
		r := setup(t)
		got, err := r.Recipients([]PeerID{"first"}, "q", Address{})
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != "first" || !slices.Equal(sortedIDs(got[1:]), []PeerID{"p", "s"}) {
			t.Errorf("Recipients appended %q, want first then p and s", got)
		}
	})
	t.Run("deduplicates across many shared rooms", func(t *testing.T) {
		r := newRegistry(t, nil)
		names := []string{"r5", "r1", "r4", "r2", "r3"}
		for _, id := range []PeerID{"s", "x", "y"} {
			mustConnect(t, r, id, "")
			for _, room := range names {
				mustJoin(t, r, id, room)
			}
		}
		mustConnect(t, r, "z", "r3")
		wantRecipients(t, r, "s", Address{}, "x", "y", "z")
		wantRecipients(t, r, "z", Address{}, "s", "x", "y")
	})
	t.Run("no allocation into a buffer with room", func(t *testing.T) {
		r := setup(t)
		dst := make([]PeerID, 0, 16)
		for _, addr := range []Address{{}, {Room: "A"}, {To: "q"}, {To: "p", Room: "B"}} {
			if n := testing.AllocsPerRun(100, func() { dst, _ = r.Recipients(dst[:0], "s", addr) }); n != 0 {
				t.Errorf("Recipients(%+v) allocated %v times per call, want 0", addr, n)
			}
		}
	})
}

func TestOthers(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "a", "call")
	mustConnect(t, r, "b", "call")
	mustConnect(t, r, "c", "call")
	mustConnect(t, r, "d", "other")
	tests := []struct {
		id   PeerID
		room string
		want []PeerID
	}{
		{"a", "call", []PeerID{"b", "c"}},
		{"c", "call", []PeerID{"a", "b"}},
		{"d", "call", []PeerID{"a", "b", "c"}}, // not a member: all of them
		{"d", "other", nil},
		{"a", "nowhere", nil},
	}
	for _, tt := range tests {
		got := r.Others([]PeerID{"kept"}, tt.id, tt.room)
		if got[0] != "kept" || !slices.Equal(sortedIDs(got[1:]), tt.want) {
			t.Errorf("Others(%q, %q) = %q, want kept then %q", tt.id, tt.room, got, tt.want)
		}
	}
}

// TestRelayPipeline runs a payload through what the server does for every
// relayed event: read the address, find the recipients, stamp "from".
func TestRelayPipeline(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "alice", "call")
	mustConnect(t, r, "bob", "call")
	mustConnect(t, r, "carol", "call")
	payload := json.RawMessage(`{"to":"bob","from":"mallory","sdp":"v=0"}`)

	addr, err := ParseAddress(payload)
	if err != nil {
		t.Fatalf("ParseAddress = %v", err)
	}
	wantRecipients(t, r, "alice", addr, "bob")
	var got map[string]any
	if err := json.Unmarshal(AppendStamped(nil, payload, "alice"), &got); err != nil {
		t.Fatal(err)
	}
	if got["from"] != "alice" || got["to"] != "bob" || got["sdp"] != "v=0" || len(got) != 3 {
		t.Errorf("stamped payload = %#v", got)
	}
}
