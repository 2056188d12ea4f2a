package server

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/roomcast/roomcast/rooms"
)

// emitCall is one emit a fakePeer was asked to make.
type emitCall struct {
	Rooms []string     // EmitToRooms only
	To    rooms.PeerID // EmitToPeer only
	Event string
	Args  []any
}

// fakePeer records what the signaling handlers ask of a transport peer.
type fakePeer struct {
	id rooms.PeerID

	mu           sync.Mutex
	subscribed   []string
	unsubscribed []string
	emits        []emitCall // Emit, to the peer itself
	toRooms      []emitCall
	toPeer       []emitCall
	ops          []string // every call, in order, as "Method arg"
}

func newFakePeer(id string) *fakePeer { return &fakePeer{id: rooms.PeerID(id)} }

func (p *fakePeer) ID() rooms.PeerID { return p.id }

func (p *fakePeer) Subscribe(room string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.subscribed = append(p.subscribed, room)
	p.ops = append(p.ops, "Subscribe "+room)
}

func (p *fakePeer) Unsubscribe(room string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unsubscribed = append(p.unsubscribed, room)
	p.ops = append(p.ops, "Unsubscribe "+room)
}

func (p *fakePeer) Emit(event string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.emits = append(p.emits, emitCall{Event: event, Args: args})
	p.ops = append(p.ops, "Emit "+event)
}

func (p *fakePeer) EmitToRooms(names []string, event string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.toRooms = append(p.toRooms, emitCall{Rooms: slices.Clone(names), Event: event, Args: args})
	p.ops = append(p.ops, fmt.Sprintf("EmitToRooms %v %s", names, event))
}

func (p *fakePeer) EmitToPeer(id rooms.PeerID, event string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.toPeer = append(p.toPeer, emitCall{To: id, Event: event, Args: args})
	p.ops = append(p.ops, fmt.Sprintf("EmitToPeer %s %s", id, event))
}

// reset forgets every recorded call, so a test can look at one step only.
func (p *fakePeer) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.subscribed, p.unsubscribed, p.emits, p.toRooms, p.toPeer, p.ops = nil, nil, nil, nil, nil, nil
}

// wantSilent fails when the peer was asked for anything since its last reset.
func (p *fakePeer) wantSilent(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ops) > 0 {
		t.Errorf("peer %s: unexpected calls %q", p.id, p.ops)
	}
}

// wantOps fails unless the peer's calls since its last reset are exactly want.
func (p *fakePeer) wantOps(t *testing.T, want ...string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Equal(p.ops, want) {
		t.Errorf("peer %s: calls = %q, want %q", p.id, p.ops, want)
	}
}

// acks records the answers given to one client ack callback.
type acks struct{ calls [][]any }

func (a *acks) reply() reply { return func(args ...any) { a.calls = append(a.calls, args) } }

// wantOK fails unless exactly one ack was (null, result), and returns result.
func (a *acks) wantOK(t *testing.T) map[string]any {
	t.Helper()
	if len(a.calls) != 1 {
		t.Fatalf("acked %d times (%v), want once", len(a.calls), a.calls)
	}
	args := a.calls[0]
	if len(args) != 2 || args[0] != nil {
		t.Fatalf("ack = %#v, want (nil, result)", args)
	}
	res, ok := args[1].(map[string]any)
	if !ok {
		t.Fatalf("ack result = %#v, want a map", args[1])
	}
	return res
}

// wantBareOK fails unless exactly one ack was (null).
func (a *acks) wantBareOK(t *testing.T) {
	t.Helper()
	if len(a.calls) != 1 {
		t.Fatalf("acked %d times (%v), want once", len(a.calls), a.calls)
	}
	if args := a.calls[0]; len(args) != 1 || args[0] != nil {
		t.Fatalf("ack = %#v, want (nil)", args)
	}
}

// wantErr fails unless exactly one ack was ({code, message}) with code.
func (a *acks) wantErr(t *testing.T, code string) {
	t.Helper()
	if len(a.calls) != 1 {
		t.Fatalf("acked %d times (%v), want once", len(a.calls), a.calls)
	}
	args := a.calls[0]
	if len(args) != 1 {
		t.Fatalf("ack = %#v, want one error argument", args)
	}
	wantErrorBody(t, args[0], code)
}

