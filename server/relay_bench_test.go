package server

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/roomcast/roomcast/rooms"
)

// nullPeer is a peer whose transport does nothing, so the benchmarks below
// measure roomcast's own work per relayed event: parsing the address,
// routing, stamping "from", and building the emit.
type nullPeer struct{ id rooms.PeerID }

func (p nullPeer) ID() rooms.PeerID                      { return p.id }
func (nullPeer) Subscribe(string)                        {}
func (nullPeer) Unsubscribe(string)                      {}
func (nullPeer) Emit(string, ...any)                     {}
func (nullPeer) EmitToRooms([]string, string, ...any)    {}
func (nullPeer) EmitToPeer(rooms.PeerID, string, ...any) {}

// benchRoom puts size peers in one room and returns the first.
func benchRoom(b *testing.B, size int) (*signaling, nullPeer) {
	b.Helper()
	s := newSignaling(rooms.NewRegistry(rooms.DefaultConfig()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i := 0; i < size; i++ {
		s.connect(nullPeer{rooms.PeerID(fmt.Sprintf("peer-%02d", i))}, "call")
	}
	return s, nullPeer{"peer-00"}
}

// BenchmarkRelayHandler is one "ice" event through the handler, with and
// without an ack, to a room of 2 and of 10, and addressed to one peer.
func BenchmarkRelayHandler(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
		to   string
		ack  bool
	}{
		{"pairs", 2, "", false},
		{"pairs/ack", 2, "", true},
		{"classroom", 10, "", false},
		{"classroom/to-one", 10, "peer-05", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, sender := benchRoom(b, bc.size)
			var r reply
			if bc.ack {
				r = func(...any) {}
			}
			b.ReportAllocs()
			for b.Loop() {
				payload := map[string]any{"candidate": "candidate:1 1 udp 2122260223 10.0.0.1 54321 typ host", "seq": 1}
				if bc.to != "" {
					payload["to"] = bc.to
				}
				s.handle(sender, "ice", []any{payload}, r)
			}
		})
	}
}
