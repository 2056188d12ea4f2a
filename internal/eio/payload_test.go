package eio

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// decodeAll collects every packet of a payload, copying the data: packets
// are slices of the body.
func decodeAll(v Version, body []byte, binaryBody bool) ([]Packet, error) {
	var got []Packet
	err := DecodePayload(v, body, binaryBody, func(p Packet) error {
		p.Data = append([]byte{}, p.Data...)
		got = append(got, p)
		return nil
	})
	return got, err
}

func text(t Type, data string) Packet { return Packet{Type: t, Data: []byte(data)} }
func bin(data ...byte) Packet         { return Packet{Type: Message, Data: data, Binary: true} }

func samePackets(a, b []Packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Binary != b[i].Binary || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func describe(ps []Packet) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "{%d %q binary=%v} ", p.Type, p.Data, p.Binary)
	}
	return b.String()
}

// payloadCase is one body and the packets it holds, or an error.
type payloadCase struct {
	name    string
	body    string
	want    []Packet
	wantErr bool
}

func runPayloadCases(t *testing.T, v Version, binaryBody bool, tests []payloadCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(v, []byte(tt.body), binaryBody)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("DecodePayload(%q) = %s, %v; want ErrInvalid", tt.body, describe(got), err)
				}
				return
			}
			if err != nil || !samePackets(got, tt.want) {
				t.Fatalf("DecodePayload(%q) = %s, %v\nwant %s", tt.body, describe(got), err, describe(tt.want))
			}
		})
	}
}

func TestDecodePayloadV4(t *testing.T) {
	runPayloadCases(t, V4, false, []payloadCase{
		{name: "one packet", body: "4hello", want: []Packet{text(Message, "hello")}},
		{name: "several packets", body: "4test1\x1e4test2\x1e4test3",
			want: []Packet{text(Message, "test1"), text(Message, "test2"), text(Message, "test3")}},
		{name: "text and base64 binary", body: "4hello\x1ebAQIDBA==", want: []Packet{text(Message, "hello"), bin(1, 2, 3, 4)}},
		{name: "pong and close", body: "3\x1e1", want: []Packet{text(Pong, ""), text(Close, "")}},
		{name: "empty binary", body: "b", want: []Packet{bin()}},
		{name: "a binary type option is ignored", body: "4€", want: []Packet{text(Message, "€")}},
		{name: "empty body", body: "", wantErr: true},
		{name: "not a packet", body: "abc", wantErr: true},
		{name: "trailing separator", body: "4a\x1e", wantErr: true},
		{name: "leading separator", body: "\x1e4a", wantErr: true},
		{name: "unknown type after a good packet", body: "4a\x1e7", wantErr: true},
		{name: "invalid base64", body: "bAQ", wantErr: true},
		{name: "base64 without padding", body: "bAQIDBA", wantErr: true},
	})
}

func TestDecodePayloadV3Text(t *testing.T) {
	runPayloadCases(t, V3, false, []payloadCase{
		{name: "one packet", body: "6:4hello", want: []Packet{text(Message, "hello")}},
		{name: "several packets", body: "6:4test16:4test26:4test3",
			want: []Packet{text(Message, "test1"), text(Message, "test2"), text(Message, "test3")}},
		{name: "text and base64 binary", body: "6:4hello10:b4AQIDBA==", want: []Packet{text(Message, "hello"), bin(1, 2, 3, 4)}},
		{name: "euro sign is one UTF-16 unit", body: "2:4€", want: []Packet{text(Message, "€")}},
		{name: "emoji is two UTF-16 units", body: "3:4😀", want: []Packet{text(Message, "😀")}},
		{name: "mixed characters", body: "5:4a€😀1:2", want: []Packet{text(Message, "a€😀"), text(Ping, "")}},
		{name: "ping", body: "1:2", want: []Packet{text(Ping, "")}},
		{name: "empty base64 binary", body: "2:b4", want: []Packet{bin()}},
		{name: "empty body", body: "", wantErr: true},
		{name: "no length", body: "abc", wantErr: true},
		{name: "empty length", body: ":4a", wantErr: true},
		{name: "zero length", body: "0:", wantErr: true},
		{name: "negative length", body: "-1:4", wantErr: true},
		{name: "length past the body", body: "5:4a", wantErr: true},
		{name: "length in bytes instead of units", body: "4:4€", wantErr: true},
		{name: "length splitting a surrogate pair", body: "2:4😀", wantErr: true},
		{name: "trailing garbage", body: "2:4a2", wantErr: true},
		{name: "eleven length digits", body: "12345678901:4", wantErr: true},
		{name: "unknown type", body: "1:9", wantErr: true},
		{name: "invalid base64", body: "3:b4!", wantErr: true},
		{name: "base64 binary of a type other than message", body: "6:b3AQID", wantErr: true},
		{name: "truncated base64 item", body: "10:b4AQ", wantErr: true},
	})
}

