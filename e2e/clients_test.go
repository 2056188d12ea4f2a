package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// clientVariant is one way a page can reach roomcast.
type clientVariant struct {
	name   string
	client string
	opts   map[string]any
}

var clientVariants = []clientVariant{
	{"v4 default (polling, then websocket)", clientV4, nil},
	{"v4 websocket only", clientV4, map[string]any{"transports": []string{"websocket"}}},
	{"v4 polling only", clientV4, map[string]any{"transports": []string{"polling"}}},
	{"v3 default", clientV3, nil},
	{"v2 default (Engine.IO 3)", clientV2, nil},
	{"v2 polling only", clientV2, map[string]any{"transports": []string{"polling"}}},
	{"v1 default (SimpleWebRTC's client)", clientV1, nil},
	{"bundle served by roomcast", clientBundle, map[string]any{"transports": []string{"websocket"}}},
}

// exactArgs turns connection state recovery off, for tests that compare
// every argument a client receives: with it on, socket.io 3+ clients get an
// offset as the last argument of every event (recovery_test.go).
var exactArgs = []string{"--recovery-window", "0"}

// Every client kind joins one room and signals every other kind.
func TestEveryClientVersionSignalsEveryOther(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	peers := make([]*peer, len(clientVariants))
	for i, v := range clientVariants {
		peers[i] = d.connect(s, fmt.Sprintf("p%d", i), v.client, v.opts)
		peers[i].join(t, "mix")
	}
	for i, sender := range peers {
		ackOK(t, sender.call(t, "offer", map[string]any{"sdp": sender.name}))
		for j, receiver := range peers {
			if i == j {
				continue
			}
			got := payload(t, receiver.waitFor(t, func(r report) bool {
				return r.Type == "event" && r.Event == "offer" && string(r.Args[0]) != "" && containsSDP(r, sender.name)
			}, "offer from "+clientVariants[i].name))
			if got["from"] != sender.ID {
				t.Errorf("%s → %s: from = %v, want %s", clientVariants[i].name, clientVariants[j].name, got["from"], sender.ID)
			}
		}
	}
}

func containsSDP(r report, sdp string) bool {
	var m map[string]any
	return len(r.Args) > 0 && jsonInto(r.Args[0], &m) && m["sdp"] == sdp
}

// officialClients are the npm releases of socket.io-client roomcast is
// tested against: the current one, the last of each older major line, and
// 1.3.7, which SimpleWebRTC bundles.
var officialClients = []struct{ version, client string }{
	{"4.8.4", clientV4},
	{"3.1.3", clientV3},
	{"2.5.0", clientV2},
	{"1.3.7", clientV1},
}

// transportModes are the ways a client can be told to reach the server.
var transportModes = []struct {
	name       string
	transports []string // the client's transports option; nil for its default
	// only is the one transport the client may use; "" lets it start on
	// polling and upgrade, which it must then do (the upgrade may be done
	// before the namespace connect is).
	only string
}{
	{"websocket only", []string{"websocket"}, "websocket"},
	{"polling only", []string{"polling"}, "polling"},
	{"default (polling, then websocket)", nil, ""},
}

