package transport

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/roomcast/roomcast/internal/eio"
)

// TestConnectVersion5: the CONNECT payload reaches the handler as auth,
// and the answer carries a socket id that is not the session id.
func TestConnectVersion5(t *testing.T) {
	for _, v := range []variant{variants[0], variants[1]} {
		for _, auth := range []string{"", `{"token":"123","room":"physics"}`} {
			t.Run(v.name+" auth "+auth, func(t *testing.T) {
				ts := newTestServer(t)
				c := ts.open(t, v)
				p := ts.connect(t, c, v, auth)
				if string(p.auth) != auth || (auth == "") != (p.auth == nil) {
					t.Fatalf("Connect got auth %q, want %q", p.auth, auth)
				}
				if id := p.sock.ID(); id == c.sid() || len(id) != 20 {
					t.Fatalf("socket id %q: want 20 characters, not the session id %q", id, c.sid())
				}
			})
		}
	}
}

// TestConnectVersion4: version 3 sessions are connected by the server at
// open, with no auth, and the socket id is the session id, from which the
// clients compute theirs.
func TestConnectVersion4(t *testing.T) {
	for _, v := range []variant{variants[2], variants[3], variants[4]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			if p.auth != nil || p.sock.ID() != c.sid() {
				t.Fatalf("socket id %q auth %q; want the session id %q and no auth", p.sock.ID(), p.auth, c.sid())
			}
		})
	}
}

// TestHandshakeReachesTheHandler: the socket describes the request that
// opened the session, for clients that pass a room in the query.
func TestHandshakeReachesTheHandler(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, http.MethodGet, "EIO=3&transport=polling&b64=1&room=physics", nil, http.Header{"User-Agent": {"roomcast-test"}, "X-Forwarded-For": {"203.0.113.7"}})
	c := &pollClient{ts: ts, v: variants[2], id: parseOpen(t, decodeV3Text(t, res.body)[0]).SID}
	p := ts.connect(t, c, variants[2], "")
	h := p.sock.Handshake()
	if h.Query().Get("room") != "physics" || h.UserAgent != "roomcast-test" || h.ForwardedFor != "203.0.113.7" || h.RemoteAddr == "" || h.Host == "" {
		t.Fatalf("Handshake() = %+v", h)
	}
	if p.sock.Version() != 4 || p.sock.Transport() != "polling" {
		t.Fatalf("Version() %d Transport() %q", p.sock.Version(), p.sock.Transport())
	}
}

// TestConnectRefused: a refused CONNECT is answered CONNECT_ERROR with the
// handler's message, packets sent during it are dropped, and the session
// stays open for another try.
func TestConnectRefused(t *testing.T) {
	tests := []struct {
		v    variant
		want string
	}{
		{variants[0], `44{"message":"Not authorized"}`},
		{variants[1], `44{"message":"Not authorized"}`},
		{variants[2], `44"Not authorized"`},
		{variants[4], `44"Not authorized"`},
	}
	for _, tt := range tests {
		t.Run(tt.v.name, func(t *testing.T) {
			ts := newTestServer(t)
			var refuse atomic.Bool
			refuse.Store(true)
			ts.h.onConnect = func(s *Socket, _ json.RawMessage) error {
				if refuse.Load() {
					s.Emit("never delivered")
					return errors.New("Not authorized")
				}
				return nil
			}
			c := ts.open(t, tt.v)
			if tt.v.v == eio.V4 {
				c.send(t, txt("40"))
			}
			p := ts.h.nextPeer(t)
			expect(t, c, txt(tt.want))
			if p.refused == nil || p.sock.Send([]byte(`2["x"]`)) { // the answer follows the refusal
				t.Fatal("the refused socket still takes packets")
			}
			if tt.v.v == eio.V3 {
				return // version 4 clients have no way to connect again to "/"
			}
			refuse.Store(false)
			ts.connect(t, c, tt.v, "")
		})
	}
}

// TestOtherNamespaces: only the main namespace exists; CONNECTs for others
// are refused and the session stays.
func TestOtherNamespaces(t *testing.T) {
	tests := []struct {
		v    variant
		send string
		want string
	}{
		{variants[1], "40/admin,", `44/admin,{"message":"Invalid namespace"}`},
		{variants[1], "40/random", `44/random,{"message":"Invalid namespace"}`},
		{variants[1], `40/custom,{"token":"abc"}`, `44/custom,{"message":"Invalid namespace"}`},
		{variants[0], "40/admin?token=1,", `44/admin,{"message":"Invalid namespace"}`},
		{variants[4], "40/admin,", `44/admin,"Invalid namespace"`},
		{variants[2], "40/admin?token=1,", `44/admin,"Invalid namespace"`},
	}
	for _, tt := range tests {
		t.Run(tt.v.name+" "+tt.send, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.open(t, tt.v)
			if tt.v.v == eio.V3 {
				ts.connect(t, c, tt.v, "")
			}
			c.send(t, txt(tt.send), txt("41/admin,")) // a disconnect from it is ignored
			expect(t, c, txt(tt.want))
			if tt.v.v == eio.V4 {
				ts.connect(t, c, tt.v, "")
			}
			c.send(t, txt(`42["echo","main"]`))
			expect(t, c, txt(`42["echo","main"]`))
		})
	}
}

// TestSecondConnect: a CONNECT while connected is answered again, without a
// second Connect call.
func TestSecondConnect(t *testing.T) {
	ts := newTestServer(t)
	c := ts.open(t, variants[1])
	p := ts.connect(t, c, variants[1], "")
	c.send(t, txt("40"))
	expect(t, c, txt(`40{"sid":"`+p.sock.ID()+`"}`))
	select {
	case q := <-ts.h.peers:
		t.Fatalf("a second Connect call for socket %s", q.sock.ID())
	default:
	}
}

// TestPacketsBeforeConnect: anything but CONNECT before the namespace is
// open closes the session, and reaches no handler.
func TestPacketsBeforeConnect(t *testing.T) {
	tests := []struct {
		name string
		send []packet
	}{
		{"event", []packet{txt(`42["x"]`)}},
		{"event with an ack id", []packet{txt(`421["x"]`)}},
		{"binary event", []packet{txt(`451-["x",` + placeholder + `]`), bin(1)}},
		{"event for another namespace", []packet{txt(`42/admin,["x"]`)}},
	}
	for _, v := range []variant{variants[0], variants[1]} {
		for _, tt := range tests {
			t.Run(v.name+" "+tt.name, func(t *testing.T) {
				ts := newTestServer(t)
				c := ts.open(t, v)
				sendAll(t, c, tt.send)
				c.waitClosed(t)
				select {
				case p := <-ts.h.peers:
					t.Fatalf("Connect was called for %s", p.sock.ID())
				default:
				}
			})
		}
	}
}

// sendAll sends packets that may close the session: a POST refused for it
// is expected.
func sendAll(t *testing.T, c client, ps []packet) {
	t.Helper()
	if pc, ok := c.(*pollClient); ok {
		pc.post(t, ps...)
		return
	}
	c.send(t, ps...)
}
