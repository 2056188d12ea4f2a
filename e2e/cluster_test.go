package e2e

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// Several nodes sharing rooms through Redis (--redis-url): every protocol
// rule of one node holds across them. Each test has a redis-server of its
// own, and its nodes, driven by the official client.
//
// A cross-node "not received" cannot be proven by a barrier, which only
// reaches the peer's own node; instead the sender sends a marker after the
// event that must not arrive. One node's packets reach another in the order
// they were sent, so once the marker is in, anything sent before it is too.

// crossNodeCall is a room "call" with a and c on node 0 and b on node 1.
func crossNodeCall(t *testing.T, nodes []*server, d *driver) (a, b, c *peer) {
	t.Helper()
	a = d.connect(nodes[0], "a", clientV4, nil)
	b = d.connect(nodes[1], "b", clientV4, nil)
	c = d.connect(nodes[0], "c", clientV4, nil)
	if j := a.join(t, "call"); len(j.Peers) != 0 {
		t.Fatalf("a joined an empty room with peers %v", j.Peers)
	}
	j := b.join(t, "call")
	sameIDs(t, "b's peers, a of the other node", j.Peers, a)
	if _, ok := j.Clients[a.ID]; !ok || len(j.Clients) != 1 {
		t.Fatalf("b's clients %v, want a", j.Clients)
	}
	a.wantPeerEvent(t, "peer-joined", "call", b)
	j = c.join(t, "call")
	sameIDs(t, "c's peers, of both nodes", j.Peers, a, b)
	if len(j.Clients) != 2 {
		t.Fatalf("c's clients %v, want a and b", j.Clients)
	}
	a.wantPeerEvent(t, "peer-joined", "call", c)
	b.wantPeerEvent(t, "peer-joined", "call", c)
	return a, b, c
}

// markers numbers the markers, so that each is told apart.
var markers atomic.Int64

// marker sends a message that every other member of from's rooms must get,
// and waits until each of them has: everything from sent before it has
// arrived.
func marker(t *testing.T, from *peer, to ...*peer) {
	t.Helper()
	tag := fmt.Sprintf("marker-%d", markers.Add(1))
	ackOK(t, from.call(t, "message", map[string]any{"marker": tag}))
	for _, p := range to {
		p.nextWith(t, "message", "marker", tag)
	}
}

