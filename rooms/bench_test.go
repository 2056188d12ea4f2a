package rooms

import (
	"encoding/json"
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
		if _, err := r.Connect(id, SpaceSocketIO, "room"); err != nil {
			b.Fatalf("Connect(%q) = %v", id, err)
		}
	}
	return r
}

// benchCandidate is a trickled ICE candidate as a page sends it; extra
// members go first, the way pages spread {to, ...candidate}.
func benchCandidate(extra string) json.RawMessage {
	return json.RawMessage(`{` + extra + `"candidate":"candidate:842163049 1 udp 1677729535 127.0.0.1 50000 typ host generation 0 ufrag b3nc network-cost 999","sdpMid":"0","sdpMLineIndex":0}`)
}

// relayCases are the relays the three hot-path benchmarks share.
var relayCases = []struct {
	name    string
	members int
	payload json.RawMessage
}{
	{"room of 2", 2, benchCandidate("")},
	{"room of 10", 10, benchCandidate("")},
	{"to in room of 10", 10, benchCandidate(`"to":"m7",`)},
	{"client from in room of 10", 10, benchCandidate(`"from":"spoofed",`)},
}

func BenchmarkParseAddress(b *testing.B) {
	for _, bc := range relayCases {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.payload)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseAddress(bc.payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendStamped(b *testing.B) {
	for _, bc := range relayCases {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 2*len(bc.payload))
			b.SetBytes(int64(len(bc.payload)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendStamped(buf[:0], bc.payload, "m0")
			}
		})
	}
}

func BenchmarkRecipients(b *testing.B) {
	for _, bc := range relayCases {
		b.Run(bc.name, func(b *testing.B) {
			r := benchRoom(b, bc.members)
			addr, err := ParseAddress(bc.payload)
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]PeerID, 0, bc.members)
			b.ReportAllocs()
			for b.Loop() {
				var rerr *Error
				if dst, rerr = r.Recipients(dst[:0], "m0", addr); rerr != nil || len(dst) == 0 {
					b.Fatalf("Recipients = %q, %v", dst, rerr)
				}
			}
		})
	}
}
