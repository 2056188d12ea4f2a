package server

// The signaling handlers, driven in-process through the real transport by a
// tiny socket.io client written here: Engine.IO 4 over a websocket, as the
// official 3.x and 4.x clients speak it. It shares no code with the
// transport, so a codec bug cannot hide on both sides.

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/rooms"
)

// packetTimeout bounds every wait for a packet the server should send.
const packetTimeout = 5 * time.Second

// barrierEvent is an event no configuration relays: its unknown-event ack
// tells a client that everything the server had queued for it before has
// arrived.
const barrierEvent = "signaling-test-barrier"

// testNode is one in-process roomcast node.
type testNode struct {
	t   *testing.T
	srv *Server
	url string // ws://host/socket.io/?EIO=4&transport=websocket
}

// newTestNode serves a node built from DefaultConfig changed by mutate.
// Connection state recovery is off unless mutate turns it on: with it, every
// event carries an offset argument, which the tests of recovery check.
func newTestNode(t *testing.T, mutate func(*Config)) *testNode {
	t.Helper()
	srv := newTestServer(t, func(c *Config) {
		c.Recovery.Window = 0
		if mutate != nil {
			mutate(c)
		}
	})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.transport.Close() // disconnects every socket, then returns
		ts.Close()
	})
	return &testNode{t: t, srv: srv, url: "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"}
}

// withRooms changes only the signaling rules of the default config.
func withRooms(mutate func(*rooms.Config)) func(*Config) {
	return func(c *Config) { mutate(&c.Rooms) }
}

// packet is one Socket.IO packet from the server.
type packet struct {
	kind        byte // '0' connect, '2' event, '3' ack, '4' connect error, '5' binary event...
	id          int  // the ack id, or -1
	attachments [][]byte
	data        json.RawMessage
}

func (p packet) String() string {
	return fmt.Sprintf("%c id=%d %s (+%d attachments)", p.kind, p.id, p.data, len(p.attachments))
}

// args returns an event's arguments after its name, or an ack's arguments.
func (p packet) args(t *testing.T) []json.RawMessage {
	t.Helper()
	var all []json.RawMessage
	if err := json.Unmarshal(p.data, &all); err != nil {
		t.Fatalf("packet %v: %v", p, err)
	}
	if p.kind == '2' || p.kind == '5' {
		return all[1:]
	}
	return all
}

// event returns an event packet's name.
func (p packet) event() string {
	var all []json.RawMessage
	var name string
	if (p.kind != '2' && p.kind != '5') || json.Unmarshal(p.data, &all) != nil || len(all) == 0 || json.Unmarshal(all[0], &name) != nil {
		return ""
	}
	return name
}

// testClient is one socket.io client on its own websocket.
type testClient struct {
	t    *testing.T
	name string
	conn *websocket.Conn
	id   string // the socket id the server gave
	acks int

	mu      sync.Mutex
	inbox   []packet
	taken   []bool
	changed chan struct{} // closed and replaced when a packet arrives or reading ends
	readErr error
	partial *packet // a binary packet waiting for attachments
	pending int
}

