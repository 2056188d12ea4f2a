// Package bench holds roomcast's benchmarks: the Go micro-benchmarks of the
// relay hot path here, the load generator in loadgen, the Node.js reference
// in reference. See docs/performance.md.
package bench

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/rooms"
)

// registryWithRoom returns a registry where peers p0…p(size-1) share one room,
// joined the way a client's auth {room} joins it.
func registryWithRoom(b *testing.B, size int) *rooms.Registry {
	b.Helper()
	r := rooms.NewRegistry(rooms.DefaultConfig())
	for i := range size {
		id := rooms.PeerID(fmt.Sprintf("p%d", i))
		if _, err := r.Connect(id, rooms.SpaceSocketIO, "call"); err != nil {
			b.Fatalf("Connect(%s) = %v", id, err)
		}
	}
	return r
}

// iceCandidate is the raw JSON of a trickled ICE candidate as the transport
// hands it over; to, when set, addresses one peer.
func iceCandidate(to string) json.RawMessage {
	address := ""
	if to != "" {
		address = `"to":"` + to + `",`
	}
	return json.RawMessage(`{` + address + `"candidate":"candidate:842163049 1 udp 1677729535 127.0.0.1 50000 typ host generation 0 ufrag b3nc network-cost 999","sdpMid":"0","sdpMLineIndex":0}`)
}

// BenchmarkRelay is what the signaling handler does for every relayed event
// before handing it to the transport: read the address, find the
// recipients, stamp "from" into the packet buffer. The buffers are reused,
// as the handler reuses them.
func BenchmarkRelay(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
		to   string
	}{
		{"room of 2", 2, ""},
		{"room of 10", 10, ""},
		{"to one peer in room of 10", 10, "p7"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := registryWithRoom(b, bc.size)
			payload := iceCandidate(bc.to)
			recipients := make([]rooms.PeerID, 0, bc.size)
			packet := make([]byte, 0, 2*len(payload))
			b.ReportAllocs()
			for b.Loop() {
				addr, err := rooms.ParseAddress(payload)
				if err != nil {
					b.Fatal(err)
				}
				recipients, err = r.Recipients(recipients[:0], "p0", addr)
				if err != nil {
					b.Fatal(err)
				}
				if len(recipients) == 0 {
					b.Fatal("routed nowhere")
				}
				packet = rooms.AppendStamped(packet[:0], payload, "p0")
			}
		})
	}
}

func BenchmarkValidateName(b *testing.B) {
	for _, bc := range []struct{ name, room string }{
		{"short", "physics"},
		{"64 ascii", strings.Repeat("a", rooms.MaxNameLength)},
		{"64 multibyte", strings.Repeat("é", rooms.MaxNameLength)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := rooms.ValidateName(bc.room); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
