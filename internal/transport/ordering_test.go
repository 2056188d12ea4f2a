package transport

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// orderedEvents is how many events the ordering tests pipeline.
const orderedEvents = 200

// TestEventsInOrderThenDisconnect pipelines many events and the close
// packet: the handler sees every event in order, then Disconnect.
func TestEventsInOrderThenDisconnect(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			var ps []packet
			for i := range orderedEvents {
				ps = append(ps, txt(`42["seq",`+strconv.Itoa(i)+`]`))
			}
			c.send(t, append(ps, txt("1"))...)
			for i := range orderedEvents {
				if r := p.nextEvent(t); r.args != "["+strconv.Itoa(i)+"]" {
					t.Fatalf("event %d has arguments %s", i, r.args)
				}
			}
			if reason := p.waitDisconnect(t); reason != ReasonTransportClose {
				t.Fatalf("Disconnect reason %q", reason)
			}
			p.noEvents(t)
		})
	}
}

// TestDisconnectWaitsForTheRunningEvent closes a session while its handler
// is inside Event: Disconnect comes only after Event returns (the fixture
// also reports any overlap).
func TestDisconnectWaitsForTheRunningEvent(t *testing.T) {
	ts := newTestServer(t)
	c := ts.open(t, variants[1])
	p := ts.connect(t, c, variants[1], "")
	c.send(t, txt(`42["block"]`))
	p.nextEvent(t) // the handler is now waiting for release
	p.sock.Close(ReasonClosedByApplication)
	select {
	case reason := <-p.disconnected:
		t.Fatalf("Disconnect (%q) while Event was still running", reason)
	case <-time.After(100 * time.Millisecond): // a window for a wrong Disconnect to show
	}
	ts.h.release <- struct{}{}
	if reason := p.waitDisconnect(t); reason != ReasonClosedByApplication {
		t.Fatalf("Disconnect reason %q", reason)
	}
}

// TestPacketsSentDuringConnect: what the handler sends while admitting a
// socket reaches the client right after the connect answer.
func TestPacketsSentDuringConnect(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.h.onConnect = func(s *Socket, _ json.RawMessage) error {
				s.Emit("welcome", 1)
				s.SendBinary([]byte(`51-["file",`+placeholder+`]`), [][]byte{{9, 8}})
				s.Emit("welcome", 2)
				return nil
			}
			c := ts.open(t, v)
			ts.connect(t, c, v, "") // reads the connect answer first
			expect(t, c, txt(`42["welcome",1]`), txt(`451-["file",`+placeholder+`]`), bin(9, 8), txt(`42["welcome",2]`))
		})
	}
}

// TestAdmittedSocketClosedDuringConnect: a session that closes while its
// handler admits the socket (the handler closes it, or overflows its queue)
// still gets Disconnect for the admitted socket, as the Handler contract
// promises: a server registers the socket in Connect and forgets it only in
// Disconnect.
func TestAdmittedSocketClosedDuringConnect(t *testing.T) {
	tests := []struct {
		name    string
		connect func(*Socket)
		reason  string
	}{
		{"closed by the handler", func(s *Socket) { s.Close(ReasonClosedByApplication) }, ReasonClosedByApplication},
		{"queue overflow", func(s *Socket) {
			big := `2["flood","` + strings.Repeat("x", 8<<10) + `"]`
			for i := 0; i < 1000 && s.Send([]byte(big)); i++ {
			}
		}, ReasonSlowConsumer},
	}
	for _, v := range []variant{variants[1], variants[0], variants[2]} {
		for _, tt := range tests {
			t.Run(v.name+" "+tt.name, func(t *testing.T) {
				ts := newTestServer(t, func(c *Config) { c.MaxPayload, c.MaxQueuedBytes = 16<<10, 64<<10 })
				ts.h.onConnect = func(s *Socket, _ json.RawMessage) error {
					tt.connect(s)
					return nil
				}
				c := ts.open(t, v)
				if v.v == 4 {
					c.send(t, txt("40"))
				}
				p := ts.h.nextPeer(t)
				if reason := p.waitDisconnect(t); reason != tt.reason {
					t.Fatalf("Disconnect reason %q, want %q", reason, tt.reason)
				}
				waitUntil(t, "the session is gone", func() bool { return ts.srv.Stats().Sessions() == 0 })
			})
		}
	}
}