// dial opens a websocket (query is added to the URL, e.g. "room=r") and
// reads the Engine.IO open packet.
func (n *testNode) dial(t *testing.T, name, query string) *testClient {
	t.Helper()
	url := n.url
	if query != "" {
		url += "&" + query
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	c := &testClient{t: t, name: name, conn: conn, changed: make(chan struct{})}
	_ = conn.SetReadDeadline(time.Now().Add(packetTimeout))
	if _, open, err := conn.ReadMessage(); err != nil || !strings.HasPrefix(string(open), `0{"sid":`) {
		t.Fatalf("%s: open packet %q, %v", name, open, err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	done := make(chan struct{})
	go func() { defer close(done); c.read() }()
	t.Cleanup(func() { conn.Close(); <-done })
	return c
}

// connect opens the main namespace with auth (nil for none) and returns
// once the server has answered.
func (c *testClient) connect(auth any) *testClient {
	c.t.Helper()
	c.openNamespace(auth)
	// Every socket is told the ICE servers as it connects, the way
	// signalmaster does.
	c.want(rooms.EventStunServers)
	c.want(rooms.EventTurnServers)
	return c
}

// openNamespace sends the main namespace's CONNECT with auth (nil for
// none) and reads the socket id from its answer.
func (c *testClient) openNamespace(auth any) {
	c.t.Helper()
	frame := "40"
	if auth != nil {
		frame += mustJSON(c.t, auth)
	}
	c.send(frame)
	p := c.next()
	var answer struct {
		SID string `json:"sid"`
	}
	if p.kind != '0' || json.Unmarshal(p.data, &answer) != nil || answer.SID == "" {
		c.t.Fatalf("%s: connect answered %v", c.name, p)
	}
	c.id = answer.SID
}

// join connects a client with no auth; the default room, if any, holds it.
func (n *testNode) join(t *testing.T, name string) *testClient {
	t.Helper()
	return n.dial(t, name, "").connect(nil)
}

// joinRoom connects a client asking for room in its handshake and takes
// its joined event.
func (n *testNode) joinRoom(t *testing.T, name, room string) *testClient {
	t.Helper()
	c := n.dial(t, name, "").connect(map[string]any{"room": room})
	c.want(rooms.EventJoined)
	return c
}

// read turns frames into packets until the connection ends.
func (c *testClient) read() {
	for {
		typ, data, err := c.conn.ReadMessage()
		c.mu.Lock()
		if err != nil {
			c.readErr = err
			c.notifyLocked()
			c.mu.Unlock()
			return
		}
		c.frameLocked(typ == websocket.BinaryMessage, data)
		c.mu.Unlock()
	}
}

func (c *testClient) frameLocked(binary bool, data []byte) {
	if binary {
		if c.partial == nil {
			c.readErr = fmt.Errorf("a binary frame no packet announced")
			return
		}
		c.partial.attachments = append(c.partial.attachments, data)
		if c.pending--; c.pending == 0 {
			c.addLocked(*c.partial)
			c.partial = nil
		}
		return
	}
	if len(data) < 2 || data[0] != '4' { // pings, noops: not socket.io packets
		return
	}
	p, attachments, err := parsePacket(data[1:])
	if err != nil {
		c.readErr = fmt.Errorf("frame %q: %v", data, err)
		return
	}
	if attachments > 0 {
		c.partial, c.pending = &p, attachments
		return
	}
	c.addLocked(p)
}

func (c *testClient) addLocked(p packet) {
	c.inbox = append(c.inbox, p)
	c.taken = append(c.taken, false)
	c.notifyLocked()
}

func (c *testClient) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// parsePacket reads "<type>[<attachments>-][<id>]<json>"; the main
// namespace carries no namespace field.
func parsePacket(b []byte) (p packet, attachments int, err error) {
	p.kind, p.id, b = b[0], -1, b[1:]
	if p.kind == '5' || p.kind == '6' {
		n, rest, ok := strings.Cut(string(b), "-")
		if !ok {
			return p, 0, fmt.Errorf("no attachment count")
		}
		if attachments, err = strconv.Atoi(n); err != nil {
			return p, 0, err
		}
		b = []byte(rest)
	}
	digits := 0
	for digits < len(b) && b[digits] >= '0' && b[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		p.id, _ = strconv.Atoi(string(b[:digits]))
	}
	p.data = json.RawMessage(b[digits:])
	if len(p.data) > 0 && !json.Valid(p.data) {
		return p, 0, fmt.Errorf("invalid JSON")
	}
	return p, attachments, nil
}

func (c *testClient) send(frame string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		c.t.Fatalf("%s: send %s: %v", c.name, frame, err)
	}
}

// take returns the first packet not taken before that match accepts,
// waiting for it up to packetTimeout.
func (c *testClient) take(what string, match func(packet) bool) packet {
	c.t.Helper()
	deadline := time.After(packetTimeout)
	for {
		c.mu.Lock()
		for i, p := range c.inbox {
			if !c.taken[i] && match(p) {
				c.taken[i] = true
				c.mu.Unlock()
				return p
			}
		}
		changed, err := c.changed, c.readErr
		c.mu.Unlock()
		if err != nil {
			c.t.Fatalf("%s: no %s: reading ended: %v; unread: %v", c.name, what, err, c.unread())
		}
		select {
		case <-changed:
		case <-deadline:
			c.t.Fatalf("%s: no %s within %v; unread: %v", c.name, what, packetTimeout, c.unread())
		}
	}
}

// next returns the next packet not taken yet.
func (c *testClient) next() packet {
	c.t.Helper()
	return c.take("packet", func(packet) bool { return true })
}

// want takes the next packet, which must be event, and returns its
// arguments.
func (c *testClient) want(event string) []json.RawMessage {
	c.t.Helper()
	p := c.next()
	if p.event() != event {
		c.t.Fatalf("%s: got %v, want event %q", c.name, p, event)
	}
	return p.args(c.t)
}

// wantLeft takes the two events that tell a room a peer left it:
// roomcast's peer-left, and signalmaster's remove.
func (c *testClient) wantLeft(room string, who *testClient) {
	c.t.Helper()
	c.wantEvent(rooms.EventPeerLeft, roomPeerBody(room, who))
	c.wantEvent(rooms.EventRemove, map[string]any{"id": who.id})
}

// wantEvent takes the next packet and requires it to be event with exactly
// args (compared as JSON values).
func (c *testClient) wantEvent(event string, args ...any) {
	c.t.Helper()
	got := c.want(event)
	wantJSONArgs(c.t, c.name+" "+event, got, args...)
}

func (c *testClient) unread() []packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []packet
	for i, p := range c.inbox {
		if !c.taken[i] {
			out = append(out, p)
		}
	}
	return out
}

// emit sends an event without an ack id.
func (c *testClient) emit(event string, args ...any) {
	c.t.Helper()
	c.send("42" + mustJSON(c.t, append([]any{event}, args...)))
}

// call sends an event with an ack id and returns the ack's arguments.
func (c *testClient) call(event string, args ...any) []json.RawMessage {
	c.t.Helper()
	id := c.acks
	c.acks++
	c.send("42" + strconv.Itoa(id) + mustJSON(c.t, append([]any{event}, args...)))
	return c.take("ack "+strconv.Itoa(id), func(p packet) bool { return p.kind == '3' && p.id == id }).args(c.t)
}

// quiet fails if the client has received anything not taken yet, once
// everything the server had queued for it has arrived.
func (c *testClient) quiet() {
	c.t.Helper()
	wantErrorAck(c.t, c.call(barrierEvent), rooms.CodeUnknownEvent)
	if unread := c.unread(); len(unread) > 0 {
		c.t.Fatalf("%s: received %v, want nothing", c.name, unread)
	}
}

// wantOK requires an ack of success, (null) or (null, result), and returns
// the result decoded, or nil.
func wantOK(t *testing.T, ack []json.RawMessage) map[string]any {
	t.Helper()
	if len(ack) == 0 || len(ack) > 2 || string(ack[0]) != "null" {
		t.Fatalf("ack %s, want (null) or (null, result)", ack)
	}
	if len(ack) == 1 {
		return nil
	}
	var res map[string]any
	if err := json.Unmarshal(ack[1], &res); err != nil {
		t.Fatalf("ack result %s: %v", ack[1], err)
	}
	return res
}

// wantBareOK requires the ack (null).
func wantBareOK(t *testing.T, ack []json.RawMessage) {
	t.Helper()
	if len(ack) != 1 || string(ack[0]) != "null" {
		t.Fatalf("ack %s, want (null)", ack)
	}
}

// wantErrorAck requires the ack ({code, message}) with code.
func wantErrorAck(t *testing.T, ack []json.RawMessage, code string) {
	t.Helper()
	if len(ack) != 1 {
		t.Fatalf("ack %s, want one error argument", ack)
	}
	wantErrorBody(t, ack[0], code)
}

// wantErrorBody checks an error: an object of code, a message, and the
// extra keys named.
func wantErrorBody(t *testing.T, raw json.RawMessage, code string, extraKeys ...string) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		t.Fatalf("error %s is not an object", raw)
	}
	if body["code"] != code {
		t.Errorf("error code = %v, want %q", body["code"], code)
	}
	if msg, _ := body["message"].(string); msg == "" {
		t.Errorf("error message = %#v, want a non-empty string", body["message"])
	}
	if len(body) != 2+len(extraKeys) {
		t.Errorf("error %v, want keys code, message %v only", body, extraKeys)
	}
	return body
}

