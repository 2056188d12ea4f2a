package e2e

// Guards against the defects of socket.io/v2 v2.5.0 that made roomcast pick
// servers/socket/v3: lost queued broadcasts, reordered events, and a crash on
// the two-byte frame "42". A library bump that brings one back fails here.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// burstSize is the burst v2.5.0 lost two thirds of (7 of 21 arrived).
const burstSize = 20

func TestBurstArrivesCompleteAndInOrder(t *testing.T) {
	t.Parallel()
	websocketOnly := map[string]any{"transports": []string{"websocket"}}
	pollingOnly := map[string]any{"transports": []string{"polling"}}
	for _, tc := range []struct {
		name           string
		sender, reader clientVariant
	}{
		{"websocket to websocket", clientVariant{client: clientV4, opts: websocketOnly}, clientVariant{client: clientV4, opts: websocketOnly}},
		{"polling to polling", clientVariant{client: clientV4, opts: pollingOnly}, clientVariant{client: clientV4, opts: pollingOnly}},
		{"websocket to polling", clientVariant{client: clientV4, opts: websocketOnly}, clientVariant{client: clientV4, opts: pollingOnly}},
		{"v2 polling to v4 websocket", clientVariant{client: clientV2, opts: pollingOnly}, clientVariant{client: clientV4, opts: websocketOnly}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t)
			d := startDriver(t)
			a := d.connect(s, "a", tc.sender.client, tc.sender.opts)
			b := d.connect(s, "b", tc.reader.client, tc.reader.opts)
			a.join(t, "pair")
			b.join(t, "pair")
			a.burst("ice", burstSize, map[string]any{"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"})
			for want := 0; want < burstSize; want++ {
				got := payload(t, b.next(t, "ice"))
				if seq, _ := got["seq"].(float64); int(seq) != want {
					t.Fatalf("ice #%d carries seq %v: events were lost or reordered", want, got["seq"])
				}
			}
		})
	}
}

// dialRaw opens a websocket to the Engine.IO endpoint with no client library.
func dialRaw(t *testing.T, s *server, eio int, origin string) (*websocket.Conn, error) {
	t.Helper()
	url := fmt.Sprintf("ws://%s/socket.io/?EIO=%d&transport=websocket", s.Addr, eio)
	header := http.Header{}
	if origin != "" {
		header.Set("Origin", origin)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.Close() })
	return conn, nil
}

// readFrame reads one text frame with a deadline.
func readFrame(t *testing.T, conn *websocket.Conn) (string, error) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	_, data, err := conn.ReadMessage()
	return string(data), err
}

// rawSocket opens a websocket and completes the socket.io connect by hand.
func rawSocket(t *testing.T, s *server) *websocket.Conn {
	t.Helper()
	conn, err := dialRaw(t, s, 4, "")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if open, err := readFrame(t, conn); err != nil || !strings.HasPrefix(open, "0{") {
		t.Fatalf("open packet %q, %v", open, err)
	}
	send(t, conn, "40")
	if err := awaitNamespace(conn); err != nil {
		t.Fatal(err)
	}
	return conn
}

// awaitNamespace reads frames until the namespace connect is answered.
func awaitNamespace(conn *websocket.Conn) error {
	for {
		_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
		_, frame, err := conn.ReadMessage()
		if err != nil {
			return fmt.Errorf("waiting for the namespace connect: %w", err)
		}
		if strings.HasPrefix(string(frame), "40") {
			return nil
		}
	}
}

func TestMalformedFramesHarmNobody(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, inRoom("safe"))
	b := d.connect(s, "b", clientV2, inRoom("safe"))

	frames := []string{"42", "43", "4", "garbage", "42[", "42[1]", `42["join"`, `42{"a":1}`, "43[]", "41", "40", "49", "2", "6", "\x00\xff\xfe"}
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
