package rooms

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func codelabLog(id PeerID, line string) Emit {
	return Emit{To: []PeerID{id}, Event: EventLog, Args: []any{[]string{"Message from server:", line}}}
}

func emitTo(event string, args []any, to ...PeerID) Emit {
	return Emit{To: to, Event: event, Args: args}
}

// wantEmits compares what each emit sends to this node's peers; the rooms
// an emit also names for other nodes are checked where a want sets them
// (TestEmitRooms checks them all).
func wantEmits(t testing.TB, got, want []Emit) {
	t.Helper()
	local := func(emits []Emit, keepRooms []bool) []Emit {
		out := make([]Emit, len(emits))
		for i, e := range emits {
			out[i] = Emit{To: e.To, Event: e.Event, Args: e.Args}
			if i < len(keepRooms) && keepRooms[i] {
				out[i].Rooms, out[i].Except = e.Rooms, e.Except
			}
		}
		return out
	}
	keep := make([]bool, len(want))
	for i, w := range want {
		keep[i] = w.Rooms != nil
	}
	if !reflect.DeepEqual(local(got, keep), local(want, keep)) {
		t.Errorf("emits:\n%s\nwant:\n%s", formatEmits(got), formatEmits(want))
	}
}

func formatEmits(emits []Emit) string {
	s := ""
	for _, e := range emits {
		s += fmt.Sprintf("  %s %#v to %q, rooms %q except %q\n", e.Event, e.Args, e.To, e.Rooms, e.Except)
	}
	return s
}

func mustCreateOrJoin(t testing.TB, r *Registry, id PeerID, room string) CodelabDecision {
	t.Helper()
	d, err := r.CreateOrJoin(id, room)
	if err != nil {
		t.Fatalf("CreateOrJoin(%q, %q) = %v", id, room, err)
	}
	return d
}