// wantJSONArgs compares received arguments with want, as JSON values.
func wantJSONArgs(t *testing.T, what string, got []json.RawMessage, want ...any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: args %s, want %d of them: %v", what, got, len(want), want)
	}
	for i := range want {
		if g, w := decodeJSON(t, got[i]), decodeJSON(t, []byte(mustJSON(t, want[i]))); !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: arg %d = %s, want %s", what, i, got[i], mustJSON(t, want[i]))
		}
	}
}

func decodeJSON(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// joinedBody is a join's result: {room, id, peers, clients, iceServers},
// clients in signalmaster's shape and no ICE servers configured.
func joinedBody(room string, id string, peers ...*testClient) map[string]any {
	ids := []any{}
	clients := map[string]any{}
	for _, p := range peers {
		ids = append(ids, p.id)
		clients[p.id] = map[string]any{"audio": false, "video": true, "screen": false}
	}
	return map[string]any{"room": room, "id": id, "peers": ids, "clients": clients, "iceServers": []any{}}
}

// wantJoined compares a join result with joinedBody, peers in any order.
func wantJoined(t *testing.T, got map[string]any, room string, c *testClient, peers ...*testClient) {
	t.Helper()
	if list, ok := got["peers"].([]any); ok {
		slices.SortFunc(list, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	}
	sorted := slices.Clone(peers)
	slices.SortFunc(sorted, func(a, b *testClient) int { return strings.Compare(a.id, b.id) })
	if want := joinedBody(room, c.id, sorted...); !reflect.DeepEqual(got, want) {
		t.Fatalf("join result %v, want %v", got, want)
	}
}

func roomPeerBody(room string, c *testClient) map[string]any {
	return map[string]any{"room": room, "id": c.id}
}

// roomsOf is the registry's answer: the truth the events must match.
func (n *testNode) roomsOf(c *testClient) []string {
	return n.srv.registry.RoomsOf(rooms.PeerID(c.id))
}

func (n *testNode) wantRooms(t *testing.T, c *testClient, want ...string) {
	t.Helper()
	got := slices.Sorted(slices.Values(n.roomsOf(c)))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s is in %q, want %q", c.name, got, want)
	}
}

func TestConnectDefaultRoom(t *testing.T) {
	n := newTestNode(t, nil)
	a := n.join(t, "a")
	b := n.join(t, "b")
	a.wantEvent(rooms.EventPeerJoined, roomPeerBody(rooms.DefaultDefaultRoom, b))
	b.quiet() // no joined event for the default room
	a.quiet()
	n.wantRooms(t, b, rooms.DefaultDefaultRoom)
}

func TestConnectNoDefaultRoom(t *testing.T) {
	n := newTestNode(t, withRooms(func(c *rooms.Config) { c.DefaultRoom = "" }))
	a := n.join(t, "a")
	b := n.join(t, "b")
	a.quiet()
	b.quiet()
	if peers, _ := n.srv.registry.Stats(); peers != 2 {
		t.Errorf("registry holds %d peers, want the 2 connected", peers)
	}
}

func TestConnectRequestedRoom(t *testing.T) {
	for _, tt := range []struct {
		name  string
		auth  any
		query string
	}{
		{"auth", map[string]any{"room": "r"}, ""},
		{"query, for clients without auth", nil, "room=r"},
		{"auth wins over the query", map[string]any{"room": "r"}, "room=elsewhere"},
		{"auth without a string room falls back to the query", map[string]any{"room": 3}, "room=r"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			b := n.joinRoom(t, "b", "r")
			a := n.dial(t, "a", tt.query).connect(tt.auth)
			var got map[string]any
			if err := json.Unmarshal(a.want(rooms.EventJoined)[0], &got); err != nil {
				t.Fatal(err)
			}
			wantJoined(t, got, "r", a, b)
			b.wantEvent(rooms.EventPeerJoined, roomPeerBody("r", a))
			n.wantRooms(t, a, "r")
		})
	}
}