func TestClusterJoinAndRelay(t *testing.T) {
	t.Parallel()
	_, nodes := startCluster(t, 2)
	d := startDriver(t)
	a, b, c := crossNodeCall(t, nodes, d)
	var z *peer // joins later, on b's node

	t.Run("relay both ways, with from", func(t *testing.T) {
		ackOK(t, a.call(t, "offer", map[string]any{"sdp": "from-a"}))
		for _, p := range []*peer{b, c} {
			if got := payload(t, p.nextWith(t, "offer", "sdp", "from-a")); got["from"] != a.ID {
				t.Fatalf("%s got a's offer from %v, want %s", p.name, got["from"], a.ID)
			}
		}
		ackOK(t, b.call(t, "answer", map[string]any{"sdp": "from-b"}))
		for _, p := range []*peer{a, c} {
			if got := payload(t, p.nextWith(t, "answer", "sdp", "from-b")); got["from"] != b.ID {
				t.Fatalf("%s got b's answer from %v, want %s", p.name, got["from"], b.ID)
			}
		}
		marker(t, b, a, c)
		if n := a.receivedWith("answer", "sdp", "from-b") + c.receivedWith("answer", "sdp", "from-b"); n != 2 {
			t.Fatalf("b's answer arrived %d times, want once at a and once at c", n)
		}
		if n := b.receivedWith("answer", "sdp", "from-b"); n != 0 {
			t.Fatalf("b got its own answer back %d times", n)
		}
	})

	t.Run("to a peer of the other node", func(t *testing.T) {
		ackOK(t, a.call(t, "offer", map[string]any{"to": b.ID, "sdp": "a-to-b"}))
		if got := payload(t, b.nextWith(t, "offer", "sdp", "a-to-b")); got["from"] != a.ID {
			t.Fatalf("b got the offer from %v, want %s", got["from"], a.ID)
		}
		ackOK(t, b.call(t, "answer", map[string]any{"to": c.ID, "sdp": "b-to-c"}))
		c.nextWith(t, "answer", "sdp", "b-to-c")
		marker(t, a, b, c)
		marker(t, b, a, c)
		if c.receivedWith("offer", "sdp", "a-to-b") != 0 || a.receivedWith("answer", "sdp", "b-to-c") != 0 {
			t.Fatal("a packet sent to one peer reached another")
		}
	})

	t.Run("to a peer that is gone, or in no shared room", func(t *testing.T) {
		x := d.connect(nodes[1], "x", clientV4, nil)
		x.join(t, "call")
		a.wantPeerEvent(t, "peer-joined", "call", x)
		x.close()
		a.wantPeerEvent(t, "peer-left", "call", x)
		wantCode(t, a.call(t, "offer", map[string]any{"to": x.ID, "sdp": "late"}), "not-in-room")

		y := d.connect(nodes[1], "y", clientV4, nil)
		y.join(t, "elsewhere")
		wantCode(t, a.call(t, "offer", map[string]any{"to": y.ID, "sdp": "stray"}), "not-in-room")
		marker(t, a, b, c)
		if y.receivedWith("offer", "sdp", "stray") != 0 {
			t.Fatal("y, in no room with a, got a's offer")
		}
	})

	t.Run("room addressing", func(t *testing.T) {
		a.join(t, "side")
		if j := b.join(t, "side"); len(j.Peers) != 1 {
			t.Fatalf("b's peers in side %v, want a", j.Peers)
		}
		ackOK(t, a.call(t, "message", map[string]any{"room": "side", "text": "side only"}))
		b.nextWith(t, "message", "text", "side only")
		// b shares both rooms with a: a relay to all of a's rooms reaches
		// it once.
		ackOK(t, a.call(t, "message", map[string]any{"text": "everyone"}))
		b.nextWith(t, "message", "text", "everyone")
		c.nextWith(t, "message", "text", "everyone")
		marker(t, a, b, c)
		if n := c.receivedWith("message", "text", "side only"); n != 0 {
			t.Fatal("c, not in side, got its message")
		}
		if n := b.receivedWith("message", "text", "everyone"); n != 1 {
			t.Fatalf("b, in both of a's rooms, got a's message %d times, want once", n)
		}
	})

	t.Run("leave", func(t *testing.T) {
		ack := c.call(t, "leave", "call")
		ackOK(t, ack)
		a.wantPeerEvent(t, "peer-left", "call", c)
		b.wantPeerEvent(t, "peer-left", "call", c)
		z = d.connect(nodes[1], "z", clientV4, nil)
		if j := z.join(t, "call"); len(j.Peers) != 2 {
			t.Fatalf("after c left, call lists %v, want a and b", j.Peers)
		}
	})

	t.Run("disconnect", func(t *testing.T) {
		b.close()
		a.wantPeerEvent(t, "peer-left", "call", b)
		a.wantPeerEvent(t, "peer-left", "side", b)
		a.waitFor(t, func(r report) bool {
			var rm struct{ ID string }
			return r.Type == "event" && r.Event == "remove" && len(r.Args) > 0 && jsonInto(r.Args[0], &rm) && rm.ID == b.ID
		}, "remove b")
		a.waitFor(t, func(r report) bool {
			return r.Type == "event" && r.Event == "user disconnected" && firstString(r) == b.ID
		},
			"user disconnected b")
		marker(t, z, a) // z is on b's node: b's departure was published before it
		n := 0
		for _, r := range a.received("user disconnected") {
			if firstString(r) == b.ID {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("a got user disconnected for b %d times, want once (b shared two rooms with it)", n)
		}
	})
}

// firstString is an event's first argument as a string ("" if it is not
// one).
func firstString(r report) string {
	var s string
	if len(r.Args) == 0 || !jsonInto(r.Args[0], &s) {
		return ""
	}
	return s
}