// wantErrorBody checks an error body: a map holding code and a message.
func wantErrorBody(t *testing.T, v any, code string, extraKeys ...string) map[string]any {
	t.Helper()
	body, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("error body = %#v, want map[string]any", v)
	}
	if body["code"] != code {
		t.Errorf("error code = %v, want %q", body["code"], code)
	}
	if msg, _ := body["message"].(string); msg == "" {
		t.Errorf("error message = %#v, want a non-empty string", body["message"])
	}
	if len(body) != 2+len(extraKeys) {
		t.Errorf("error body = %v, want keys code, message %v only", body, extraKeys)
	}
	return body
}

// testSignaling returns handlers over a fresh registry built from
// rooms.DefaultConfig changed by mutate.
func testSignaling(t *testing.T, mutate func(*rooms.Config)) *signaling {
	t.Helper()
	cfg := rooms.DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test rooms config does not validate: %v", err)
	}
	return newSignaling(rooms.NewRegistry(cfg), discardLogger())
}

// connected connects a fake peer asking for room and forgets the calls that
// made.
func connected(t *testing.T, s *signaling, id, room string) *fakePeer {
	t.Helper()
	p := newFakePeer(id)
	s.connect(p, room)
	if want := []string{room}; room != "" && !slices.Equal(s.registry.RoomsOf(p.id), want) {
		t.Fatalf("connect(%s, %q): peer is in %q, want %q", id, room, s.registry.RoomsOf(p.id), want)
	}
	p.reset()
	return p
}

// joined has p join room through handle and forgets the calls that made.
func joined(t *testing.T, s *signaling, p *fakePeer, room string) {
	t.Helper()
	var a acks
	s.handle(p, "join", []any{room}, a.reply())
	a.wantOK(t)
	p.reset()
}

func joinedBody(room, id string, peers ...string) map[string]any {
	clients := map[string]any{}
	for _, other := range peers {
		clients[other] = map[string]any{}
	}
	if peers == nil {
		peers = []string{}
	}
	return map[string]any{"room": room, "id": id, "peers": peers, "clients": clients}
}

func TestConnectDefaultRoom(t *testing.T) {
	s := testSignaling(t, nil)
	p := newFakePeer("a")
	s.connect(p, "")

	p.wantOps(t, "Subscribe lobby", "EmitToRooms [lobby] peer-joined")
	want := emitCall{Rooms: []string{"lobby"}, Event: "peer-joined", Args: []any{map[string]any{"room": "lobby", "id": "a"}}}
	if len(p.toRooms) != 1 || !reflect.DeepEqual(p.toRooms[0], want) {
		t.Errorf("EmitToRooms calls = %#v, want [%#v]", p.toRooms, want)
	}
	if len(p.emits) != 0 {
		t.Errorf("connect without a room emitted %#v to the peer, want nothing", p.emits)
	}
	if got := s.registry.RoomsOf("a"); !slices.Equal(got, []string{"lobby"}) {
		t.Errorf("registry rooms of a = %q, want [lobby]", got)
	}
}

func TestConnectNoDefaultRoom(t *testing.T) {
	s := testSignaling(t, func(c *rooms.Config) { c.DefaultRoom = "" })
	p := newFakePeer("a")
	s.connect(p, "")
	p.wantSilent(t)
	if peers, _ := s.registry.Stats(); peers != 1 {
		t.Errorf("registry holds %d peers, want the connected one", peers)
	}
}

func TestConnectRequestedRoom(t *testing.T) {
	s := testSignaling(t, nil)
	connected(t, s, "b", "r")
	p := newFakePeer("a")
	s.connect(p, "r")

	p.wantOps(t, "Subscribe r", "EmitToRooms [r] peer-joined", "Emit joined")
	wantJoin := emitCall{Rooms: []string{"r"}, Event: "peer-joined", Args: []any{map[string]any{"room": "r", "id": "a"}}}
	if len(p.toRooms) != 1 || !reflect.DeepEqual(p.toRooms[0], wantJoin) {
		t.Errorf("EmitToRooms calls = %#v, want [%#v]", p.toRooms, wantJoin)
	}
	wantSelf := emitCall{Event: "joined", Args: []any{joinedBody("r", "a", "b")}}
	if len(p.emits) != 1 || !reflect.DeepEqual(p.emits[0], wantSelf) {
		t.Errorf("Emit calls = %#v, want [%#v]", p.emits, wantSelf)
	}
}