func TestConnectRefusedRoom(t *testing.T) {
	for _, tt := range []struct {
		name     string
		room     string
		fill     bool // fill the room first
		wantCode string
	}{
		{"control character", "bad\x00room", false, rooms.CodeInvalidRoom},
		{"too long", strings.Repeat("a", rooms.MaxNameLength+1), false, rooms.CodeInvalidRoom},
		{"full room", "r", true, rooms.CodeRoomFull},
		{"full default room", "", true, rooms.CodeRoomFull},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, withRooms(func(c *rooms.Config) { c.MaxPeersPerRoom = 2 }))
			var auth any
			if tt.room != "" {
				auth = map[string]any{"room": tt.room}
			}
			var members []*testClient
			if tt.fill {
				for i := 0; i < 2; i++ {
					m := n.dial(t, fmt.Sprint("member", i), "").connect(auth)
					if auth != nil {
						m.want(rooms.EventJoined)
					}
					members = append(members, m)
				}
			}
			a := n.dial(t, "a", "").connect(auth)
			body := wantErrorBody(t, a.want(rooms.EventJoinError)[0], tt.wantCode, "room")
			wantRoom := tt.room
			if wantRoom == "" {
				wantRoom = rooms.DefaultDefaultRoom // the room refused is named
			}
			if body["room"] != wantRoom {
				t.Errorf("join-error room = %#v, want %q", body["room"], wantRoom)
			}
			n.wantRooms(t, a)
			// Nobody heard of a, and a stays connected: it may join elsewhere.
			if tt.fill {
				members[0].wantEvent(rooms.EventPeerJoined, roomPeerBody(wantRoom, members[1]))
			}
			for _, m := range members {
				m.quiet()
			}
			wantJoined(t, wantOK(t, a.call(rooms.EventJoin, "other")), "other", a)
		})
	}
}

