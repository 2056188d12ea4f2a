package rooms

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
)

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%#v) = %v", v, err)
	}
	return string(b)
}

func TestJoinAck(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "b", "call")
	mustConnect(t, r, "a", "call")
	if err := r.ShareScreen("b"); err != nil {
		t.Fatal(err)
	}
	j := mustConnect(t, r, "c", "call")
	want := `{"room":"call","id":"c","peers":["a","b"],"clients":{` +
		`"a":{"audio":false,"video":true,"screen":false},` +
		`"b":{"audio":false,"video":true,"screen":true}}}`
	if got := mustJSON(t, j.Ack("c")); got != want {
		t.Errorf("join ack = %s\nwant        %s", got, want)
	}
	// A rejoin reports the same shape.
	if got := mustJSON(t, mustJoin(t, r, "c", "call").Ack("c")); got != want {
		t.Errorf("rejoin ack = %s\nwant          %s", got, want)
	}
	// The first member of a room gets empty lists, not null.
	first := mustConnect(t, r, "d", "empty")
	if got, want := mustJSON(t, first.Ack("d")), `{"room":"empty","id":"d","peers":[],"clients":{}}`; got != want {
		t.Errorf("first member's ack = %s, want %s", got, want)
	}
	if got, want := mustJSON(t, Joined{Room: "x"}.Ack("d")), `{"room":"x","id":"d","peers":[],"clients":{}}`; got != want {
		t.Errorf("zero Joined's ack = %s, want %s", got, want)
	}
	if got, want := mustJSON(t, DefaultResources()), `{"audio":false,"video":true,"screen":false}`; got != want {
		t.Errorf("DefaultResources = %s, want %s", got, want)
	}
}

func TestCreate(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	t.Run("an empty room is joined, leaving the default room", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "x", "")
		mustConnect(t, r, "a", "")
		j, err := r.Create("a", "call")
		if err != nil {
			t.Fatal(err)
		}
		wantJoined(t, j, "call", true, nil, []string{"lobby"})
		if len(j.Departures) != 1 || !reflect.DeepEqual(j.Departures[0].Others, []PeerID{"x"}) {
			t.Errorf("Departures = %+v, want the lobby with x", j.Departures)
		}
		wantRooms(t, r, "a", "call")
	})
	t.Run("a room with members is taken", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "x", "call")
		mustConnect(t, r, "a", "")
		_, err := r.Create("a", "call")
		wantCode(t, err, CodeRoomTaken)
		wantMembers(t, r, "call", "x")
		wantRooms(t, r, "a", "lobby")
		// Its own room is taken too, as in signalmaster.
		_, err = r.Create("x", "call")
		wantCode(t, err, CodeRoomTaken)
	})
	t.Run("a room of the other space is not taken", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnectIn(t, r, "w", SpaceRaw, "call")
		mustConnect(t, r, "a", "")
		if _, err := r.Create("a", "call"); err != nil {
			t.Errorf("Create of a room only the raw space uses = %v", err)
		}
	})
	t.Run("no name draws a random one", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		mustConnect(t, r, "b", "")
		ja, err := r.Create("a", "")
		if err != nil {
			t.Fatal(err)
		}
		jb, err := r.Create("b", "")
		if err != nil {
			t.Fatal(err)
		}
		if !uuid.MatchString(ja.Room) || ja.Room == jb.Room {
			t.Errorf("random rooms %q and %q, want two different UUIDs", ja.Room, jb.Room)
		}
		wantRooms(t, r, "a", ja.Room)
	})
	t.Run("refusals", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxRoomsPerPeer = 1 })
		mustConnect(t, r, "a", "one")
		_, err := r.Create("a", "bad\x00")
		wantCode(t, err, CodeInvalidRoom)
		_, err = r.Create("a", "two")
		wantCode(t, err, CodeTooManyRooms)
		_, err = r.Create("ghost", "x")
		wantCode(t, err, CodeNotConnected)
		wantStats(t, r, 1, 1)
	})
}

