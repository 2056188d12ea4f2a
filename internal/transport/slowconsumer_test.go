package transport

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// maxFloodBytes bounds what the slow-consumer test sends before giving up:
// far more than loopback socket buffers hold.
const maxFloodBytes = 64 << 20

// TestSlowConsumer floods a websocket client that never reads: once the
// network buffers are full its queue overflows, the session is closed and
// counted, and another socket, reading, gets everything sent to it.
func TestSlowConsumer(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxPayload, c.MaxQueuedBytes = 1024, 16<<10 })

	// A client with a small receive buffer fills up sooner.
	d := websocket.Dialer{HandshakeTimeout: waitTimeout, NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			err = c.(*net.TCPConn).SetReadBuffer(4 << 10)
		}
		return c, err
	}}
	conn, _, err := d.Dial(ts.wsURL("EIO=4&transport=websocket"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	slow := &wsClient{c: conn, v: variants[1]}
	slow.id = parseOpen(t, slow.recv(t)).SID
	slowPeer := ts.connect(t, slow, variants[1], "")

	fast := ts.open(t, variants[1])
	fastPeer := ts.connect(t, fast, variants[1], "")

	// In lockstep with the reading socket: each packet to the slow one
	// goes with one to the other, which is read before the next. The slow
	// socket's writer thus has all the time it needs to fill the network
	// buffers, and only a reader that reads nothing can overflow.
	msg := []byte(`2["flood","` + strings.Repeat("x", 4000) + `"]`)
	sent := 0
	for ; sent*len(msg) < maxFloodBytes; sent++ {
		if !slowPeer.sock.Send(msg) {
			break
		}
		if !fastPeer.sock.Send(msg) {
			t.Fatalf("the reading socket was refused packet %d", sent)
		}
		expect(t, fast, txt("4"+string(msg)))
	}
	t.Logf("the slow consumer was closed after %d packets, %d bytes", sent, sent*len(msg))
	if sent*len(msg) >= maxFloodBytes {
		t.Fatalf("%d bytes queued to a client that reads nothing", sent*len(msg))
	}
	if reason := slowPeer.waitDisconnect(t); reason != ReasonSlowConsumer {
		t.Fatalf("Disconnect reason %q, want %q", reason, ReasonSlowConsumer)
	}
	if n := ts.srv.Stats().SlowConsumers; n != 1 {
		t.Fatalf("Stats().SlowConsumers = %d, want 1", n)
	}
	if slowPeer.sock.Send(msg) {
		t.Fatal("the closed socket still takes packets")
	}
	fast.send(t, txt(`42["echo","unaffected"]`))
	expect(t, fast, txt(`42["echo","unaffected"]`))
	fastPeer.nextEvent(t)
	waitUntil(t, "the other session is the only one", func() bool {
		st := ts.srv.Stats()
		return st.Sessions() == 1 && st.Websocket == 1
	})
}