// quietExcept is quiet for a client that may also have received events of
// that name, which it takes: the setup of a test, where who heard of whom
// is not the point.
func (c *testClient) quietExcept(event string) {
	c.t.Helper()
	wantErrorAck(c.t, c.call(barrierEvent), rooms.CodeUnknownEvent)
	c.mu.Lock()
	for i, p := range c.inbox {
		if !c.taken[i] && p.event() == event {
			c.taken[i] = true
		}
	}
	c.mu.Unlock()
	if unread := c.unread(); len(unread) > 0 {
		c.t.Fatalf("%s: received %v, want nothing but %s", c.name, unread, event)
	}
}

func TestJoinLeavesDefaultRoom(t *testing.T) {
	n := newTestNode(t, nil)
	a := n.join(t, "a")
	b := n.join(t, "b")
	a.want(rooms.EventPeerJoined)
	wantJoined(t, wantOK(t, a.call(rooms.EventJoin, "x")), "x", a)
	b.wantLeft(rooms.DefaultDefaultRoom, a)
	a.quiet() // only the ack
	b.quiet()
	n.wantRooms(t, a, "x")
}

func TestJoinArgForms(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []any
	}{
		{"name", []any{"x"}},
		{"object", []any{map[string]any{"room": "x"}}},
		{"object with extra fields", []any{map[string]any{"room": "x", "video": true}}},
		{"extra arguments", []any{"x", "ignored"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			b := n.joinRoom(t, "b", "x")
			a := n.join(t, "a")
			wantJoined(t, wantOK(t, a.call(rooms.EventJoin, tt.args...)), "x", a, b)
			b.wantEvent(rooms.EventPeerJoined, roomPeerBody("x", a))
			n.wantRooms(t, a, "x")
		})
	}
}

func TestJoinRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []any
	}{
		{"no args", nil},
		{"null", []any{nil}},
		{"empty name", []any{""}},
		{"number", []any{3}},
		{"float", []any{1.5}},
		{"bool", []any{true}},
		{"array", []any{[]any{"x"}}},
		{"object without room", []any{map[string]any{}}},
		{"object with numeric room", []any{map[string]any{"room": 3}}},
		{"control character", []any{"a\nb"}},
		{"too long", []any{strings.Repeat("é", rooms.MaxNameLength+1)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			b := n.join(t, "b")
			a := n.join(t, "a")
			b.want(rooms.EventPeerJoined)
			wantErrorAck(t, a.call(rooms.EventJoin, tt.args...), rooms.CodeInvalidRoom)
			a.quiet()
			b.quiet()
			n.wantRooms(t, a, rooms.DefaultDefaultRoom)
		})
	}
}

func TestJoinLimits(t *testing.T) {
	t.Run("room full", func(t *testing.T) {
		n := newTestNode(t, withRooms(func(c *rooms.Config) { c.MaxPeersPerRoom = 2 }))
		b := n.joinRoom(t, "b", "x")
		c := n.joinRoom(t, "c", "x")
		b.want(rooms.EventPeerJoined)
		a := n.join(t, "a")
		wantErrorAck(t, a.call(rooms.EventJoin, "x"), rooms.CodeRoomFull)
		b.quiet()
		c.quiet()
		n.wantRooms(t, a, rooms.DefaultDefaultRoom)
	})
	t.Run("too many rooms", func(t *testing.T) {
		n := newTestNode(t, withRooms(func(c *rooms.Config) { c.MaxRoomsPerPeer = 1 }))
		a := n.joinRoom(t, "a", "x")
		wantErrorAck(t, a.call(rooms.EventJoin, "y"), rooms.CodeTooManyRooms)
		a.quiet()
		n.wantRooms(t, a, "x")
	})
}

func TestJoinTwice(t *testing.T) {
	n := newTestNode(t, nil)
	a := n.join(t, "a")
	wantOK(t, a.call(rooms.EventJoin, "x"))
	b := n.joinRoom(t, "b", "x")
	a.want(rooms.EventPeerJoined)
	wantJoined(t, wantOK(t, a.call(rooms.EventJoin, "x")), "x", a, b)
	b.quiet() // nobody is told again
	a.quiet()
}

func TestJoinWithoutAck(t *testing.T) {
	n := newTestNode(t, nil)
	a := n.join(t, "a")
	a.emit(rooms.EventJoin, "x")
	a.emit(rooms.EventJoin, 3) // refused, and nobody to tell
	a.quiet()
	n.wantRooms(t, a, "x")
}

