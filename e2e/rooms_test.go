package e2e

import (
	"strings"
	"testing"
)

// inRoom is the connect option that joins a room at once: auth.room for
// socket.io 3+, and the query parameter that 2.x clients can send too.
func inRoom(room string) map[string]any {
	return map[string]any{"auth": map[string]any{"room": room}, "query": map[string]any{"room": room}}
}

func TestHandshakeRoomJoinsAtOnce(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, inRoom("physics"))
	var ja joinResult
	a.next(t, "joined").arg(t, 0, &ja)
	if ja.Room != "physics" || ja.ID != a.ID || len(ja.Peers) != 0 {
		t.Fatalf("a joined %+v", ja)
	}
	// The query parameter works too, for clients that have no auth (2.x).
	b := d.connect(s, "b", clientV2, map[string]any{"query": map[string]any{"room": "physics"}})
	var jb joinResult
	b.next(t, "joined").arg(t, 0, &jb)
	sameIDs(t, "b's peers", jb.Peers, a)
	a.wantPeerEvent(t, "peer-joined", "physics", b)
}

func TestHandshakeRoomRefusedWithJoinError(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, inRoom(strings.Repeat("x", 65)))
	var e struct{ Room, Code, Message string }
	a.next(t, "join-error").arg(t, 0, &e)
	if e.Code != "invalid-room" || e.Message == "" || e.Room != strings.Repeat("x", 65) {
		t.Fatalf("join-error %+v", e)
	}
	// The socket is in no room, not even the default one: it asked for a room.
	wantCode(t, a.call(t, "offer", map[string]any{}), "not-in-room")
}

func TestJoinAck(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, nil)
	b := d.connect(s, "b", clientV4, nil)
	c := d.connect(s, "c", clientV4, nil)

	if j := a.join(t, "call"); j.Room != "call" || j.ID != a.ID || len(j.Peers) != 0 || len(j.Clients) != 0 {
		t.Fatalf("first join: %+v", j)
	}
	j := b.join(t, map[string]any{"room": "call"}) // the object form
	sameIDs(t, "peers", j.Peers, a)
	if _, ok := j.Clients[a.ID]; !ok || len(j.Clients) != 1 {
		t.Fatalf("clients = %v, want {%s: {}}", j.Clients, a.ID)
	}
	a.wantPeerEvent(t, "peer-joined", "call", b)
	j = c.join(t, "call")
	sameIDs(t, "peers", j.Peers, a, b)

	t.Run("twice is harmless", func(t *testing.T) {
		again := b.join(t, "call")
		sameIDs(t, "peers on the second join", again.Peers, a, c)
		a.barrier(t)
		if n := a.peerEvents("peer-joined", "call"); n != 2 { // b and c, once each
			t.Fatalf("a got %d peer-joined, want 2", n)
		}
	})
}

func TestJoinRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--max-peers-per-room", "2", "--max-rooms-per-peer", "2")
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, nil)
	b := d.connect(s, "b", clientV4, nil)
	c := d.connect(s, "c", clientV4, nil)
	a.join(t, "full")
	b.join(t, "full")

	for _, tc := range []struct {
		name string
		arg  any
		code string
	}{
		{"empty name", "", "invalid-room"},
		{"65 characters", strings.Repeat("é", 65), "invalid-room"},
		{"control character", "a\nb", "invalid-room"},
		{"not a name", 42, "invalid-room"},
		{"room at capacity", "full", "room-full"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, c.call(t, "join", tc.arg), tc.code) })
	}
	t.Run("too many rooms", func(t *testing.T) {
		a.join(t, "second")
		wantCode(t, a.call(t, "join", "third"), "too-many-rooms")
	})
	t.Run("refusals change nothing", func(t *testing.T) {
		j := c.join(t, "other")
		if len(j.Peers) != 0 {
			t.Fatalf("other has %v", j.Peers)
		}
		wantCode(t, c.call(t, "offer", map[string]any{"room": "full"}), "not-in-room")
	})
}

// bridgedRooms connects a in r1, c in r2, and b in both.
func bridgedRooms(t *testing.T, s *server, d *driver) (a, b, c *peer) {
	t.Helper()
	a = d.connect(s, "a", clientV4, inRoom("r1"))
	b = d.connect(s, "b", clientV4, inRoom("r1"))
	b.join(t, "r2")
	c = d.connect(s, "c", clientV4, inRoom("r2"))
	return a, b, c
}

func TestLeave(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a, b, c := bridgedRooms(t, s, d)

	ack := b.call(t, "leave", "r1")
	ackOK(t, ack)
	var left struct{ Rooms []string }
	ack.arg(t, 1, &left)
	if len(left.Rooms) != 1 || left.Rooms[0] != "r1" {
		t.Fatalf("leave acked %+v", left)
	}
	a.wantPeerEvent(t, "peer-left", "r1", b)

	// b no longer hears r1.
	ackOK(t, a.call(t, "offer", map[string]any{"sdp": "after leave"}))
	b.barrier(t)
	b.wantNone(t, "offer")

	wantCode(t, b.call(t, "leave", "r1"), "not-in-room")

	ack = b.call(t, "leave") // all rooms
	ackOK(t, ack)
	ack.arg(t, 1, &left)
	if len(left.Rooms) != 1 || left.Rooms[0] != "r2" {
		t.Fatalf("leave() acked %+v", left)
	}
	c.wantPeerEvent(t, "peer-left", "r2", b)
	wantCode(t, b.call(t, "offer", map[string]any{}), "not-in-room")
}

func TestDisconnectTellsTheRoom(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a, b, c := bridgedRooms(t, s, d)
	other := d.connect(s, "other", clientV4, inRoom("elsewhere"))

	b.close()
	a.wantPeerEvent(t, "peer-left", "r1", b)
	c.wantPeerEvent(t, "peer-left", "r2", b)
	for _, p := range []*peer{a, c} {
		var id string
		p.next(t, "user disconnected").arg(t, 0, &id)
		if id != b.ID {
			t.Fatalf("%s: user disconnected %q, want %q", p.name, id, b.ID)
		}
	}
	other.barrier(t)
	other.wantNone(t, "peer-left")
	other.wantNone(t, "user disconnected")
	a.barrier(t)
	if n := len(a.received("user disconnected")); n != 1 {
		t.Fatalf("a got %d user disconnected, want 1", n)
	}
}
