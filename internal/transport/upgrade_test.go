package transport

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
)

// probe opens the websocket of a polling session and exchanges the probe.
func probe(t *testing.T, ts *testServer, c *pollClient) *wsClient {
	t.Helper()
	ws := &wsClient{c: ts.dialWS(t, c.v.query("websocket")+"&sid="+c.sid(), nil), v: c.v, id: c.sid()}
	ws.send(t, txt("2probe"))
	expect(t, ws, txt("3probe"))
	return ws
}

// noop is a polling answer holding a noop packet alone.
func noop(v variant) string { return pollBody(v, "6") }

// pollBody is the polling answer holding one text packet in v's format.
func pollBody(v variant, packet string) string {
	switch {
	case v.v == eio.V4:
		return packet
	case v.b64:
		return string(encodeV3Text(txt(packet)))
	default:
		return string(encodeV3Binary(txt(packet)))
	}
}

// TestUpgrade walks the upgrade from polling to websocket: the probe, the
// pending GET released with a noop, polls answered with noops meanwhile,
// the upgrade packet, then the queued packets and all traffic on the
// websocket, and polling refused for the sid.
func TestUpgrade(t *testing.T) {
	for _, v := range []variant{variants[0], variants[2], variants[3]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.openPolling(t, v)
			p := ts.connect(t, c, v, "")

			pending := make(chan response, 1)
			go func() { pending <- c.poll(t) }()
			ts.waitPollPending(t, c.sid())
			ws := probe(t, ts, c)
			if res := <-pending; res.status != http.StatusOK || string(res.body) != noop(v) {
				t.Fatalf("the pending GET answered %d %q, want a noop", res.status, res.body)
			}

			// Sent during the upgrade: it waits for the websocket.
			p.sock.Emit("queued", 1)
			waitUntil(t, "the session is upgrading", func() bool {
				return ts.sessionState(c.sid(), func(s *session) bool { return s.upgrading })
			})
			if res := c.poll(t); string(res.body) != noop(v) {
				t.Fatalf("a GET during the upgrade answered %q, want a noop", res.body)
			}

			ws.send(t, txt("5"))
			expect(t, ws, txt(`42["queued",1]`))
			ws.send(t, txt(`42["echo","over the websocket"]`))
			expect(t, ws, txt(`42["echo","over the websocket"]`))
			p.nextEvent(t)
			if got := p.sock.Transport(); got != "websocket" {
				t.Fatalf("Transport() = %q after the upgrade", got)
			}

			c.poll(t).wantError(t, http.StatusBadRequest, eio.BadRequest)
			c.post(t, txt(`42["x"]`)).wantError(t, http.StatusBadRequest, eio.BadRequest)
			if st := ts.srv.Stats(); st.Upgrades != 1 || st.Websocket != 1 || st.Polling != 0 {
				t.Fatalf("Stats() = %+v, want one upgraded websocket session", st)
			}

			// A second websocket for the sid is closed; the first goes on.
			second := ts.dialWS(t, v.query("websocket")+"&sid="+c.sid(), nil)
			wsWaitClosed(t, second)
			ws.send(t, txt(`42["echo","still"]`))
			expect(t, ws, txt(`42["echo","still"]`))
			p.nextEvent(t)
			p.noEvents(t) // the refused requests reached no handler
		})
	}
}

// TestUpgradeWithoutPendingPoll: a client that had no GET out probes and
// upgrades; packets queued before go to the websocket.
func TestUpgradeWithoutPendingPoll(t *testing.T) {
	ts := newTestServer(t)
	v := variants[2]
	c := ts.openPolling(t, v) // the server's "40" waits in the queue
	ws := probe(t, ts, c)
	ws.send(t, txt("5"))
	expect(t, ws, txt("40"))
	ts.h.nextPeer(t)
}

// TestSecondWebsocketDuringProbe: one websocket per session, probing
// included.
func TestSecondWebsocketDuringProbe(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openPolling(t, variants[0])
	ws := probe(t, ts, c)
	second := ts.dialWS(t, "EIO=4&transport=websocket&sid="+c.sid(), nil)
	wsWaitClosed(t, second)
	ws.send(t, txt("5"), txt("40"))
	ts.connectAnswer(t, ws)
}

// connectAnswer reads a version 5 connect answer.
func (ts *testServer) connectAnswer(t *testing.T, c client) {
	t.Helper()
	p := ts.h.nextPeer(t)
	expect(t, c, txt(`40{"sid":"`+p.sock.ID()+`"}`))
}

// TestWebsocketForAWebsocketSession: a websocket-only session takes no
// second websocket.
func TestWebsocketForAWebsocketSession(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openWS(t, variants[1])
	wsWaitClosed(t, ts.dialWS(t, "EIO=4&transport=websocket&sid="+c.sid(), nil))
	c.send(t, txt("40"))
	ts.connectAnswer(t, c)
}

// TestUpgradeTimeout: a probe without the upgrade packet is given up; the
// session stays on polling and keeps working.
func TestUpgradeTimeout(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.UpgradeTimeout = 100 * time.Millisecond })
	v := variants[0]
	c := ts.openPolling(t, v)
	p := ts.connect(t, c, v, "")
	ws := probe(t, ts, c)
	ws.waitClosed(t)
	waitUntil(t, "the upgrade is given up", func() bool {
		return ts.sessionState(c.sid(), func(s *session) bool { return !s.upgrading && s.probe == nil })
	})
	c.send(t, txt(`42["echo","polling"]`))
	expect(t, c, txt(`42["echo","polling"]`))
	if st := ts.srv.Stats(); st.Upgrades != 0 || st.Polling != 1 {
		t.Fatalf("Stats() = %+v, want one polling session and no upgrade", st)
	}
	if p.sock.Transport() != "polling" {
		t.Fatalf("Transport() = %q", p.sock.Transport())
	}
}

// TestFailedProbes: a probe websocket that sends anything but the probe and
// the upgrade packet, or goes away, is dropped; the session stays on
// polling.
func TestFailedProbes(t *testing.T) {
	tests := []struct {
		name string
		send func(*websocket.Conn) error
	}{
		{"a message before the upgrade", func(c *websocket.Conn) error {
			return c.WriteMessage(websocket.TextMessage, []byte(`42["x"]`))
		}},
		{"a binary frame", func(c *websocket.Conn) error { return c.WriteMessage(websocket.BinaryMessage, []byte{4, 1}) }},
		{"garbage", func(c *websocket.Conn) error { return c.WriteMessage(websocket.TextMessage, []byte("x")) }},
		{"the websocket goes away", func(c *websocket.Conn) error { return c.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.openPolling(t, variants[0])
			p := ts.connect(t, c, variants[0], "")
			ws := probe(t, ts, c)
			if err := tt.send(ws.c); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "the probe is dropped", func() bool {
				return ts.sessionState(c.sid(), func(s *session) bool { return s.probe == nil && !s.upgrading })
			})
			c.send(t, txt(`42["echo","polling"]`))
			expect(t, c, txt(`42["echo","polling"]`))
			if r := p.nextEvent(t); r.name != eventEcho {
				t.Fatalf("the probe's packet reached the handler: %+v", r)
			}
		})
	}
}