func TestConnectRefusedRoom(t *testing.T) {
	tests := []struct {
		name     string
		room     string
		full     bool // fill the room first
		wantCode string
	}{
		{"control character", "bad\x00room", false, rooms.CodeInvalidRoom},
		{"too long", strings.Repeat("a", rooms.MaxNameLength+1), false, rooms.CodeInvalidRoom},
		{"full room", "r", true, rooms.CodeRoomFull},
		{"full default room", "", true, rooms.CodeRoomFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSignaling(t, func(c *rooms.Config) { c.MaxPeersPerRoom = 2 })
			if tt.full {
				connected(t, s, "x1", tt.room)
				connected(t, s, "x2", tt.room)
			}
			p := newFakePeer("a")
			s.connect(p, tt.room)

			p.wantOps(t, "Emit join-error")
			if len(p.emits) != 1 || len(p.emits[0].Args) != 1 {
				t.Fatalf("Emit calls = %#v, want one join-error with one argument", p.emits)
			}
			body := wantErrorBody(t, p.emits[0].Args[0], tt.wantCode, "room")
			wantRoom := tt.room
			if wantRoom == "" {
				wantRoom = rooms.DefaultDefaultRoom // the room that was refused is named
			}
			if body["room"] != wantRoom {
				t.Errorf("join-error room = %#v, want %q", body["room"], wantRoom)
			}

			// The peer stays registered and may try again.
			var a acks
			p.reset()
			s.handle(p, "join", []any{"other"}, a.reply())
			if res := a.wantOK(t); res["room"] != "other" {
				t.Errorf("join after a refused connect answered %v, want room other", res)
			}
		})
	}
}

func TestJoinLeavesDefaultRoom(t *testing.T) {
	s := testSignaling(t, nil)
	p := connected(t, s, "a", "")
	var a acks
	s.handle(p, "join", []any{"x"}, a.reply())

	if res := a.wantOK(t); !reflect.DeepEqual(res, joinedBody("x", "a")) {
		t.Errorf("join result = %#v, want %#v", res, joinedBody("x", "a"))
	}
	p.wantOps(t, "Unsubscribe lobby", "EmitToRooms [lobby] peer-left", "Subscribe x", "EmitToRooms [x] peer-joined")
	want := []emitCall{
		{Rooms: []string{"lobby"}, Event: "peer-left", Args: []any{map[string]any{"room": "lobby", "id": "a"}}},
		{Rooms: []string{"x"}, Event: "peer-joined", Args: []any{map[string]any{"room": "x", "id": "a"}}},
	}
	if !reflect.DeepEqual(p.toRooms, want) {
		t.Errorf("EmitToRooms calls = %#v, want %#v", p.toRooms, want)
	}
	if len(p.emits) != 0 {
		t.Errorf("join emitted %#v to the peer, want only the ack", p.emits)
	}
}

func TestJoinArgForms(t *testing.T) {
	tests := []struct {
		name string
		args []any
	}{
		{"name", []any{"x"}},
		{"object", []any{map[string]any{"room": "x"}}},
		{"object with extra fields", []any{map[string]any{"room": "x", "video": true}}},
		{"extra arguments", []any{"x", "ignored"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSignaling(t, nil)
			connected(t, s, "b", "x")
			p := connected(t, s, "a", "")
			var a acks
			s.handle(p, "join", tt.args, a.reply())
			if res := a.wantOK(t); !reflect.DeepEqual(res, joinedBody("x", "a", "b")) {
				t.Errorf("join result = %#v, want %#v", res, joinedBody("x", "a", "b"))
			}
			if !slices.Equal(p.subscribed, []string{"x"}) {
				t.Errorf("subscribed = %q, want [x]", p.subscribed)
			}
		})
	}
}

