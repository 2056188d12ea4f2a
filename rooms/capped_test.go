package rooms

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Joins into rooms with a capacity of their own (a private room's
// max_peers) and peers registered in no room.

func TestJoinCapped(t *testing.T) {
	for _, tc := range []struct {
		name          string
		maxPeers, cap int // cap: the members the room admits
	}{
		{"below the config", 3, 3},
		{"zero is the config's", 0, 5},
		{"negative is the config's", -1, 5},
		{"above the config is capped by it", 9, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRegistry(t, func(c *Config) { c.MaxPeersPerRoom = 5; c.DefaultRoom = "" })
			for i := range tc.cap {
				id := PeerID(fmt.Sprint("p", i))
				mustConnect(t, r, id, "")
				if _, err := r.JoinCapped(id, "private", tc.maxPeers); err != nil {
					t.Fatalf("join %d of %d: %v", i+1, tc.cap, err)
				}
			}
			mustConnect(t, r, "late", "")
			_, err := r.JoinCapped("late", "private", tc.maxPeers)
			wantCode(t, err, CodeRoomFull)
			wantRooms(t, r, "late")
			if got := len(r.Members("private")); got != tc.cap {
				t.Errorf("%d members, want %d", got, tc.cap)
			}
		})
	}
}

func TestJoinCappedTwiceIsHarmlessEvenWhenFull(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "a", "")
	mustConnect(t, r, "b", "")
	if _, err := r.JoinCapped("a", "duo", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := r.JoinCapped("b", "duo", 2); err != nil {
		t.Fatal(err)
	}
	j, err := r.JoinCapped("a", "duo", 2)
	if err != nil || j.New {
		t.Fatalf("second join of a member = %+v, %v; want a harmless repeat", j, err)
	}
}

// TestConcurrentJoinCappedHoldsTheCap: many peers racing into one room
// with a capacity of its own get exactly that many in; the others get
// room-full, and nobody else is refused.
func TestConcurrentJoinCappedHoldsTheCap(t *testing.T) {
	const (
		peers    = 200
		capacity = 7
	)
	for _, how := range []string{"join", "connect", "create or join"} {
		t.Run(how, func(t *testing.T) {
			r := newRegistry(t, func(c *Config) { c.CodelabRoomSize = 50 })
			var ok, full atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan *Error, peers)
			for i := range peers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := PeerID(fmt.Sprintf("peer-%03d", i))
					var err *Error
					switch how {
					case "join":
						r.Connect(id, SpaceSocketIO, "")
						_, err = r.JoinCapped(id, "private", capacity)
					case "connect":
						_, err = r.ConnectCapped(id, SpaceSocketIO, "private", capacity)
					case "create or join":
						r.Connect(id, SpaceSocketIO, "")
						var d CodelabDecision
						d, err = r.CreateOrJoinCapped(id, "private", capacity)
						if err == nil && d.Joined.Room == "" { // told full, the codelab's way
							full.Add(1)
							return
						}
					}
					switch {
					case err == nil:
						ok.Add(1)
					case err.Code == CodeRoomFull:
						full.Add(1)
					default:
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("unexpected refusal: %v", err)
			}
			if ok.Load() != capacity || full.Load() != peers-capacity {
				t.Errorf("%d joined and %d were refused as full, want %d and %d", ok.Load(), full.Load(), capacity, peers-capacity)
			}
			if got := len(r.Members("private")); got != capacity {
				t.Errorf("the room has %d members, want %d", got, capacity)
			}
		})
	}
}

func TestConnectCappedAppliesToTheDefaultRoom(t *testing.T) {
	r := newRegistry(t, nil) // default room "lobby"
	for _, id := range []PeerID{"a", "b"} {
		if j, err := r.ConnectCapped(id, SpaceSocketIO, "", 2); err != nil || j.Room != DefaultDefaultRoom {
			t.Fatalf("ConnectCapped(%s) = %+v, %v; want the default room", id, j, err)
		}
	}
	_, err := r.ConnectCapped("c", SpaceSocketIO, "", 2)
	wantCode(t, err, CodeRoomFull)
	wantRooms(t, r, "c") // registered, in no room
	// Without a capacity of its own, the default room admits up to the config's.
	mustConnect(t, r, "d", "")
	wantRooms(t, r, "d", DefaultDefaultRoom)
}