func TestLeave(t *testing.T) {
	for _, tt := range []struct {
		name      string
		args      []any
		wantRooms []string
	}{
		{"by name", []any{"x"}, []string{"x"}},
		{"by object", []any{map[string]any{"room": "x"}}, []string{"x"}},
		{"everything", nil, []string{"x", "y"}},
		{"everything, null", []any{nil}, []string{"x", "y"}},
		{"everything, empty object", []any{map[string]any{}}, []string{"x", "y"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			a := n.joinRoom(t, "a", "x")
			wantOK(t, a.call(rooms.EventJoin, "y"))
			bx := n.joinRoom(t, "bx", "x")
			by := n.joinRoom(t, "by", "y")
			a.quietExcept(rooms.EventPeerJoined)

			res := wantOK(t, a.call(rooms.EventLeave, tt.args...))
			if want := map[string]any{"rooms": toAny(tt.wantRooms)}; !reflect.DeepEqual(res, want) {
				t.Errorf("leave result %v, want %v", res, want)
			}
			for room, member := range map[string]*testClient{"x": bx, "y": by} {
				if slices.Contains(tt.wantRooms, room) {
					member.wantLeft(room, a)
				}
				member.quiet()
			}
			left := slices.DeleteFunc([]string{"x", "y"}, func(r string) bool { return slices.Contains(tt.wantRooms, r) })
			n.wantRooms(t, a, left...)
		})
	}
}

func toAny(ss []string) []any {
	out := []any{}
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

func TestLeaveRefused(t *testing.T) {
	for _, tt := range []struct {
		name     string
		args     []any
		wantCode string
	}{
		{"not a member", []any{"y"}, rooms.CodeNotInRoom},
		{"number", []any{3}, rooms.CodeInvalidRoom},
		{"numeric room", []any{map[string]any{"room": 3}}, rooms.CodeInvalidRoom},
		{"invalid name", []any{"a\x00"}, rooms.CodeInvalidRoom},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			a := n.joinRoom(t, "a", "x")
			b := n.joinRoom(t, "b", "x")
			a.want(rooms.EventPeerJoined)
			wantErrorAck(t, a.call(rooms.EventLeave, tt.args...), tt.wantCode)
			a.quiet()
			b.quiet()
			n.wantRooms(t, a, "x")
		})
	}
}

func TestLeaveNothing(t *testing.T) {
	n := newTestNode(t, withRooms(func(c *rooms.Config) { c.DefaultRoom = "" }))
	a := n.join(t, "a")
	if res := wantOK(t, a.call(rooms.EventLeave)); !reflect.DeepEqual(res, map[string]any{"rooms": []any{}}) {
		t.Errorf("leave of no rooms = %v, want {rooms: []}", res)
	}
	a.quiet()
}

// relayRooms is the cast of the relay tests: a in r and s; b in r only; d
// in s only; e in r and s, like a; c in room other.
type relayRooms struct {
	n             *testNode
	a, b, c, d, e *testClient
}

func newRelayRooms(t *testing.T, mutate func(*Config)) relayRooms {
	t.Helper()
	n := newTestNode(t, mutate)
	rr := relayRooms{n: n}
	rr.a = n.joinRoom(t, "a", "r")
	wantOK(t, rr.a.call(rooms.EventJoin, "s"))
	rr.b = n.joinRoom(t, "b", "r")
	rr.d = n.joinRoom(t, "d", "s")
	rr.e = n.joinRoom(t, "e", "r")
	wantOK(t, rr.e.call(rooms.EventJoin, "s"))
	rr.c = n.joinRoom(t, "c", "other")
	for _, p := range rr.all() {
		p.quietExcept(rooms.EventPeerJoined)
	}
	return rr
}

func (rr relayRooms) all() []*testClient { return []*testClient{rr.a, rr.b, rr.c, rr.d, rr.e} }

// quiet requires every client but those named to have received nothing.
func (rr relayRooms) quiet(except ...*testClient) {
	for _, p := range rr.all() {
		if !slices.Contains(except, p) {
			p.quiet()
		}
	}
}

func TestRelayToRooms(t *testing.T) {
	rr := newRelayRooms(t, nil)
	wantBareOK(t, rr.a.call("offer", map[string]any{"sdp": "v=0", "from": "spoofed"}))
	// Every member of a's rooms once, from overwritten with the sender.
	for _, p := range []*testClient{rr.b, rr.d, rr.e} {
		p.wantEvent("offer", map[string]any{"sdp": "v=0", "from": rr.a.id})
	}
	rr.quiet()
}