func TestJoinRefused(t *testing.T) {
	tests := []struct {
		name     string
		args     []any
		wantCode string
	}{
		{"no args", nil, rooms.CodeInvalidRoom},
		{"nil", []any{nil}, rooms.CodeInvalidRoom},
		{"empty name", []any{""}, rooms.CodeInvalidRoom},
		{"number", []any{3}, rooms.CodeInvalidRoom},
		{"float", []any{1.5}, rooms.CodeInvalidRoom},
		{"bool", []any{true}, rooms.CodeInvalidRoom},
		{"array", []any{[]any{"x"}}, rooms.CodeInvalidRoom},
		{"object without room", []any{map[string]any{}}, rooms.CodeInvalidRoom},
		{"object with numeric room", []any{map[string]any{"room": 3}}, rooms.CodeInvalidRoom},
		{"control character", []any{"a\nb"}, rooms.CodeInvalidRoom},
		{"too long", []any{strings.Repeat("é", rooms.MaxNameLength+1)}, rooms.CodeInvalidRoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSignaling(t, nil)
			p := connected(t, s, "a", "")
			var a acks
			s.handle(p, "join", tt.args, a.reply())
			a.wantErr(t, tt.wantCode)
			p.wantSilent(t)
			if got := s.registry.RoomsOf("a"); !slices.Equal(got, []string{"lobby"}) {
				t.Errorf("after a refused join, a is in %q, want [lobby]", got)
			}
		})
	}
}

func TestJoinLimits(t *testing.T) {
	t.Run("room full", func(t *testing.T) {
		s := testSignaling(t, func(c *rooms.Config) { c.MaxPeersPerRoom = 2 })
		connected(t, s, "b", "x")
		connected(t, s, "c", "x")
		p := connected(t, s, "a", "")
		var a acks
		s.handle(p, "join", []any{"x"}, a.reply())
		a.wantErr(t, rooms.CodeRoomFull)
		p.wantSilent(t)
	})
	t.Run("too many rooms", func(t *testing.T) {
		s := testSignaling(t, func(c *rooms.Config) { c.MaxRoomsPerPeer = 1 })
		p := connected(t, s, "a", "x")
		var a acks
		s.handle(p, "join", []any{"y"}, a.reply())
		a.wantErr(t, rooms.CodeTooManyRooms)
		p.wantSilent(t)
	})
}

func TestJoinTwice(t *testing.T) {
	s := testSignaling(t, nil)
	p := connected(t, s, "a", "")
	joined(t, s, p, "x")
	connected(t, s, "b", "x")

	var a acks
	s.handle(p, "join", []any{"x"}, a.reply())
	if res := a.wantOK(t); !reflect.DeepEqual(res, joinedBody("x", "a", "b")) {
		t.Errorf("second join result = %#v, want %#v", res, joinedBody("x", "a", "b"))
	}
	p.wantSilent(t) // no second Subscribe, nobody told again
}

func TestJoinWithoutAck(t *testing.T) {
	s := testSignaling(t, nil)
	p := connected(t, s, "a", "")
	s.handle(p, "join", []any{"x"}, nil)
	s.handle(p, "join", []any{3}, nil)
	if got := s.registry.RoomsOf("a"); !slices.Equal(got, []string{"x"}) {
		t.Errorf("a is in %q, want [x]", got)
	}
}

func TestLeave(t *testing.T) {
	tests := []struct {
		name      string
		args      []any
		wantRooms []string
	}{
		{"by name", []any{"x"}, []string{"x"}},
		{"by object", []any{map[string]any{"room": "x"}}, []string{"x"}},
		{"everything", nil, []string{"x", "y"}},
		{"everything, nil", []any{nil}, []string{"x", "y"}},
		{"everything, empty object", []any{map[string]any{}}, []string{"x", "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSignaling(t, nil)
			p := connected(t, s, "a", "x")
			joined(t, s, p, "y")

			var a acks
			s.handle(p, "leave", tt.args, a.reply())
			res := a.wantOK(t)
			if want := map[string]any{"rooms": tt.wantRooms}; !reflect.DeepEqual(res, want) {
				t.Errorf("leave result = %#v, want %#v", res, want)
			}
			var wantOps []string
			var wantEmits []emitCall
			for _, room := range tt.wantRooms {
				wantOps = append(wantOps, "Unsubscribe "+room, "EmitToRooms ["+room+"] peer-left")
				wantEmits = append(wantEmits, emitCall{
					Rooms: []string{room}, Event: "peer-left",
					Args: []any{map[string]any{"room": room, "id": "a"}},
				})
			}
			p.wantOps(t, wantOps...)
			if !reflect.DeepEqual(p.toRooms, wantEmits) {
				t.Errorf("EmitToRooms calls = %#v, want %#v", p.toRooms, wantEmits)
			}
			for _, room := range tt.wantRooms {
				if slices.Contains(s.registry.RoomsOf("a"), room) {
					t.Errorf("registry still has a in %q", room)
				}
			}
		})
	}
}

