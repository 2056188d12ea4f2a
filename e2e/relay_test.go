package e2e

import (
	"encoding/json"
	"testing"
)

// callRoom connects four peers: a, b, c in "call" and d in "other".
func callRoom(t *testing.T, s *server, d *driver) (a, b, c, x *peer) {
	t.Helper()
	a = d.connect(s, "a", clientV4, inRoom("call"))
	b = d.connect(s, "b", clientV4, inRoom("call"))
	c = d.connect(s, "c", clientV4, inRoom("call"))
	x = d.connect(s, "x", clientV4, inRoom("other"))
	return a, b, c, x
}

func TestRelayReachesTheOthersOnly(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a, b, c, x := callRoom(t, s, d)

	for _, event := range []string{"offer", "answer", "ice", "candidate", "hangup", "bye", "message"} {
		ackOK(t, a.call(t, event, map[string]any{"event": event, "from": "forged"}))
		for _, p := range []*peer{b, c} {
			got := payload(t, p.next(t, event))
			if got["from"] != a.ID || got["event"] != event {
				t.Fatalf("%s got %s %v, want from %s", p.name, event, got, a.ID)
			}
		}
		a.barrier(t)
		x.barrier(t)
		a.wantNone(t, event) // never to the sender
		x.wantNone(t, event) // never to another room
	}
}

// TestRelayNonObjectPayloadsArriveUnchanged: arguments that are not an
// object arrive as sent. With connection state recovery on (the default),
// socket.io 3+ clients get one more, last, argument: the offset they report
// when they reconnect; with it off, nothing more.
func TestRelayNonObjectPayloadsArriveUnchanged(t *testing.T) {
	t.Parallel()
	want := []string{`"hello"`, `42`, `["x",true]`}
	for _, tt := range []struct {
		name   string
		flags  []string
		offset bool
	}{
		{"recovery on", nil, true},
		{"recovery off", []string{"--recovery-window", "0"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, tt.flags...)
			d := startDriver(t)
			a, b, _, _ := callRoom(t, s, d)
			a.emit("message", "hello", 42, []any{"x", true})
			got := b.next(t, "message").Args
			if tt.offset {
				var offset string
				if len(got) != len(want)+1 || json.Unmarshal(got[len(got)-1], &offset) != nil || offset == "" {
					t.Fatalf("message args %s, want %v and an offset", got, want)
				}
				got = got[:len(want)]
			}
			if len(got) != len(want) {
				t.Fatalf("message args %s, want %v", got, want)
			}
			for i, w := range want {
				if string(got[i]) != w {
					t.Fatalf("arg %d = %s, want %s", i, got[i], w)
				}
			}
		})
	}
}

func TestRelayToOnePeer(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a, b, c, x := callRoom(t, s, d)

	ackOK(t, a.call(t, "offer", map[string]any{"to": c.ID, "sdp": "private"}))
	if got := payload(t, c.next(t, "offer")); got["from"] != a.ID || got["sdp"] != "private" {
		t.Fatalf("c got %v", got)
	}
	b.barrier(t)
	b.wantNone(t, "offer")

	t.Run("refused outside shared rooms", func(t *testing.T) {
		wantCode(t, a.call(t, "offer", map[string]any{"to": x.ID, "sdp": "leak"}), "not-in-room")
		wantCode(t, a.call(t, "offer", map[string]any{"to": "no-such-socket"}), "not-in-room")
		x.barrier(t)
		x.wantNone(t, "offer")
	})
	t.Run("malformed address", func(t *testing.T) {
		wantCode(t, a.call(t, "offer", map[string]any{"to": 7}), "invalid-payload")
		wantCode(t, a.call(t, "offer", map[string]any{"to": a.ID}), "invalid-payload")
	})
}

func TestRelayRoomScope(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a, b, _, x := callRoom(t, s, d)
	a.join(t, "other")

	ackOK(t, a.call(t, "message", map[string]any{"room": "other", "text": "only other"}))
	if got := payload(t, x.next(t, "message")); got["text"] != "only other" {
		t.Fatalf("x got %v", got)
	}
	b.barrier(t)
	b.wantNone(t, "message")
	wantCode(t, b.call(t, "message", map[string]any{"room": "other"}), "not-in-room")

	// Without a room, a peer in both rooms reaches both, each member once.
	ackOK(t, a.call(t, "message", map[string]any{"text": "everyone"}))
	b.next(t, "message")
	x.next(t, "message")
	x.barrier(t)
	if n := len(x.received("message")); n != 2 {
		t.Fatalf("x got %d messages, want 2", n)
	}
}

func TestRelayWithoutARoom(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--default-room", "")
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, nil)
	d.connect(s, "b", clientV4, nil)
	wantCode(t, a.call(t, "offer", map[string]any{"sdp": "x"}), "not-in-room")
}

// Older tutorial pages never join: they connect and emit. The default room
// lets them reach each other, until they join a room of their own.
func TestDefaultRoomForPagesThatNeverJoin(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, nil)
	b := d.connect(s, "b", clientV2, nil)
	c := d.connect(s, "c", clientV4, map[string]any{"transports": []string{"polling"}})

	a.emit("offer", map[string]any{"sdp": "lobby offer"})
	for _, p := range []*peer{b, c} {
		if got := payload(t, p.next(t, "offer")); got["sdp"] != "lobby offer" || got["from"] != a.ID {
			t.Fatalf("%s got %v", p.name, got)
		}
	}
	b.emit("hangup")
	a.next(t, "hangup")

	c.join(t, "private")
	a.wantPeerEvent(t, "peer-left", "lobby", c)
	a.emit("offer", map[string]any{"sdp": "second"})
	b.next(t, "offer")
	c.barrier(t)
	if n := len(c.received("offer")); n != 1 {
		t.Fatalf("c got %d offers after leaving the lobby, want only the first", n)
	}
}

func TestUnknownEvent(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a, b, _, _ := callRoom(t, s, d)
	wantCode(t, a.call(t, "not-a-signal", map[string]any{}), "unknown-event")
	a.emit("not-a-signal", "no ack: dropped")
	ackOK(t, a.call(t, "offer", map[string]any{"sdp": "still works"}))
	b.next(t, "offer")
	b.barrier(t)
	b.wantNone(t, "not-a-signal")
}

func TestRelayEventsAreConfigurable(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--relay-events", "signal")
	d := startDriver(t)
	a, b, _, _ := callRoom(t, s, d)
	ackOK(t, a.call(t, "signal", map[string]any{"type": "offer"}))
	var got map[string]json.RawMessage
	b.next(t, "signal").arg(t, 0, &got)
	wantCode(t, a.call(t, "offer", map[string]any{}), "unknown-event")
}