func TestCreateOrJoinCapped(t *testing.T) {
	r := newRegistry(t, func(c *Config) { c.CodelabRoomSize = 10 })
	for _, id := range []PeerID{"a", "b", "c"} {
		mustConnect(t, r, id, "")
	}
	for _, id := range []PeerID{"a", "b"} {
		if d, err := r.CreateOrJoinCapped(id, "pair", 2); err != nil || !d.Joined.New {
			t.Fatalf("CreateOrJoinCapped(%s) = %+v, %v", id, d, err)
		}
	}
	d, err := r.CreateOrJoinCapped("c", "pair", 2)
	if err != nil || d.Joined.Room != "" {
		t.Fatalf("third peer: %+v, %v; want told full", d, err)
	}
	if last := d.Emits[len(d.Emits)-1]; last.Event != EventFull {
		t.Errorf("third peer's last event is %s, want %s", last.Event, EventFull)
	}
}

func TestCreateCapped(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "a", "")
	mustConnect(t, r, "b", "")
	mustConnect(t, r, "c", "")
	if _, err := r.CreateCapped("a", "mine", 2); err != nil {
		t.Fatal(err)
	}
	_, err := r.CreateCapped("b", "mine", 2)
	wantCode(t, err, CodeRoomTaken)
	if _, err := r.JoinCapped("b", "mine", 2); err != nil {
		t.Fatal(err)
	}
	_, err = r.JoinCapped("c", "mine", 2)
	wantCode(t, err, CodeRoomFull)
}

func TestCodelabRefused(t *testing.T) {
	err := &Error{Code: CodeForbidden, Message: "no token"}
	d := CodelabRefused("a", "private", err)
	wantEmits(t, d.Emits, []Emit{emitTo(EventJoinError, []any{JoinFailure{Room: "private", Code: CodeForbidden, Message: "no token"}}, "a")})
	if d.Joined.Room != "" {
		t.Errorf("a refusal joined %q", d.Joined.Room)
	}
}

func TestRegister(t *testing.T) {
	r := newRegistry(t, nil) // with a default room, which Register skips
	if err := r.Register("a", SpaceSocketIO); err != nil {
		t.Fatal(err)
	}
	wantRooms(t, r, "a")
	wantMembers(t, r, DefaultDefaultRoom)
	wantStats(t, r, 1, 0)
	wantCode(t, r.Register("a", SpaceSocketIO), CodeInvalidPayload)
	wantCode(t, r.Register("b", Space(9)), CodeInvalidPayload)
	// It can join later, and leaves no default room behind.
	j := mustJoin(t, r, "a", "physics")
	wantJoined(t, j, "physics", true, []PeerID{}, nil)
	wantRooms(t, r, "a", "physics")
	if left := r.Disconnect("a"); len(left) != 1 || left[0] != "physics" {
		t.Errorf("Disconnect = %q, want [physics]", left)
	}
	wantStats(t, r, 0, 0)
}

func TestParseTokenArg(t *testing.T) {
	for _, tc := range []struct {
		arg   string
		token string
		ok    bool
	}{
		{``, "", true},
		{`"physics"`, "", true},
		{`{"room":"physics"}`, "", true},
		{`{"room":"physics","token":"a.b.c"}`, "a.b.c", true},
		{`{"token":"a.b.c","room":"physics"}`, "a.b.c", true},
		{`{"room":"physics","token":null}`, "", true},
		{`{"room":"physics","\u0074oken":"esc"}`, "esc", true},
		{`{"room":"physics","token":42}`, "", false},
		{`{"room":"physics","token":{"a":1}}`, "", false},
		{`{"room":"physics","token":"a"`, "", false},
	} {
		token, ok := ParseTokenArg(json.RawMessage(tc.arg))
		if token != tc.token || ok != tc.ok {
			t.Errorf("ParseTokenArg(%s) = %q, %v; want %q, %v", tc.arg, token, ok, tc.token, tc.ok)
		}
	}
}