func TestCreateOrJoin(t *testing.T) {
	t.Run("first peer creates the room", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		d := mustCreateOrJoin(t, r, "a", "foo")
		wantEmits(t, d.Emits, []Emit{
			codelabLog("a", "Received request to create or join room foo"),
			codelabLog("a", "Room foo now has 0 client(s)"),
			codelabLog("a", "Client ID a created room foo"),
			emitTo(EventCreated, []any{"foo", "a"}, "a"),
		})
		// An explicit join: out of the default room, which is told.
		wantJoined(t, d.Joined, "foo", true, []PeerID{}, []string{"lobby"})
		wantRooms(t, r, "a", "foo")
	})

	t.Run("second peer joins: join, joined, ready", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "b", "")
		mustConnect(t, r, "a", "")
		mustCreateOrJoin(t, r, "b", "foo")
		d := mustCreateOrJoin(t, r, "a", "foo")
		wantEmits(t, d.Emits, []Emit{
			codelabLog("a", "Received request to create or join room foo"),
			codelabLog("a", "Room foo now has 1 client(s)"),
			codelabLog("a", "Client ID a joined room foo"),
			emitTo(EventJoin, []any{"foo"}, "b"),
			emitTo(EventJoined, []any{"foo", "a"}, "a"),
			emitTo(EventReady, []any{"foo"}, "a", "b"),
		})
		wantJoined(t, d.Joined, "foo", true, []PeerID{"b"}, []string{"lobby"})
		wantMembers(t, r, "foo", "a", "b")
	})

	t.Run("third peer is told full and joins nothing", func(t *testing.T) {
		r := newRegistry(t, nil)
		for _, id := range []PeerID{"a", "b", "c"} {
			mustConnect(t, r, id, "")
		}
		mustCreateOrJoin(t, r, "a", "foo")
		mustCreateOrJoin(t, r, "b", "foo")
		d := mustCreateOrJoin(t, r, "c", "foo")
		wantEmits(t, d.Emits, []Emit{
			codelabLog("c", "Received request to create or join room foo"),
			codelabLog("c", "Room foo now has 2 client(s)"),
			emitTo(EventFull, []any{"foo"}, "c"),
		})
		if d.Joined.Room != "" || d.Joined.New {
			t.Errorf("a full room returned Joined %+v, want none", d.Joined)
		}
		wantMembers(t, r, "foo", "a", "b")
		wantRooms(t, r, "c", "lobby") // still in the default room, implicitly
	})

	t.Run("a room filled by plain joins is full too", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "foo")
		mustConnect(t, r, "b", "foo")
		mustConnect(t, r, "c", "")
		d := mustCreateOrJoin(t, r, "c", "foo")
		if last := d.Emits[len(d.Emits)-1]; last.Event != EventFull {
			t.Errorf("last emit is %s, want full", last.Event)
		}
	})

	t.Run("again in a room it is in: joined, nobody told", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		mustConnect(t, r, "b", "")
		mustCreateOrJoin(t, r, "a", "foo")
		mustCreateOrJoin(t, r, "b", "foo")
		d := mustCreateOrJoin(t, r, "a", "foo") // the room is at capacity: still no full
		wantEmits(t, d.Emits, []Emit{
			codelabLog("a", "Received request to create or join room foo"),
			codelabLog("a", "Room foo now has 2 client(s)"),
			codelabLog("a", "Client ID a joined room foo"),
			emitTo(EventJoined, []any{"foo", "a"}, "a"),
		})
		wantJoined(t, d.Joined, "foo", false, []PeerID{"b"}, nil)
	})

	t.Run("a larger codelab room", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.CodelabRoomSize = 3 })
		for _, id := range []PeerID{"a", "b", "c", "d"} {
			mustConnect(t, r, id, "")
		}
		mustCreateOrJoin(t, r, "a", "foo")
		mustCreateOrJoin(t, r, "b", "foo")
		d := mustCreateOrJoin(t, r, "c", "foo")
		wantEmits(t, d.Emits[3:], []Emit{
			emitTo(EventJoin, []any{"foo"}, "a", "b"),
			emitTo(EventJoined, []any{"foo", "c"}, "c"),
			emitTo(EventReady, []any{"foo"}, "a", "b", "c"),
		})
		d = mustCreateOrJoin(t, r, "d", "foo")
		if last := d.Emits[len(d.Emits)-1]; last.Event != EventFull {
			t.Errorf("fourth peer: last emit is %s, want full", last.Event)
		}
	})

	t.Run("the codelab size is capped by max peers per room", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.CodelabRoomSize = 10; c.MaxPeersPerRoom = 2 })
		for _, id := range []PeerID{"a", "b", "c"} {
			mustConnect(t, r, id, "")
			mustCreateOrJoin(t, r, id, "foo")
		}
		wantMembers(t, r, "foo", "a", "b")
	})

	refusals := []struct {
		name, room, code string
		setup            func(*testing.T, *Registry)
	}{
		{"invalid name", "bad\nname", CodeInvalidRoom, func(t *testing.T, r *Registry) { mustConnect(t, r, "a", "") }},
		{"empty name", "", CodeInvalidRoom, func(t *testing.T, r *Registry) { mustConnect(t, r, "a", "") }},
		{"not connected", "foo", CodeNotConnected, func(*testing.T, *Registry) {}},
		{"too many rooms", "foo", CodeTooManyRooms, func(t *testing.T, r *Registry) {
			mustConnect(t, r, "x", "foo") // foo has a member: a join, not a create
			mustConnect(t, r, "a", "one")
		}},
	}
	for _, tc := range refusals {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			r := newRegistry(t, func(c *Config) { c.MaxRoomsPerPeer = 1 })
			tc.setup(t, r)
			d, err := r.CreateOrJoin("a", tc.room)
			wantCode(t, err, tc.code)
			last := d.Emits[len(d.Emits)-1]
			want := emitTo(EventJoinError, []any{JoinFailure{Room: tc.room, Code: err.Code, Message: err.Message}}, "a")
			if !reflect.DeepEqual(last, want) {
				t.Errorf("last emit = %+v, want %+v", last, want)
			}
			if d.Joined.Room != "" {
				t.Errorf("a refused create or join joined %q", d.Joined.Room)
			}
			for _, e := range d.Emits {
				if !slices.Equal(e.To, []PeerID{"a"}) {
					t.Errorf("a refusal told %q: %+v", e.To, e)
				}
			}
		})
	}
}