// clientBlob is binary data to relay. It holds every byte value, so an
// encoding that mangles some (UTF-8, a lost high bit, a stripped zero) shows,
// and is long enough to need more than one length byte wherever a
// framing counts it.
var clientBlob = func() []byte {
	b := make([]byte, 300)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

// Each official client, over each transport, does everything a call page
// does: connect, join, relay to the room and to one peer with "from" set,
// binary data beside an object payload in both directions, acks of success
// and refusal, and a disconnect the others hear about.
func TestOfficialClientMatrix(t *testing.T) {
	t.Parallel()
	s := startServer(t, exactArgs...)
	for _, c := range officialClients {
		for _, mode := range transportModes {
			t.Run(c.version+" "+mode.name, func(t *testing.T) {
				d := startDriver(t)
				opts := map[string]any{}
				if mode.transports != nil {
					opts["transports"] = mode.transports
				}
				room := "matrix-" + c.client + "-" + strings.Join(mode.transports, "-")
				a, b := companions(t, s, d, room)
				p := d.connect(s, "p", c.client, opts)
				switch mode.only {
				case "":
					p.waitUpgrade(t)
				case p.Transport:
				default:
					t.Fatalf("connected over %q, want %q", p.Transport, mode.only)
				}
				signalLikeACallPage(t, room, p, a, b)
				if mode.only != "" {
					p.barrier(t)
					if n := p.upgrades(); n > 0 {
						t.Fatalf("a client told to use %v upgraded", mode.transports)
					}
				}
				p.close()
				for _, other := range []*peer{a, b} {
					other.wantPeerEvent(t, "peer-left", room, p)
					var id string
					other.next(t, "user disconnected").arg(t, 0, &id)
					if id != p.ID {
						t.Fatalf("%s: user disconnected %q, want %q", other.name, id, p.ID)
					}
				}
			})
		}
	}
}

// companions connects two current clients over websocket, in room.
func companions(t *testing.T, s *server, d *driver, room string) (a, b *peer) {
	t.Helper()
	websocketOnly := map[string]any{"transports": []string{"websocket"}}
	a = d.connect(s, "a", clientV4, websocketOnly)
	b = d.connect(s, "b", clientV4, websocketOnly)
	a.join(t, room)
	b.join(t, room)
	return a, b
}

// signalLikeACallPage has p join room, where a and b are, and exchange with
// them what a call page exchanges.
func signalLikeACallPage(t *testing.T, room string, p, a, b *peer) {
	t.Helper()
	j := p.join(t, room)
	if j.Room != room || j.ID != p.ID {
		t.Fatalf("join acked %+v, want room %s and id %s", j, room, p.ID)
	}
	sameIDs(t, "peers", j.Peers, a, b)
	a.wantPeerEvent(t, "peer-joined", room, p)
	b.wantPeerEvent(t, "peer-joined", room, p)

	// To the room, with "from" stamped over a forged one.
	ackOK(t, p.call(t, "offer", map[string]any{"sdp": "offer from p", "from": "forged"}))
	for _, other := range []*peer{a, b} {
		if got := payload(t, other.next(t, "offer")); got["from"] != p.ID || got["sdp"] != "offer from p" {
			t.Fatalf("%s got offer %v, want from %s", other.name, got, p.ID)
		}
	}

	// To one peer, both ways.
	ackOK(t, p.call(t, "answer", map[string]any{"to": b.ID, "sdp": "answer for b"}))
	if got := payload(t, b.next(t, "answer")); got["from"] != p.ID || got["sdp"] != "answer for b" {
		t.Fatalf("b got answer %v", got)
	}
	ackOK(t, a.call(t, "ice", map[string]any{"to": p.ID, "candidate": "for p"}))
	if got := payload(t, p.next(t, "ice")); got["from"] != a.ID || got["candidate"] != "for p" {
		t.Fatalf("p got ice %v", got)
	}
	a.barrier(t)
	b.barrier(t)
	a.wantNone(t, "answer")
	b.wantNone(t, "ice")

	// Binary data beside an object payload, both ways.
	ackOK(t, p.call(t, "message", map[string]any{"kind": "file", "from": "forged"}, binaryArg(clientBlob)))
	for _, other := range []*peer{a, b} {
		wantBlob(t, other, other.next(t, "message"), p)
	}
	ackOK(t, a.call(t, "message", map[string]any{"kind": "file"}, binaryArg(clientBlob)))
	wantBlob(t, p, p.next(t, "message"), a)

	// A refusal is acked too.
	wantCode(t, p.call(t, "offer", map[string]any{"to": "no-such-peer"}), "not-in-room")
}

// wantBlob checks a relayed message: {kind: "file", from: sender.ID}, then
// clientBlob intact.
func wantBlob(t *testing.T, receiver *peer, r report, sender *peer) {
	t.Helper()
	if len(r.Args) != 2 {
		t.Fatalf("%s got message %s, want an object and binary data", receiver.name, r.Args)
	}
	if got := payload(t, r); got["from"] != sender.ID || got["kind"] != "file" {
		t.Fatalf("%s got message payload %v, want kind file from %s", receiver.name, got, sender.ID)
	}
	if got := r.binary(t, 1); !bytes.Equal(got, clientBlob) {
		t.Fatalf("%s got %d bytes %x, want the %d bytes sent", receiver.name, len(got), got, len(clientBlob))
	}
}

// Engine.IO lets a client that cannot send binary websocket frames send
// binary data as base64 text instead ("b" and the base64, after the packet
// type in version 3): socket.io-client 1.x does so in Node.js, whose ws
// 0.8 has no binaryType, and every version does with forceBase64. Such data
// must be relayed like any other.
func TestBase64BinaryOverWebsocket(t *testing.T) {
	t.Parallel()
	s := startServer(t, exactArgs...)
	websocketOnly := []string{"websocket"}
	for _, tc := range []struct {
		name, client string
		opts         map[string]any
	}{
		{"1.3.7 in Node.js", clientV1, map[string]any{"transports": websocketOnly}},
		{"2.5.0 with forceBase64", clientV2, map[string]any{"transports": websocketOnly, "forceBase64": true}},
		{"4.8.4 with forceBase64", clientV4, map[string]any{"transports": websocketOnly, "forceBase64": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDriver(t)
			room := "base64-" + tc.client
			a, _ := companions(t, s, d, room)
			p := d.connect(s, "p", tc.client, tc.opts)
			p.join(t, room)
			ackOK(t, p.call(t, "message", map[string]any{"kind": "file"}, binaryArg(clientBlob)))
			wantBlob(t, a, a.next(t, "message"), p)
		})
	}
}