func TestDecodePayloadV3Binary(t *testing.T) {
	runPayloadCases(t, V3, true, []payloadCase{
		// The engine.io-protocol test suite's answer, read back.
		{name: "text and binary", body: "\x00\x06\xff4hello\x01\x05\xff\x04\x01\x02\x03\x04",
			want: []Packet{text(Message, "hello"), bin(1, 2, 3, 4)}},
		// The v3 README's example: lengths count bytes, not characters.
		{name: "euro sign counts bytes", body: "\x00\x04\xff4€\x01\x05\xff\x04\x01\x02\x03\x04",
			want: []Packet{text(Message, "€"), bin(1, 2, 3, 4)}},
		{name: "two-digit length", body: "\x00\x01\x02\xff4" + strings.Repeat("x", 11), want: []Packet{text(Message, strings.Repeat("x", 11))}},
		{name: "empty body", body: "", wantErr: true},
		{name: "unknown kind", body: "\x02\x01\xff4", wantErr: true},
		{name: "no digits", body: "\x00\xff4", wantErr: true},
		{name: "digit above nine", body: "\x00\x0a\xff4", wantErr: true},
		{name: "no separator", body: "\x00\x01\x02", wantErr: true},
		{name: "length past the body", body: "\x00\x05\xff4a", wantErr: true},
		{name: "eleven length digits", body: "\x00" + strings.Repeat("\x01", 11) + "\xff4", wantErr: true},
		{name: "binary item of a type other than message", body: "\x01\x02\xff\x03\x01", wantErr: true},
		{name: "text item of an unknown type", body: "\x00\x01\xff9", wantErr: true},
	})
}

func TestDecodePayloadStopsAtTheCallbacksError(t *testing.T) {
	stop := errors.New("stop")
	bodies := []struct {
		v          Version
		binaryBody bool
		body       string
	}{
		{V4, false, "4a\x1e4b"},
		{V3, false, "2:4a2:4b"},
		{V3, true, "\x00\x02\xff4a\x00\x02\xff4b"},
	}
	for _, b := range bodies {
		calls := 0
		err := DecodePayload(b.v, []byte(b.body), b.binaryBody, func(Packet) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("DecodePayload(%q): %v after %d calls, want the callback's error after 1", b.body, err, calls)
		}
	}
}

func TestAppendV4(t *testing.T) {
	var body []byte
	for i, p := range []Packet{text(Message, "hello"), bin(1, 2, 3, 4), text(Ping, "")} {
		body = AppendV4(body, p, i > 0)
	}
	if want := "4hello\x1ebAQIDBA==\x1e2"; string(body) != want {
		t.Fatalf("AppendV4 = %q, want %q", body, want)
	}
}

func TestAppendV3Text(t *testing.T) {
	tests := []struct {
		p    Packet
		want string
	}{
		{text(Message, "hello"), "6:4hello"},
		{text(Message, "€"), "2:4€"},
		{text(Message, "😀"), "3:4😀"},
		{text(Message, `2["x","€😀"]`), "13:42[\"x\",\"€😀\"]"},
		{text(Pong, ""), "1:3"},
		{bin(1, 2, 3, 4), "10:b4AQIDBA=="},
		{bin(), "2:b4"},
	}
	for _, tt := range tests {
		if got := AppendV3Text(nil, tt.p); string(got) != tt.want {
			t.Errorf("AppendV3Text(%s) = %q, want %q", describe([]Packet{tt.p}), got, tt.want)
		}
	}
}

func TestAppendV3Binary(t *testing.T) {
	body := AppendV3Binary(nil, text(Message, "hello"))
	body = AppendV3Binary(body, bin(1, 2, 3, 4))
	// The engine.io-protocol test suite's expected bytes.
	want := []byte{0, 6, 255, 52, 104, 101, 108, 108, 111, 1, 5, 255, 4, 1, 2, 3, 4}
	if !bytes.Equal(body, want) {
		t.Fatalf("AppendV3Binary = %v, want %v", body, want)
	}
	if got := AppendV3Binary(nil, text(Message, "€")); !bytes.Equal(got, []byte("\x00\x04\xff4€")) {
		t.Fatalf("AppendV3Binary(€) = %v: the length counts bytes", got)
	}
	long := AppendV3Binary(nil, text(Message, strings.Repeat("x", 122)))
	if !bytes.HasPrefix(long, []byte{0, 1, 2, 3, 255, '4'}) {
		t.Fatalf("AppendV3Binary(123 bytes) starts %v, want one byte per decimal digit", long[:6])
	}
}

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"a", 1}, {"€", 1}, {"😀", 2}, {"a€😀", 4}, {"\xff", 1}, {"\xe2\x82", 2},
	}
	for _, tt := range tests {
		if got := UTF16Len([]byte(tt.in)); got != tt.want {
			t.Errorf("UTF16Len(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestPayloadRoundTrip encodes packet lists in each format and reads them
// back.
func TestPayloadRoundTrip(t *testing.T) {
	lists := [][]Packet{
		{text(Message, "hello")},
		{text(Open, `{"sid":"x"}`), text(Message, "0")},
		{text(Message, `2["€","😀"]`), bin(0, 1, 0xff), text(Noop, ""), bin()},
		{text(Message, strings.Repeat("é", 500)), bin(bytes.Repeat([]byte{7}, 300)...)},
	}
	for i, ps := range lists {
		for _, f := range payloadFormats {
			got, err := decodeAll(f.v, f.encode(ps), f.binaryBody)
			if err != nil || !samePackets(got, ps) {
				t.Errorf("list %d, %s: read back %s, %v\nwant %s", i, f.name, describe(got), err, describe(ps))
			}
		}
	}
}

// payloadFormats are the three polling payload formats with their encoders.
var payloadFormats = []struct {
	name       string
	v          Version
	binaryBody bool
	encode     func([]Packet) []byte
}{
	{"v4", V4, false, func(ps []Packet) []byte {
		var b []byte
		for i, p := range ps {
			b = AppendV4(b, p, i > 0)
		}
		return b
	}},
	{"v3 text", V3, false, func(ps []Packet) []byte {
		var b []byte
		for _, p := range ps {
			b = AppendV3Text(b, p)
		}
		return b
	}},
	{"v3 binary", V3, true, func(ps []Packet) []byte {
		var b []byte
		for _, p := range ps {
			b = AppendV3Binary(b, p)
		}
		return b
	}},
}