func TestLeaveRefused(t *testing.T) {
	tests := []struct {
		name     string
		args     []any
		wantCode string
	}{
		{"not a member", []any{"y"}, rooms.CodeNotInRoom},
		{"number", []any{3}, rooms.CodeInvalidRoom},
		{"numeric room", []any{map[string]any{"room": 3}}, rooms.CodeInvalidRoom},
		{"invalid name", []any{"a\x00"}, rooms.CodeInvalidRoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSignaling(t, nil)
			p := connected(t, s, "a", "x")
			var a acks
			s.handle(p, "leave", tt.args, a.reply())
			a.wantErr(t, tt.wantCode)
			p.wantSilent(t)
			if got := s.registry.RoomsOf("a"); !slices.Equal(got, []string{"x"}) {
				t.Errorf("after a refused leave, a is in %q, want [x]", got)
			}
		})
	}
}

func TestLeaveNothing(t *testing.T) {
	s := testSignaling(t, func(c *rooms.Config) { c.DefaultRoom = "" })
	p := connected(t, s, "a", "")
	var a acks
	s.handle(p, "leave", nil, a.reply())
	if res := a.wantOK(t); !reflect.DeepEqual(res, map[string]any{"rooms": []string{}}) {
		t.Errorf("leave of no rooms = %#v, want {rooms: []}", res)
	}
	p.wantSilent(t)
}

// relayPair returns handlers with a and b in room r; a is also in s.
func relayPair(t *testing.T) (*signaling, *fakePeer) {
	t.Helper()
	s := testSignaling(t, nil)
	a := connected(t, s, "a", "r")
	joined(t, s, a, "s")
	connected(t, s, "b", "r")
	connected(t, s, "c", "other")
	return s, a
}

func TestRelayToRooms(t *testing.T) {
	s, a := relayPair(t)
	var ack acks
	payload := map[string]any{"sdp": "v=0", "from": "spoofed"}
	s.handle(a, "offer", []any{payload}, ack.reply())

	ack.wantBareOK(t)
	a.wantOps(t, "EmitToRooms [r s] offer")
	if len(a.toRooms) != 1 {
		t.Fatalf("EmitToRooms calls = %#v, want one", a.toRooms)
	}
	got := a.toRooms[0]
	if len(got.Args) != 1 {
		t.Fatalf("relayed args = %#v, want the payload only", got.Args)
	}
	sent, ok := got.Args[0].(map[string]any)
	if !ok {
		t.Fatalf("relayed payload = %#v, want an object", got.Args[0])
	}
	want := map[string]any{"sdp": "v=0", "from": "a"}
	if !reflect.DeepEqual(sent, want) {
		t.Errorf("relayed payload = %#v, want %#v (from overwritten with the sender)", sent, want)
	}
}

func TestRelayToOneRoom(t *testing.T) {
	s, a := relayPair(t)
	var ack acks
	s.handle(a, "message", []any{map[string]any{"room": "s", "text": "hi"}}, ack.reply())
	ack.wantBareOK(t)
	a.wantOps(t, "EmitToRooms [s] message")
}

func TestRelayToPeer(t *testing.T) {
	s, a := relayPair(t)
	var ack acks
	s.handle(a, "answer", []any{map[string]any{"to": "b", "sdp": "v=0"}}, ack.reply())

	ack.wantBareOK(t)
	a.wantOps(t, "EmitToPeer b answer")
	want := emitCall{To: "b", Event: "answer", Args: []any{map[string]any{"to": "b", "sdp": "v=0", "from": "a"}}}
	if len(a.toPeer) != 1 || !reflect.DeepEqual(a.toPeer[0], want) {
		t.Errorf("EmitToPeer calls = %#v, want [%#v]", a.toPeer, want)
	}
}