func TestRelayToOneRoom(t *testing.T) {
	rr := newRelayRooms(t, nil)
	wantBareOK(t, rr.a.call("message", map[string]any{"room": "s", "text": "hi"}))
	for _, p := range []*testClient{rr.d, rr.e} {
		p.wantEvent("message", map[string]any{"room": "s", "text": "hi", "from": rr.a.id})
	}
	rr.quiet()
}

func TestRelayToPeer(t *testing.T) {
	rr := newRelayRooms(t, nil)
	wantBareOK(t, rr.a.call("answer", map[string]any{"to": rr.d.id, "sdp": "v=0"}))
	rr.d.wantEvent("answer", map[string]any{"to": rr.d.id, "sdp": "v=0", "from": rr.a.id})
	rr.quiet()
}

func TestRelayRefused(t *testing.T) {
	for _, tt := range []struct {
		name     string
		payload  func(rr relayRooms) map[string]any
		wantCode string
	}{
		{"peer in no shared room", func(rr relayRooms) map[string]any { return map[string]any{"to": rr.c.id} }, rooms.CodeNotInRoom},
		{"unknown peer", func(relayRooms) map[string]any { return map[string]any{"to": "nobody"} }, rooms.CodeNotInRoom},
		{"room not joined", func(relayRooms) map[string]any { return map[string]any{"room": "other"} }, rooms.CodeNotInRoom},
		{"to is a number", func(relayRooms) map[string]any { return map[string]any{"to": 5} }, rooms.CodeInvalidPayload},
		{"to is empty", func(relayRooms) map[string]any { return map[string]any{"to": ""} }, rooms.CodeInvalidPayload},
		{"to is the sender", func(rr relayRooms) map[string]any { return map[string]any{"to": rr.a.id} }, rooms.CodeInvalidPayload},
		{"room is a number", func(relayRooms) map[string]any { return map[string]any{"room": 5} }, rooms.CodeInvalidPayload},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rr := newRelayRooms(t, nil)
			wantErrorAck(t, rr.a.call("offer", tt.payload(rr)), tt.wantCode)
			rr.quiet()
		})
	}
}

func TestRelayOutsideRooms(t *testing.T) {
	n := newTestNode(t, withRooms(func(c *rooms.Config) { c.DefaultRoom = "" }))
	a := n.join(t, "a")
	b := n.join(t, "b")
	wantErrorAck(t, a.call("offer", map[string]any{"sdp": "v=0"}), rooms.CodeNotInRoom)
	a.quiet()
	b.quiet()
}

func TestRelayNonObjectPayload(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []any
	}{
		{"string", []any{"hi"}},
		{"number", []any{3}},
		{"null", []any{nil}},
		{"array", []any{[]any{"a", 1.0}}},
		{"several args", []any{"hi", 2.0, map[string]any{"k": "v"}}},
		{"object then more args", []any{map[string]any{"k": "v"}, "tail", []any{1}}},
		{"no args", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rr := newRelayRooms(t, nil)
			wantBareOK(t, rr.b.call("message", tt.args...))
			want := slices.Clone(tt.args)
			if len(want) > 0 {
				if obj, ok := want[0].(map[string]any); ok { // only an object gets from
					want[0] = map[string]any{"k": obj["k"], "from": rr.b.id}
				}
			}
			for _, p := range []*testClient{rr.a, rr.e} {
				p.wantEvent("message", want...)
			}
			rr.quiet()
		})
	}
}

func TestRelayBinary(t *testing.T) {
	rr := newRelayRooms(t, nil)
	blob := []byte{0, 1, 2, 0xfe, 0xff}
	id := rr.b.acks
	rr.b.acks++
	rr.b.send(fmt.Sprintf(`451-%d["message",{"kind":"file"},{"_placeholder":true,"num":0}]`, id))
	if err := rr.b.conn.WriteMessage(websocket.BinaryMessage, blob); err != nil {
		t.Fatal(err)
	}
	wantBareOK(t, rr.b.take("ack", func(p packet) bool { return p.kind == '3' && p.id == id }).args(t))
	for _, p := range []*testClient{rr.a, rr.e} {
		got := p.next()
		if got.event() != "message" || len(got.attachments) != 1 || string(got.attachments[0]) != string(blob) {
			t.Fatalf("%s got %v %x, want message with the blob", p.name, got, got.attachments)
		}
		wantJSONArgs(t, p.name, got.args(t), map[string]any{"kind": "file", "from": rr.b.id}, map[string]any{"_placeholder": true, "num": 0})
	}
	rr.quiet()
}

