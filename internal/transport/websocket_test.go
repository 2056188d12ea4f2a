package transport

import (
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
)

// TestWebsocketFrames checks the frame types on the wire: text packets in
// text frames, attachments in binary frames, raw in version 4 and after
// the message type byte 4 in version 3.
func TestWebsocketFrames(t *testing.T) {
	tests := []struct {
		v          variant
		attachment []byte // as the client sends it
	}{
		{variants[1], []byte{1, 2, 3}},
		{variants[4], []byte{4, 1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.openWS(t, tt.v)
			p := ts.connect(t, c, tt.v, "")
			header := `451-["echo",` + placeholder + `]`
			if err := c.c.WriteMessage(websocket.TextMessage, []byte(header)); err != nil {
				t.Fatal(err)
			}
			if err := c.c.WriteMessage(websocket.BinaryMessage, tt.attachment); err != nil {
				t.Fatal(err)
			}
			if r := p.nextEvent(t); len(r.attachments) != 1 || string(r.attachments[0]) != "\x01\x02\x03" {
				t.Fatalf("the handler got attachments %q, want [01 02 03]", r.attachments)
			}
			for _, want := range []struct {
				typ  int
				data string
			}{{websocket.TextMessage, header}, {websocket.BinaryMessage, string(tt.attachment)}} {
				typ, b, err := c.c.ReadMessage()
				if err != nil || typ != want.typ || string(b) != want.data {
					t.Fatalf("frame %d %q %v, want %d %q", typ, b, err, want.typ, want.data)
				}
			}
		})
	}
}

// TestWebsocketClosePackets: the client's close packet ends the session and
// the server closes the websocket; the server's close closes it too.
func TestWebsocketClosePackets(t *testing.T) {
	t.Run("client close packet", func(t *testing.T) {
		ts := newTestServer(t)
		c := ts.openWS(t, variants[1])
		p := ts.connect(t, c, variants[1], "")
		c.send(t, txt("1"))
		c.waitClosed(t)
		if reason := p.waitDisconnect(t); reason != ReasonTransportClose {
			t.Fatalf("Disconnect reason %q, want %q", reason, ReasonTransportClose)
		}
	})
	t.Run("client goes away", func(t *testing.T) {
		ts := newTestServer(t)
		c := ts.openWS(t, variants[1])
		p := ts.connect(t, c, variants[1], "")
		c.c.Close()
		if reason := p.waitDisconnect(t); reason != ReasonTransportClose && reason != ReasonTransportError {
			t.Fatalf("Disconnect reason %q, want a transport reason", reason)
		}
	})
	t.Run("server close", func(t *testing.T) {
		ts := newTestServer(t)
		c := ts.openWS(t, variants[1])
		p := ts.connect(t, c, variants[1], "")
		p.sock.Close(ReasonClosedByApplication)
		c.waitClosed(t)
		if reason := p.waitDisconnect(t); reason != ReasonClosedByApplication {
			t.Fatalf("Disconnect reason %q", reason)
		}
		waitUntil(t, "the sid is forgotten", func() bool { return ts.srv.lookup(c.sid()) == nil })
	})
}

// TestWebsocketWithoutUpgrade: transport=websocket on a plain GET is a bad
// request, for a new session and for an existing one.
func TestWebsocketWithoutUpgrade(t *testing.T) {
	ts := newTestServer(t)
	ts.do(t, http.MethodGet, "EIO=4&transport=websocket", nil, nil).wantError(t, http.StatusBadRequest, eio.BadRequest)
	c := ts.openPolling(t, variants[0])
	ts.do(t, http.MethodGet, "EIO=4&transport=websocket&sid="+c.sid(), nil, nil).wantError(t, http.StatusBadRequest, eio.BadRequest)
	ts.connect(t, c, variants[0], "") // the polling session is unharmed
}