func TestRelayRefused(t *testing.T) {
	tests := []struct {
		name     string
		payload  any
		wantCode string
	}{
		{"peer in no shared room", map[string]any{"to": "c"}, rooms.CodeNotInRoom},
		{"unknown peer", map[string]any{"to": "nobody"}, rooms.CodeNotInRoom},
		{"room not joined", map[string]any{"room": "other"}, rooms.CodeNotInRoom},
		{"to is a number", map[string]any{"to": 5}, rooms.CodeInvalidPayload},
		{"to is empty", map[string]any{"to": ""}, rooms.CodeInvalidPayload},
		{"to is the sender", map[string]any{"to": "a"}, rooms.CodeInvalidPayload},
		{"room is a number", map[string]any{"room": 5}, rooms.CodeInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, a := relayPair(t)
			var ack acks
			s.handle(a, "offer", []any{tt.payload}, ack.reply())
			ack.wantErr(t, tt.wantCode)
			a.wantSilent(t)
		})
	}
}

func TestRelayOutsideRooms(t *testing.T) {
	s := testSignaling(t, func(c *rooms.Config) { c.DefaultRoom = "" })
	p := connected(t, s, "a", "")
	var ack acks
	s.handle(p, "offer", []any{map[string]any{"sdp": "v=0"}}, ack.reply())
	ack.wantErr(t, rooms.CodeNotInRoom)
	p.wantSilent(t)
}

func TestRelayNonObjectPayload(t *testing.T) {
	tests := []struct {
		name string
		args []any
	}{
		{"string", []any{"hi"}},
		{"number", []any{3}},
		{"array", []any{[]any{"a", 1.0}}},
		{"several args", []any{"hi", 2.0, map[string]any{"k": "v"}}},
		{"no args", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, a := relayPair(t)
			var ack acks
			want := slices.Clone(tt.args)
			s.handle(a, "message", tt.args, ack.reply())
			ack.wantBareOK(t)
			if len(a.toRooms) != 1 {
				t.Fatalf("EmitToRooms calls = %#v, want one", a.toRooms)
			}
			got := a.toRooms[0]
			if !slices.Equal(got.Rooms, []string{"r", "s"}) || got.Event != "message" {
				t.Errorf("relayed to %q as %q, want [r s] as message", got.Rooms, got.Event)
			}
			if len(got.Args) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got.Args, want)) {
				t.Errorf("relayed args = %#v, want %#v unchanged", got.Args, want)
			}
		})
	}
}

func TestRelayWithoutAck(t *testing.T) {
	s, a := relayPair(t)
	s.handle(a, "offer", []any{map[string]any{"sdp": "v=0"}}, nil)
	a.wantOps(t, "EmitToRooms [r s] offer")
	a.reset()
	s.handle(a, "offer", []any{map[string]any{"to": "c"}}, nil) // refused, nobody to tell
	a.wantSilent(t)
}

func TestUnknownEvent(t *testing.T) {
	for _, event := range []string{"shout", "joined", "peer-left", "user disconnected", ""} {
		t.Run(event, func(t *testing.T) {
			s, a := relayPair(t)
			var ack acks
			s.handle(a, event, []any{map[string]any{"sdp": "v=0"}}, ack.reply())
			ack.wantErr(t, rooms.CodeUnknownEvent)
			a.wantSilent(t)
			s.handle(a, event, nil, nil) // no ack: dropped quietly
			a.wantSilent(t)
		})
	}
}

func TestCustomRelayEvents(t *testing.T) {
	s := testSignaling(t, func(c *rooms.Config) { c.RelayEvents = []string{"signal"} })
	a := connected(t, s, "a", "r")
	var ack acks
	s.handle(a, "signal", []any{"x"}, ack.reply())
	ack.wantBareOK(t)
	a.wantOps(t, "EmitToRooms [r] signal")

	a.reset()
	ack = acks{}
	s.handle(a, "offer", []any{"x"}, ack.reply())
	ack.wantErr(t, rooms.CodeUnknownEvent)
	a.wantSilent(t)
}