func TestUnshareScreen(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "a", "one")
	mustJoin(t, r, "a", "two")
	mustConnect(t, r, "b", "one")
	mustJoin(t, r, "b", "two")
	mustConnect(t, r, "c", "two")
	mustConnect(t, r, "alone", "solo")
	if err := r.ShareScreen("a"); err != nil {
		t.Fatal(err)
	}
	emits, err := r.UnshareScreen("a")
	if err != nil {
		t.Fatal(err)
	}
	if len(emits) != 1 {
		t.Fatalf("UnshareScreen = %+v, want one remove", emits)
	}
	e := emits[0]
	if e.Event != EventRemove || !reflect.DeepEqual(sortedIDs(e.To), []PeerID{"b", "c"}) {
		t.Errorf("UnshareScreen emits %s to %q, want remove to b and c, once each", e.Event, e.To)
	}
	if got, want := mustJSON(t, e.Args), `[{"id":"a","type":"screen"}]`; got != want {
		t.Errorf("remove args = %s, want %s", got, want)
	}
	// Newcomers no longer see the screen.
	mustConnect(t, r, "d", "one")
	if got := mustJoin(t, r, "d", "one").Clients["a"]; got != DefaultResources() {
		t.Errorf("a's resources after unsharing = %+v, want the defaults", got)
	}
	if emits, err := r.UnshareScreen("alone"); err != nil || emits != nil {
		t.Errorf("UnshareScreen of a lone peer = %+v, %v; want nothing", emits, err)
	}
	_, err = r.UnshareScreen("ghost")
	wantCode(t, err, CodeNotConnected)
	wantCode(t, r.ShareScreen("ghost"), CodeNotConnected)
}

func TestDepartureNotices(t *testing.T) {
	t.Run("leave tells peer-left and remove", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "call")
		mustConnect(t, r, "c", "call")
		mustConnect(t, r, "b", "call")
		ds, err := r.LeaveRooms("a", "")
		if err != nil {
			t.Fatal(err)
		}
		want := []Departure{{Room: "call", Space: SpaceSocketIO, Others: []PeerID{"b", "c"}}}
		if !reflect.DeepEqual(ds, want) {
			t.Fatalf("LeaveRooms = %+v, want %+v", ds, want)
		}
		notices := ds[0].Notices("a", false)
		if got, want := mustJSON(t, notices[0].Args), `[{"room":"call","id":"a"}]`; got != want {
			t.Errorf("peer-left args = %s, want %s", got, want)
		}
		if got, want := mustJSON(t, notices[1].Args), `[{"id":"a"}]`; got != want {
			t.Errorf("remove args = %s, want %s (no type: every stream)", got, want)
		}
		wantEmits(t, notices, []Emit{
			emitTo(EventPeerLeft, []any{RoomPeer{Room: "call", ID: "a"}}, "b", "c"),
			emitTo(EventRemove, []any{Removal{ID: "a"}}, "b", "c"),
		})
	})
	t.Run("the last member leaves nobody to tell", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "call")
		ds := r.DisconnectRooms("a")
		if len(ds) != 1 || len(ds[0].Others) != 0 {
			t.Fatalf("DisconnectRooms = %+v, want call with nobody", ds)
		}
		if n := DisconnectNotices("a", ds); n != nil {
			t.Errorf("DisconnectNotices = %+v, want none", n)
		}
	})
	t.Run("raw rooms are not told", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnectIn(t, r, "w1", SpaceRaw, "call")
		mustConnectIn(t, r, "w2", SpaceRaw, "call")
		ds := r.DisconnectRooms("w1")
		if len(ds) != 1 || ds[0].Space != SpaceRaw || !reflect.DeepEqual(ds[0].Others, []PeerID{"w2"}) {
			t.Fatalf("DisconnectRooms = %+v", ds)
		}
		if n := DisconnectNotices("w1", ds); n != nil {
			t.Errorf("DisconnectNotices for a raw peer = %+v, want none", n)
		}
	})
	t.Run("leave refusals", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "call")
		_, err := r.LeaveRooms("a", "other")
		wantCode(t, err, CodeNotInRoom)
		_, err = r.LeaveRooms("ghost", "")
		wantCode(t, err, CodeNotConnected)
		if ds := r.DisconnectRooms("ghost"); ds != nil {
			t.Errorf("DisconnectRooms(unknown) = %+v, want nil", ds)
		}
	})
}
