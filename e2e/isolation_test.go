package e2e

// One misbehaving client harms only itself: whatever it sends, or fails to
// send, the server closes that client's connection at most, and everyone
// else carries on.

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

func TestMalformedFramesHarmNobody(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, inRoom("safe"))
	b := d.connect(s, "b", clientV2, inRoom("safe"))

	frames := []string{"42", "43", "4", "garbage", "42[", "42[1]", `42["join"`, `42{"a":1}`, "43[]", "41", "40", "49", "2", "6", "\x00\xff\xfe",
		`451-["message",{"_placeholder":true,"num":0}]`, // an attachment that never comes
		"b4AQID", // base64 binary, which only Engine.IO 3 clients may send
	}
	for i, frame := range frames {
		t.Run(fmt.Sprintf("%q", frame), func(t *testing.T) {
			conn := rawSocket(t, s)
			if err := conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
				t.Fatal(err)
			}
			_ = conn.WriteMessage(websocket.BinaryMessage, []byte(frame))
			// Whatever the server does with this connection, the others
			// keep working: a full relay round proves it.
			ackOK(t, a.call(t, "ice", map[string]any{"after": i}))
			if got := payload(t, b.next(t, "ice")); got["after"] != float64(i) {
				t.Fatalf("b got %v", got)
			}
		})
	}
	if !s.Alive() {
		t.Fatal("the server died")
	}
	rawSocket(t, s) // and still accepts new sockets
}

func TestOversizedMessageClosesOnlyItsSender(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	big := d.connect(s, "big", clientV4, map[string]any{"auth": map[string]any{"room": "r"}, "transports": []string{"websocket"}})
	a := d.connect(s, "a", clientV4, inRoom("r"))
	b := d.connect(s, "b", clientV4, inRoom("r"))

	big.emit("message", strings.Repeat("x", 2<<20)) // over the 1 MiB default
	big.waitFor(t, func(r report) bool { return r.Type == "disconnect" }, "disconnect")
	a.wantPeerEvent(t, "peer-left", "r", big)
	b.barrier(t)
	b.wantNone(t, "message")
	ackOK(t, a.call(t, "message", "still fine"))
	b.next(t, "message")
}

// A connection that never opens its namespace holds a session for nothing:
// --connect-timeout closes it, so an official client whose connect went
// astray reconnects at once, and /readyz counts it.
func TestStalledConnectIsClosedAndCounted(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--connect-timeout", "300ms")
	conn, err := dialRaw(t, s, 4, "")
	if err != nil {
		t.Fatal(err)
	}
	if open, err := readFrame(t, conn); err != nil || !strings.HasPrefix(open, "0{") {
		t.Fatalf("open packet %q, %v", open, err)
	}
	// Never send the namespace connect: the server must close the connection.
	for {
		if _, err := readFrame(t, conn); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("the stalled connection was not closed")
			}
			break
		}
	}
	closed := func(r roomcasttest.Readiness) bool { return r.StalledConnects == 1 && r.Sessions == 0 }
	if r := waitReadiness(t, s, waitTimeout, closed); !closed(r) {
		t.Fatalf("readyz %+v, want stalled_connects 1 and no session", r)
	}
	// A client that does open its namespace is not counted.
	d := startDriver(t)
	d.connect(s, "a", clientV4, nil).close()
	if r := s.Readiness(t); r.StalledConnects != 1 {
		t.Fatalf("readyz %+v after a normal connect, want stalled_connects still 1", r)
	}
}