func TestRelayWithoutAck(t *testing.T) {
	rr := newRelayRooms(t, nil)
	rr.b.emit("offer", map[string]any{"sdp": "v=0"})
	rr.b.emit("offer", map[string]any{"to": rr.c.id}) // refused, nobody to tell
	for _, p := range []*testClient{rr.a, rr.e} {
		p.wantEvent("offer", map[string]any{"sdp": "v=0", "from": rr.b.id})
	}
	rr.quiet()
}

func TestUnknownEvent(t *testing.T) {
	for _, event := range []string{"shout", rooms.EventJoined, rooms.EventPeerLeft, rooms.EventUserDisconnected, ""} {
		t.Run(event, func(t *testing.T) {
			rr := newRelayRooms(t, nil)
			wantErrorAck(t, rr.a.call(event, map[string]any{"sdp": "v=0"}), rooms.CodeUnknownEvent)
			rr.a.emit(event) // without an ack: dropped quietly
			rr.quiet()
		})
	}
}

func TestCustomRelayEvents(t *testing.T) {
	n := newTestNode(t, withRooms(func(c *rooms.Config) { c.RelayEvents = []string{"signal"} }))
	a := n.joinRoom(t, "a", "r")
	b := n.joinRoom(t, "b", "r")
	a.want(rooms.EventPeerJoined)
	wantBareOK(t, a.call("signal", "x"))
	b.wantEvent("signal", "x")
	wantErrorAck(t, a.call("offer", "x"), rooms.CodeUnknownEvent)
	a.quiet()
	b.quiet()
}

func TestDisconnect(t *testing.T) {
	for _, tt := range []struct {
		name  string
		leave func(c *testClient)
	}{
		{"connection closed", func(c *testClient) { c.conn.Close() }},
		{"namespace disconnect", func(c *testClient) { c.send("41") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rr := newRelayRooms(t, nil)
			tt.leave(rr.a)
			// b shares r with a, d shares s; e shares both and hears of
			// each room, but of the disconnect once.
			rr.b.wantLeft("r", rr.a)
			rr.b.wantEvent(rooms.EventUserDisconnected, rr.a.id)
			rr.d.wantLeft("s", rr.a)
			rr.d.wantEvent(rooms.EventUserDisconnected, rr.a.id)
			rr.e.wantLeft("r", rr.a)
			rr.e.wantLeft("s", rr.a)
			rr.e.wantEvent(rooms.EventUserDisconnected, rr.a.id)
			rr.quiet(rr.a)
			rr.n.wantRooms(t, rr.a)
			got := slices.Sorted(slices.Values(rr.n.srv.registry.Members("s")))
			if want := slices.Sorted(slices.Values([]rooms.PeerID{rooms.PeerID(rr.d.id), rooms.PeerID(rr.e.id)})); !slices.Equal(got, want) {
				t.Errorf("room s has members %q, want d and e %q", got, want)
			}
		})
	}
}

// The last events a peer sends before it closes reach the others before
// they hear it left.
func TestLastEventsBeforeDisconnect(t *testing.T) {
	n := newTestNode(t, nil)
	a := n.joinRoom(t, "a", "r")
	b := n.joinRoom(t, "b", "r")
	a.want(rooms.EventPeerJoined)
	a.emit("hangup", map[string]any{"n": 1})
	a.emit("bye")
	a.conn.Close()
	b.wantEvent("hangup", map[string]any{"n": 1, "from": a.id})
	b.wantEvent("bye")
	b.wantLeft("r", a)
	b.wantEvent(rooms.EventUserDisconnected, a.id)
	b.quiet()
}

func TestDisconnectDefaultRoom(t *testing.T) {
	n := newTestNode(t, nil)
	a := n.join(t, "a")
	b := n.join(t, "b")
	a.want(rooms.EventPeerJoined)
	a.conn.Close()
	b.wantLeft(rooms.DefaultDefaultRoom, a)
	b.wantEvent(rooms.EventUserDisconnected, a.id)
	b.quiet()
}

func TestDisconnectWithoutRooms(t *testing.T) {
	n := newTestNode(t, withRooms(func(c *rooms.Config) { c.DefaultRoom = "" }))
	a := n.join(t, "a")
	b := n.join(t, "b")
	a.conn.Close()
	b.quiet()
	// Nobody is told of a peer in no room; the transport's Close returns
	// once every Disconnect, a's included, has run.
	n.srv.transport.Close()
	if peers, rooms := n.srv.registry.Stats(); peers != 0 || rooms != 0 {
		t.Fatalf("registry holds %d peers in %d rooms after every disconnect, want none", peers, rooms)
	}
}
