package transport

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// TestEventsAndAcks: events reach the handler with their name, arguments
// and ack id; an ack id is answered with an ACK of the same id.
func TestEventsAndAcks(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			c.send(t, txt(`42["x",1]`), txt(`421["x"]`), txt(`42456["message-with-ack",1,"2",{"3":[false]}]`), txt(`42["\u0065cho","é😀",null]`))
			for _, want := range []record{
				{name: "x", args: "[1]", ackID: NoAck},
				{name: "x", args: "[]", ackID: 1},
				{name: "message-with-ack", args: `[1,"2",{"3":[false]}]`, ackID: 456},
				{name: eventEcho, args: `["é😀",null]`, ackID: NoAck},
			} {
				if got := p.nextEvent(t); got.name != want.name || got.args != want.args || got.ackID != want.ackID || got.attachments != nil {
					t.Fatalf("Event %+v, want %+v", got, want)
				}
			}
			expect(t, c, txt(`431[]`), txt(`43456[1,"2",{"3":[false]}]`), txt(`42["echo","é😀",null]`))
		})
	}
}

// TestAckOnlyForAckIDs: Socket.Ack refuses an event that asked for none.
func TestAckOnlyForAckIDs(t *testing.T) {
	ts := newTestServer(t)
	c := ts.open(t, variants[1])
	p := ts.connect(t, c, variants[1], "")
	if p.sock.Ack(NoAck, []byte("[]")) {
		t.Fatal("Ack(NoAck) sent an ack")
	}
	if !p.sock.Ack(0, []byte(`["zero"]`)) {
		t.Fatal("Ack(0) was refused")
	}
	expect(t, c, txt(`430["zero"]`))
}

// TestBinaryEvents: a BINARY_EVENT's attachments reach the handler intact,
// in order, in both versions over both transports, and the server's
// BINARY_EVENT goes out with its attachments after it.
func TestBinaryEvents(t *testing.T) {
	big := bytes.Repeat([]byte{0, 0xff, 0x1e, '4'}, 20_000) // past a 64 KiB frame length
	attachments := [][]byte{{1, 2, 3}, {}, {0xff, 0xfe, 0x00, 0x1e}, big}
	var placeholders []string
	for i := range attachments {
		placeholders = append(placeholders, `{"_placeholder":true,"num":`+strconv.Itoa(i)+`}`)
	}
	args := strings.Join(placeholders, ",")
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			header := txt("454-" + `7["echo",` + args + `]`)
			send := []packet{header}
			for _, a := range attachments {
				send = append(send, bin(a...))
			}
			c.send(t, send...)
			r := p.nextEvent(t)
			if r.name != eventEcho || r.ackID != 7 || r.args != "["+args+"]" || len(r.attachments) != len(attachments) {
				t.Fatalf("Event %s %s ack %d with %d attachments", r.name, r.args, r.ackID, len(r.attachments))
			}
			for i, a := range attachments {
				if !bytes.Equal(r.attachments[i], a) {
					t.Fatalf("attachment %d: %d bytes, want %d, not intact", i, len(r.attachments[i]), len(a))
				}
			}
			want := []packet{txt(`454-["echo",` + args + `]`)}
			for _, a := range attachments {
				want = append(want, bin(a...))
			}
			want = append(want, txt(`437[`+args+`]`))
			expect(t, c, want...)
		})
	}
}

// TestBinaryAcksFromClients: a client's BINARY_ACK is read whole and
// dropped, roomcast asks for no acks; the session goes on.
func TestBinaryAcksFromClients(t *testing.T) {
	for _, v := range []variant{variants[0], variants[4]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			c.send(t, txt(`461-3[`+placeholder+`]`), bin(9), txt(`433["plain ack"]`), txt(`42["echo","after"]`))
			expect(t, c, txt(`42["echo","after"]`))
			if r := p.nextEvent(t); r.name != eventEcho {
				t.Fatalf("an ack reached the handler as %+v", r)
			}
		})
	}
}

// TestClientDisconnect: the client's DISCONNECT ends the socket, not the
// session, which may connect again.
func TestClientDisconnect(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			c.send(t, txt("41"))
			if reason := p.waitDisconnect(t); reason != ReasonClientDisconnect {
				t.Fatalf("Disconnect reason %q, want %q", reason, ReasonClientDisconnect)
			}
			if p.sock.Send([]byte(`2["x"]`)) {
				t.Fatal("a disconnected socket still takes packets")
			}
			if ts.srv.lookup(c.sid()) == nil {
				t.Fatal("the session closed with the socket")
			}
			c.send(t, txt("40"))
			q := ts.h.nextPeer(t)
			if v.v == 4 {
				expect(t, c, txt(`40{"sid":"`+q.sock.ID()+`"}`))
				if q.sock.ID() == p.sock.ID() {
					t.Fatal("the new socket reuses the old id")
				}
			} else {
				expect(t, c, txt("40"))
			}
			c.send(t, txt(`42["echo","again"]`))
			expect(t, c, txt(`42["echo","again"]`))
		})
	}
}

// TestServerDisconnect: Socket.Disconnect sends DISCONNECT, then the
// session closes once it is delivered.
func TestServerDisconnect(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			c.send(t, txt(`42["bye"]`))
			expect(t, c, txt("41"))
			c.waitClosed(t)
			if reason := p.waitDisconnect(t); reason != ReasonServerDisconnect {
				t.Fatalf("Disconnect reason %q, want %q", reason, ReasonServerDisconnect)
			}
		})
	}
}