func TestDisconnect(t *testing.T) {
	s, a := relayPair(t)
	s.disconnect(a)

	a.wantOps(t,
		"Unsubscribe r",
		"EmitToRooms [r] peer-left",
		"Unsubscribe s",
		"EmitToRooms [s] peer-left",
		"EmitToRooms [r s] user disconnected",
	)
	want := []emitCall{
		{Rooms: []string{"r"}, Event: "peer-left", Args: []any{map[string]any{"room": "r", "id": "a"}}},
		{Rooms: []string{"s"}, Event: "peer-left", Args: []any{map[string]any{"room": "s", "id": "a"}}},
		{Rooms: []string{"r", "s"}, Event: "user disconnected", Args: []any{"a"}},
	}
	if !reflect.DeepEqual(a.toRooms, want) {
		t.Errorf("EmitToRooms calls = %#v, want %#v", a.toRooms, want)
	}
	if got := s.registry.RoomsOf("a"); len(got) != 0 {
		t.Errorf("registry still has a in %q", got)
	}
	if got := s.registry.Members("s"); len(got) != 0 {
		t.Errorf("room s still has members %q", got)
	}

	a.reset()
	s.disconnect(a) // twice: nothing more to tell
	a.wantSilent(t)
}

func TestDisconnectDefaultRoom(t *testing.T) {
	s := testSignaling(t, nil)
	p := connected(t, s, "a", "")
	s.disconnect(p)
	p.wantOps(t, "Unsubscribe lobby", "EmitToRooms [lobby] peer-left", "EmitToRooms [lobby] user disconnected")
}

// A join the registry accepted, then undone by a disconnect processed before
// the join reached the transport, must not subscribe: the transport would
// hold a room member the registry has forgotten.
func TestJoinUndoneByDisconnectIsNotMirrored(t *testing.T) {
	s := testSignaling(t, nil)
	p := connected(t, s, "a", "")
	j, err := s.registry.Join("a", "call")
	if err != nil {
		t.Fatal(err)
	}
	s.registry.Disconnect("a")
	p.reset()
	s.admitted(p, j)
	for _, op := range p.ops {
		if op == "Subscribe call" {
			t.Fatalf("subscribed to call after the disconnect: %q", p.ops)
		}
	}
}

func TestDisconnectWithoutRooms(t *testing.T) {
	s := testSignaling(t, func(c *rooms.Config) { c.DefaultRoom = "" })
	p := connected(t, s, "a", "")
	s.disconnect(p)
	p.wantSilent(t)
	if peers, _ := s.registry.Stats(); peers != 0 {
		t.Errorf("registry holds %d peers after disconnect, want 0", peers)
	}
}

func TestReply(t *testing.T) {
	errBody := map[string]any{"code": rooms.CodeRoomFull, "message": "room x is full"}
	tests := []struct {
		name string
		call func(reply)
		want []any
	}{
		{"ok nil", func(r reply) { r.ok(nil) }, []any{nil}},
		{"ok result", func(r reply) { r.ok(map[string]any{"k": "v"}) }, []any{nil, map[string]any{"k": "v"}}},
		{"ok string", func(r reply) { r.ok("x") }, []any{nil, "x"}},
		{"fail", func(r reply) { r.fail(&rooms.Error{Code: rooms.CodeRoomFull, Message: "room x is full"}) }, []any{errBody}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a acks
			tt.call(a.reply())
			if len(a.calls) != 1 {
				t.Fatalf("acked %d times, want once", len(a.calls))
			}
			if !reflect.DeepEqual(a.calls[0], tt.want) {
				t.Errorf("ack args = %#v, want %#v", a.calls[0], tt.want)
			}
		})
		t.Run(tt.name+" without ack", func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("nil reply panicked: %v", p)
				}
			}()
			tt.call(nil)
		})
	}
}

// A closing peer leaves the transport's rooms at once but stays in the
// registry, so the events it sent before closing still route; a join it
// sent before closing is not mirrored into the transport any more.
func TestClosingKeepsRoutingUntilDisconnect(t *testing.T) {
	s := testSignaling(t, nil)
	a := connected(t, s, "a", "r")
	connected(t, s, "b", "r")
	a.reset()
	s.closing(a)
	a.wantOps(t, "Unsubscribe r")

	var ack acks
	s.handle(a, "hangup", []any{map[string]any{}}, ack.reply())
	ack.wantBareOK(t)
	a.reset()
	s.handle(a, "join", []any{"late"}, nil)
	for _, op := range a.ops {
		if op == "Subscribe late" {
			t.Fatalf("a closing peer was subscribed: %q", a.ops)
		}
	}

	a.reset()
	s.disconnect(a)
	if got := s.registry.RoomsOf("a"); len(got) != 0 {
		t.Fatalf("registry still has a in %q", got)
	}
	if s.departing["a"] {
		t.Fatal("a is still marked departing after its disconnect")
	}
}
