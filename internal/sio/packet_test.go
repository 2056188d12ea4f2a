package sio

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		in      string
		want    Packet
		wantErr error
	}{
		// The examples of socket.io-protocol (v5 and v4 revisions).
		{in: "0", want: Packet{Type: Connect, Namespace: "/", ID: NoID}},
		{in: `0{"token":"123"}`, want: Packet{Type: Connect, Namespace: "/", ID: NoID, Data: []byte(`{"token":"123"}`)}},
		{in: "0/admin,", want: Packet{Type: Connect, Namespace: "/admin", ID: NoID}},
		{in: "0/random", want: Packet{Type: Connect, Namespace: "/random", ID: NoID}},
		{in: `0/admin,{"token":"abc"}`, want: Packet{Type: Connect, Namespace: "/admin", ID: NoID, Data: []byte(`{"token":"abc"}`)}},
		{in: "0/admin?token=1234&uid=abcd,", want: Packet{Type: Connect, Namespace: "/admin?token=1234&uid=abcd", ID: NoID}},
		{in: "1", want: Packet{Type: Disconnect, Namespace: "/", ID: NoID}},
		{in: "1/admin,", want: Packet{Type: Disconnect, Namespace: "/admin", ID: NoID}},
		{in: `2["foo"]`, want: Packet{Type: Event, Namespace: "/", ID: NoID, Data: []byte(`["foo"]`)}},
		{in: `212["foo"]`, want: Packet{Type: Event, Namespace: "/", ID: 12, Data: []byte(`["foo"]`)}},
		{in: `20["foo"]`, want: Packet{Type: Event, Namespace: "/", ID: 0, Data: []byte(`["foo"]`)}},
		{in: `2/admin,456["project:delete",123]`, want: Packet{Type: Event, Namespace: "/admin", ID: 456, Data: []byte(`["project:delete",123]`)}},
		{in: `2123456789012345["x"]`, want: Packet{Type: Event, Namespace: "/", ID: 123456789012345, Data: []byte(`["x"]`)}},
		{in: `3/admin,13["bar"]`, want: Packet{Type: Ack, Namespace: "/admin", ID: 13, Data: []byte(`["bar"]`)}},
		{in: `3456[]`, want: Packet{Type: Ack, Namespace: "/", ID: 456, Data: []byte(`[]`)}},
		{in: `4{"message":"Not authorized"}`, want: Packet{Type: ConnectError, Namespace: "/", ID: NoID, Data: []byte(`{"message":"Not authorized"}`)}},
		{in: `4/admin,"Not authorized"`, want: Packet{Type: ConnectError, Namespace: "/admin", ID: NoID, Data: []byte(`"Not authorized"`)}},
		{in: `51-["baz",{"_placeholder":true,"num":0}]`, want: Packet{Type: BinaryEvent, Namespace: "/", Attachments: 1, ID: NoID, Data: []byte(`["baz",{"_placeholder":true,"num":0}]`)}},
		{in: `52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, want: Packet{Type: BinaryEvent, Namespace: "/admin", Attachments: 2, ID: NoID, Data: []byte(`["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)}},
		{in: `52-789["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, want: Packet{Type: BinaryEvent, Namespace: "/", Attachments: 2, ID: 789, Data: []byte(`["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)}},
		{in: `50-["x"]`, want: Packet{Type: BinaryEvent, Namespace: "/", ID: NoID, Data: []byte(`["x"]`)}},
		{in: `61-15["bar",{"_placeholder":true,"num":0}]`, want: Packet{Type: BinaryAck, Namespace: "/", Attachments: 1, ID: 15, Data: []byte(`["bar",{"_placeholder":true,"num":0}]`)}},
		{in: `2["é😀"]`, want: Packet{Type: Event, Namespace: "/", ID: NoID, Data: []byte(`["é😀"]`)}},

		{in: "", wantErr: ErrType},
		{in: "7", wantErr: ErrType},
		{in: "abc", wantErr: ErrType},
		{in: "/", wantErr: ErrType},
		{in: "2", wantErr: ErrPayload},                      // an event needs a payload
		{in: "2{}", wantErr: ErrPayload},                    // not an array
		{in: "2[]", wantErr: ErrPayload},                    // no name
		{in: "2[1]", wantErr: ErrPayload},                   // the name is no string
		{in: `2["x",]`, wantErr: ErrPayload},                // invalid JSON
		{in: `2["x"`, wantErr: ErrPayload},                  // truncated JSON
		{in: `2abc["x"]`, wantErr: ErrPayload},              // an ack id that is no number
		{in: `21234567890123456["x"]`, wantErr: ErrID},      // 16 digits
		{in: `0[]`, wantErr: ErrPayload},                    // connect payloads are objects
		{in: `0"x"`, wantErr: ErrPayload},                   // likewise
		{in: `1{}`, wantErr: ErrPayload},                    // disconnect has no payload
		{in: "3", wantErr: ErrPayload},                      // an ack needs an array
		{in: "3{}", wantErr: ErrPayload},                    // likewise
		{in: "4", wantErr: ErrPayload},                      // an error needs a message
		{in: "4[]", wantErr: ErrPayload},                    // of the right shape
		{in: `5["x"]`, wantErr: ErrAttachments},             // no count
		{in: `5-["x"]`, wantErr: ErrAttachments},            // likewise
		{in: `51["x"]`, wantErr: ErrAttachments},            // no dash
		{in: `51234567-["x"]`, wantErr: ErrAttachments},     // 7 digits
		{in: `6x-["x"]`, wantErr: ErrAttachments},           // no number
		{in: `51-{}`, wantErr: ErrPayload},                  // a binary event is an event
		{in: "61-", wantErr: ErrPayload},                    // a binary ack needs an array
		{in: "2[\"\xff\"]", wantErr: ErrEncoding},           // text must be UTF-8
		{in: "2[\"\xed\xa0\x80\"]", wantErr: ErrEncoding},   // a UTF-8 encoded surrogate
		{in: "0/\xff,", wantErr: ErrEncoding},               // in the namespace too
		{in: "2[\"x\",\"\xe2\x82\"]", wantErr: ErrEncoding}, // a truncated sequence
	}
	for _, tt := range tests {
		p, err := Decode([]byte(tt.in))
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Decode(%q) = %+v, %v; want %v", tt.in, p, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !samePacket(p, tt.want) {
			t.Errorf("Decode(%q) = %+v, %v\nwant %+v", tt.in, p, err, tt.want)
		}
	}
}

func samePacket(a, b Packet) bool {
	return a.Type == b.Type && a.Namespace == b.Namespace && a.Attachments == b.Attachments &&
		a.ID == b.ID && string(a.Data) == string(b.Data) && (a.Data == nil) == (b.Data == nil)
}

func TestEventName(t *testing.T) {
	tests := []struct {
		in       string
		wantName string
		wantArgs []string
		wantOK   bool
	}{
		{in: `["x"]`, wantName: "x", wantOK: true},
		{in: `["message",1,"2",{"3":[true]}]`, wantName: "message", wantArgs: []string{`1`, `"2"`, `{"3":[true]}`}, wantOK: true},
		{in: ` [ "spaced" , null ] `, wantName: "spaced", wantArgs: []string{`null`}, wantOK: true},
		{in: `["a\"b",[1,[2]]]`, wantName: `a"b`, wantArgs: []string{`[1,[2]]`}, wantOK: true},
		{in: `["\u006aoin","room"]`, wantName: "join", wantArgs: []string{`"room"`}, wantOK: true},
		{in: `["user disconnected"]`, wantName: "user disconnected", wantOK: true},
		{in: `[""]`, wantName: "", wantOK: true},
		{in: `[]`},
		{in: `[1,"x"]`},
		{in: `{"x":1}`},
		{in: `"x"`},
		{in: ``},
		{in: `[`},
	}
	for _, tt := range tests {
		name, args, ok := EventName([]byte(tt.in))
		if ok != tt.wantOK {
			t.Errorf("EventName(%q) ok = %v, want %v", tt.in, ok, tt.wantOK)
			continue
		}
		if !ok {
			continue
		}
		var got []string
		for a, more := args.Next(); more; a, more = args.Next() {
			got = append(got, string(a))
		}
		if string(name) != tt.wantName || strings.Join(got, "|") != strings.Join(tt.wantArgs, "|") {
			t.Errorf("EventName(%q) = %q, %q; want %q, %q", tt.in, name, got, tt.wantName, tt.wantArgs)
		}
	}
}

func TestAppendHeader(t *testing.T) {
	tests := []struct {
		t           Type
		nsp         string
		attachments int
		id          int64
		want        string
	}{
		{Connect, "", 0, NoID, "0"},
		{Connect, "/", 0, NoID, "0"},
		{Connect, "/admin", 0, NoID, "0/admin,"},
		{Disconnect, "/", 0, NoID, "1"},
		{Event, "/", 0, NoID, "2"},
		{Event, "/", 0, 12, "212"},
		{Ack, "/admin", 0, 13, "3/admin,13"},
		{Ack, "/", 0, 0, "30"},
		{BinaryEvent, "/", 1, NoID, "51-"},
		{BinaryEvent, "/admin", 2, 456, "52-/admin,456"},
		{BinaryAck, "/", 2, 789, "62-789"},
	}
	for _, tt := range tests {
		if got := AppendHeader(nil, tt.t, tt.nsp, tt.attachments, tt.id); string(got) != tt.want {
			t.Errorf("AppendHeader(%d, %q, %d, %d) = %q, want %q", tt.t, tt.nsp, tt.attachments, tt.id, got, tt.want)
		}
	}
}

func TestAppendConnectError(t *testing.T) {
	tests := []struct {
		v       Version
		nsp     string
		message string
		want    string
	}{
		{V5, "/", "Not authorized", `4{"message":"Not authorized"}`},
		{V5, "/random", "Invalid namespace", `4/random,{"message":"Invalid namespace"}`},
		{V4, "/", "Not authorized", `4"Not authorized"`},
		{V4, "/random", "Invalid namespace", `4/random,"Invalid namespace"`},
		{V5, "", `say "no"`, `4{"message":"say \"no\""}`},
	}
	for _, tt := range tests {
		got := AppendConnectError(nil, tt.v, tt.nsp, tt.message)
		if string(got) != tt.want {
			t.Errorf("AppendConnectError(%d, %q, %q) = %s, want %s", tt.v, tt.nsp, tt.message, got, tt.want)
			continue
		}
		if p, err := Decode(got); err != nil || p.Type != ConnectError {
			t.Errorf("Decode(%s) = %+v, %v: the refusal must decode", got, p, err)
		}
	}
}

// TestHeaderRoundTrip encodes packets with AppendHeader and a payload, then
// decodes them.
func TestHeaderRoundTrip(t *testing.T) {
	packets := []Packet{
		{Type: Connect, Namespace: "/", ID: NoID, Data: []byte(`{"room":"a"}`)},
		{Type: Event, Namespace: "/", ID: 7, Data: []byte(`["x",1]`)},
		{Type: Event, Namespace: "/chat", ID: NoID, Data: []byte(`["x"]`)},
		{Type: Ack, Namespace: "/", ID: 0, Data: []byte(`[]`)},
		{Type: BinaryEvent, Namespace: "/", Attachments: 3, ID: 42, Data: []byte(`["b",{"_placeholder":true,"num":0}]`)},
		{Type: BinaryAck, Namespace: "/x", Attachments: 1, ID: 1, Data: []byte(`[{"_placeholder":true,"num":0}]`)},
		{Type: Disconnect, Namespace: "/", ID: NoID},
	}
	for _, want := range packets {
		b := append(AppendHeader(nil, want.Type, want.Namespace, want.Attachments, want.ID), want.Data...)
		got, err := Decode(b)
		if err != nil || !samePacket(got, want) {
			t.Errorf("Decode(%q) = %+v, %v; want %+v", b, got, err, want)
		}
	}
}