func TestCreateOrJoinRace(t *testing.T) {
	const peers = 50
	r := newRegistry(t, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for i := range peers {
		id := PeerID(fmt.Sprintf("p%02d", i))
		mustConnect(t, r, id, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := r.CreateOrJoin(id, "foo")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				outcomes["error "+err.Code]++
				return
			}
			for _, e := range d.Emits {
				if slices.Equal(e.To, []PeerID{id}) && e.Event != EventLog {
					outcomes[e.Event]++
				}
			}
		}()
	}
	wg.Wait()
	want := map[string]int{EventCreated: 1, EventJoined: 1, EventFull: peers - 2}
	if !reflect.DeepEqual(outcomes, want) {
		t.Errorf("outcomes = %v, want %v", outcomes, want)
	}
	if n := len(r.Members("foo")); n != 2 {
		t.Errorf("foo has %d members, want 2", n)
	}
}

func TestCodelabDisconnectSaysBye(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "a", "")
	mustConnect(t, r, "b", "")
	mustCreateOrJoin(t, r, "a", "foo")
	mustCreateOrJoin(t, r, "b", "foo")
	mustConnect(t, r, "plain", "foo") // joined the roomcast way
	mustJoin(t, r, "a", "other")      // a plain join of a codelab peer
	mustConnect(t, r, "o", "other")

	wantEmits(t, DisconnectNotices("a", r.DisconnectRooms("a")), []Emit{
		emitTo(EventPeerLeft, []any{RoomPeer{Room: "foo", ID: "a"}}, "b", "plain"),
		emitTo(EventRemove, []any{Removal{ID: "a"}}, "b", "plain"),
		emitTo(EventMessage, []any{"bye"}, "b", "plain"),
		emitTo(EventBye, []any{"foo"}, "b", "plain"),
		emitTo(EventPeerLeft, []any{RoomPeer{Room: "other", ID: "a"}}, "o"),
		emitTo(EventRemove, []any{Removal{ID: "a"}}, "o"),
		emitTo(EventUserDisconnected, []any{"a"}, "b", "o", "plain"),
	})
	// plain did not join through create or join: no bye.
	wantEmits(t, DisconnectNotices("plain", r.DisconnectRooms("plain")), []Emit{
		emitTo(EventPeerLeft, []any{RoomPeer{Room: "foo", ID: "plain"}}, "b"),
		emitTo(EventRemove, []any{Removal{ID: "plain"}}, "b"),
		emitTo(EventUserDisconnected, []any{"plain"}, "b"),
	})
}

func TestCodelabLeaveIsNotBye(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "a", "")
	mustConnect(t, r, "b", "")
	mustCreateOrJoin(t, r, "a", "foo")
	mustCreateOrJoin(t, r, "b", "foo")
	departures, err := r.LeaveRooms("a", "foo")
	if err != nil {
		t.Fatal(err)
	}
	if len(departures) != 1 || !departures[0].Codelab {
		t.Fatalf("departures = %+v, want foo, as a codelab member", departures)
	}
	wantEmits(t, departures[0].Notices("a", false), []Emit{
		emitTo(EventPeerLeft, []any{RoomPeer{Room: "foo", ID: "a"}}, "b"),
		emitTo(EventRemove, []any{Removal{ID: "a"}}, "b"),
	})
	// Back through a plain join, a's membership is no longer the codelab's.
	mustJoin(t, r, "a", "foo")
	ds := r.DisconnectRooms("a")
	if len(ds) != 1 || ds[0].Codelab {
		t.Errorf("after a plain rejoin, departures = %+v, want foo without Codelab", ds)
	}
}

func TestCodelabIPAddr(t *testing.T) {
	tests := []struct {
		host string
		want string // "" means no reply
	}{
		{"192.168.1.20:8080", "192.168.1.20"},
		{"192.168.1.20", "192.168.1.20"},
		{"example.com:443", "example.com"},
		{"example.com", "example.com"},
		{"[::1]:3000", "::1"},
		{"[fe80::1]", "fe80::1"},
		{"", ""},
		{":3000", ""},
		{"a b", ""},
		{"evil\n.com", ""},
		{"a/b", ""},
		{strings.Repeat("a", 254), ""},
		{strings.Repeat("a", 253), strings.Repeat("a", 253)},
	}
	for _, tt := range tests {
		e, ok := CodelabIPAddr("p", tt.host)
		if tt.want == "" {
			if ok {
				t.Errorf("CodelabIPAddr(%q) = %+v, want no reply", tt.host, e)
			}
			continue
		}
		want := emitTo(EventIPAddr, []any{tt.want}, "p")
		if !ok || !reflect.DeepEqual(e, want) {
			t.Errorf("CodelabIPAddr(%q) = %+v, %v; want %+v", tt.host, e, ok, want)
		}
	}
}
