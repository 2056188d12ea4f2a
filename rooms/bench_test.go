package rooms

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkValidateName(b *testing.B) {
	for _, bc := range []struct{ name, input string }{
		{"short", "standup"},
		{"max ascii", strings.Repeat("a", MaxNameLength)},
		{"max multibyte", strings.Repeat("é", MaxNameLength)},
		{"too long", strings.Repeat("a", 1024)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = ValidateName(bc.input)
			}
		})
	}
}

// benchRoom returns a registry holding one room of members peers, "m0" being
// the sender; the sender is in that room only.
func benchRoom(b *testing.B, members int) *Registry {
	b.Helper()
	r := newRegistry(b, nil)
	for i := range members {
		id := PeerID(fmt.Sprintf("m%d", i))
		if _, err := r.Connect(id, "room"); err != nil {
			b.Fatalf("Connect(%q) = %v", id, err)
		}
	}
	return r
}

func BenchmarkRoute(b *testing.B) {
	r := benchRoom(b, 10)
	cases := []struct {
		name string
		addr Address
	}{
		{"room wide", Address{}},
		{"to peer", Address{To: "m7"}},
		{"to peer in room", Address{To: "m7", Room: "room"}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := r.Route("m0", bc.addr); err != nil {
				b.Fatalf("Route = %v", err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = r.Route("m0", bc.addr)
			}
		})
	}
}

func BenchmarkParseAddressAndStamp(b *testing.B) {
	payload := map[string]any{
		"to":   "peer-2",
		"room": "room",
		"from": "spoofed",
		"type": "offer",
		"sdp":  "v=0\r\no=- 46117317 2 IN IP4 127.0.0.1\r\n",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAddress(payload); err != nil {
			b.Fatalf("ParseAddress = %v", err)
		}
		_ = Stamp(payload, "peer-1")
	}
}
