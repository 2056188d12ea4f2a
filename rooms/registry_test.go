package rooms

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// wantCode fails the test unless err is a non-nil *Error with the given code
// and a non-empty message.
func wantCode(t testing.TB, err *Error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", code)
	}
	if err.Code != code {
		t.Fatalf("got error %v, want code %q", err, code)
	}
	if err.Message == "" {
		t.Errorf("error %q has an empty message", err.Code)
	}
}

func mustConnect(t testing.TB, r *Registry, id PeerID, room string) Joined {
	t.Helper()
	j, err := r.Connect(id, SpaceSocketIO, room)
	if err != nil {
		t.Fatalf("Connect(%q, %q) = %v", id, room, err)
	}
	return j
}

func mustJoin(t testing.TB, r *Registry, id PeerID, room string) Joined {
	t.Helper()
	j, err := r.Join(id, room)
	if err != nil {
		t.Fatalf("Join(%q, %q) = %v", id, room, err)
	}
	return j
}

func mustLeave(t testing.TB, r *Registry, id PeerID, room string) []string {
	t.Helper()
	left, err := r.Leave(id, room)
	if err != nil {
		t.Fatalf("Leave(%q, %q) = %v", id, room, err)
	}
	return left
}

func wantMembers(t testing.TB, r *Registry, room string, want ...PeerID) {
	t.Helper()
	if got := r.Members(room); !slices.Equal(got, want) {
		t.Errorf("Members(%q) = %q, want %q", room, got, want)
	}
}

func wantRooms(t testing.TB, r *Registry, id PeerID, want ...string) {
	t.Helper()
	if got := r.RoomsOf(id); !slices.Equal(got, want) {
		t.Errorf("RoomsOf(%q) = %q, want %q", id, got, want)
	}
}

func wantStats(t testing.TB, r *Registry, peers, rooms int) {
	t.Helper()
	if p, n := r.Stats(); p != peers || n != rooms {
		t.Errorf("Stats() = (%d peers, %d rooms), want (%d, %d)", p, n, peers, rooms)
	}
}

func wantJoined(t testing.TB, got Joined, room string, isNew bool, others []PeerID, left []string) {
	t.Helper()
	if got.Room != room {
		t.Errorf("Joined.Room = %q, want %q", got.Room, room)
	}
	if got.New != isNew {
		t.Errorf("Joined.New = %v, want %v", got.New, isNew)
	}
	if !slices.Equal(got.Others, others) {
		t.Errorf("Joined.Others = %q, want %q", got.Others, others)
	}
	if !slices.Equal(got.Left, left) {
		t.Errorf("Joined.Left = %q, want %q", got.Left, left)
	}
}

func TestConnect(t *testing.T) {
	t.Run("no room joins the default room", func(t *testing.T) {
		r := newRegistry(t, nil)
		// Connect out of order so Others must be sorted, not insertion order.
		wantJoined(t, mustConnect(t, r, "c", ""), "lobby", true, nil, nil)
		wantJoined(t, mustConnect(t, r, "a", ""), "lobby", true, []PeerID{"c"}, nil)
		wantJoined(t, mustConnect(t, r, "b", ""), "lobby", true, []PeerID{"a", "c"}, nil)
		wantMembers(t, r, "lobby", "a", "b", "c")
		wantRooms(t, r, "b", "lobby")
		wantStats(t, r, 3, 1)
	})

	t.Run("no default room joins nothing", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.DefaultRoom = "" })
		j := mustConnect(t, r, "a", "")
		wantJoined(t, j, "", false, nil, nil)
		wantRooms(t, r, "a")
		wantMembers(t, r, "lobby")
		wantStats(t, r, 1, 0)
		// The peer is registered all the same.
		wantJoined(t, mustJoin(t, r, "a", "room"), "room", true, nil, nil)
	})

	t.Run("explicit room skips the default room", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "x", "")
		mustConnect(t, r, "a", "call")
		j := mustConnect(t, r, "b", "call")
		wantJoined(t, j, "call", true, []PeerID{"a"}, nil)
		wantRooms(t, r, "b", "call")
		wantMembers(t, r, "lobby", "x")
		wantMembers(t, r, "call", "a", "b")
		wantStats(t, r, 3, 2)
	})

	t.Run("explicit room at connect is explicit", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "call")
		mustLeave(t, r, "a", "call")
		wantRooms(t, r, "a")
		j := mustJoin(t, r, "a", "other")
		wantJoined(t, j, "other", true, nil, nil)
		wantRooms(t, r, "a", "other")
	})

	t.Run("invalid room fails but registers the peer", func(t *testing.T) {
		r := newRegistry(t, nil)
		j, err := r.Connect("a", SpaceSocketIO, "bad\x00room")
		wantCode(t, err, CodeInvalidRoom)
		if j.Room != "" || j.New {
			t.Errorf("failed Connect returned %+v, want zero Joined", j)
		}
		wantRooms(t, r, "a")
		wantMembers(t, r, "lobby")
		wantStats(t, r, 1, 0)
		wantJoined(t, mustJoin(t, r, "a", "good"), "good", true, nil, nil)
		wantRooms(t, r, "a", "good")
	})

	t.Run("explicit room full fails but registers the peer", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxPeersPerRoom = 2 })
		mustConnect(t, r, "a", "call")
		mustConnect(t, r, "b", "call")
		_, err := r.Connect("c", SpaceSocketIO, "call")
		wantCode(t, err, CodeRoomFull)
		wantMembers(t, r, "call", "a", "b")
		wantRooms(t, r, "c")
		wantMembers(t, r, "lobby")
		wantStats(t, r, 3, 1)
		mustJoin(t, r, "c", "other")
		wantRooms(t, r, "c", "other")
	})

	t.Run("default room full at connect", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxPeersPerRoom = 2 })
		mustConnect(t, r, "a", "")
		mustConnect(t, r, "b", "")
		j, err := r.Connect("c", SpaceSocketIO, "")
		wantCode(t, err, CodeRoomFull)
		if j.Room != "" {
			t.Errorf("failed Connect returned Room %q, want empty", j.Room)
		}
		wantMembers(t, r, "lobby", "a", "b")
		wantRooms(t, r, "c")
		wantStats(t, r, 3, 1)
		// Still registered: an explicit join works and leaves nothing.
		wantJoined(t, mustJoin(t, r, "c", "call"), "call", true, nil, nil)
		// Once a lobby peer leaves, a new one fits again.
		mustJoin(t, r, "a", "call")
		wantMembers(t, r, "lobby", "b")
		wantJoined(t, mustConnect(t, r, "d", ""), "lobby", true, []PeerID{"b"}, nil)
	})
}

func TestJoin(t *testing.T) {
	t.Run("first explicit join leaves the default room", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		mustConnect(t, r, "b", "")
		mustConnect(t, r, "c", "")
		j := mustJoin(t, r, "b", "call")
		wantJoined(t, j, "call", true, nil, []string{"lobby"})
		wantMembers(t, r, "lobby", "a", "c")
		wantMembers(t, r, "call", "b")
		wantRooms(t, r, "b", "call")

		// A second join does not report leaving the lobby again.
		j = mustJoin(t, r, "b", "other")
		wantJoined(t, j, "other", true, nil, nil)
		wantRooms(t, r, "b", "call", "other")

		// Another lobby peer joining sees b in Others.
		j = mustJoin(t, r, "a", "call")
		wantJoined(t, j, "call", true, []PeerID{"b"}, []string{"lobby"})
		wantMembers(t, r, "lobby", "c")
	})

	t.Run("last peer leaving the default room deletes it", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		mustJoin(t, r, "a", "call")
		wantMembers(t, r, "lobby")
		wantStats(t, r, 1, 1)
	})

	t.Run("explicit join of the default room keeps the peer in it", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "x", "")
		mustConnect(t, r, "a", "")
		j := mustJoin(t, r, "a", "lobby")
		wantJoined(t, j, "lobby", false, []PeerID{"x"}, nil)
		wantRooms(t, r, "a", "lobby")
		j = mustJoin(t, r, "a", "call")
		wantJoined(t, j, "call", true, nil, nil)
		wantRooms(t, r, "a", "call", "lobby")
		wantMembers(t, r, "lobby", "a", "x")
	})

	t.Run("rejoining the default room after an explicit join keeps it", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		mustJoin(t, r, "a", "call")
		wantJoined(t, mustJoin(t, r, "a", "lobby"), "lobby", true, nil, nil)
		wantJoined(t, mustJoin(t, r, "a", "x"), "x", true, nil, nil)
		wantRooms(t, r, "a", "call", "lobby", "x")
	})

	t.Run("explicit join after a refused default room stays explicit", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxPeersPerRoom = 2 })
		mustConnect(t, r, "x", "")
		mustConnect(t, r, "y", "")
		if _, err := r.Connect("a", SpaceSocketIO, ""); err == nil {
			t.Fatal("Connect into a full lobby succeeded")
		}
		mustJoin(t, r, "x", "elsewhere") // frees a lobby seat
		mustJoin(t, r, "a", "lobby")
		wantJoined(t, mustJoin(t, r, "a", "call"), "call", true, nil, nil)
		wantRooms(t, r, "a", "call", "lobby")
	})

	t.Run("explicit join of the default room without default membership", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "call")
		j := mustJoin(t, r, "a", "lobby")
		wantJoined(t, j, "lobby", true, nil, nil)
		wantRooms(t, r, "a", "call", "lobby")
	})

	t.Run("joining twice is harmless", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "b", "call")
		mustConnect(t, r, "a", "call")
		mustConnect(t, r, "c", "call")
		first := mustJoin(t, r, "a", "call")
		second := mustJoin(t, r, "a", "call")
		wantJoined(t, first, "call", false, []PeerID{"b", "c"}, nil)
		wantJoined(t, second, "call", false, []PeerID{"b", "c"}, nil)
		wantMembers(t, r, "call", "a", "b", "c")
		wantRooms(t, r, "a", "call")
		wantStats(t, r, 3, 1)
	})

	t.Run("joining twice returns New false after a fresh join", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.DefaultRoom = "" })
		mustConnect(t, r, "a", "")
		mustConnect(t, r, "b", "")
		mustJoin(t, r, "b", "call")
		first := mustJoin(t, r, "a", "call")
		again := mustJoin(t, r, "a", "call")
		wantJoined(t, first, "call", true, []PeerID{"b"}, nil)
		wantJoined(t, again, "call", false, first.Others, nil)
		wantMembers(t, r, "call", "a", "b")
	})

	t.Run("invalid name", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		for _, name := range []string{"", "a\nb", "\xff", strings.Repeat("a", 65)} {
			_, err := r.Join("a", name)
			wantCode(t, err, CodeInvalidRoom)
		}
		// A refused join changes nothing: the peer is still in the lobby
		// implicitly, so its next join leaves it.
		wantRooms(t, r, "a", "lobby")
		wantJoined(t, mustJoin(t, r, "a", "call"), "call", true, nil, []string{"lobby"})
	})

	t.Run("room full", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxPeersPerRoom = 2 })
		mustConnect(t, r, "a", "call")
		mustConnect(t, r, "b", "call")
		wantMembers(t, r, "call", "a", "b")

		mustConnect(t, r, "d", "")
		_, err := r.Join("d", "call")
		wantCode(t, err, CodeRoomFull)
		// A refused join leaves the peer where it was, still implicitly in
		// the lobby.
		wantRooms(t, r, "d", "lobby")
		wantMembers(t, r, "call", "a", "b")

		// A member rejoining a full room is not refused.
		j := mustJoin(t, r, "a", "call")
		if j.New {
			t.Errorf("rejoin of a full room returned New = true")
		}

		// Room capacity frees up after a leave.
		mustLeave(t, r, "b", "call")
		wantJoined(t, mustJoin(t, r, "d", "call"), "call", true, []PeerID{"a"}, []string{"lobby"})
	})

	t.Run("too many rooms", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxRoomsPerPeer = 3 })
		mustConnect(t, r, "a", "")
		for i := range 3 {
			mustJoin(t, r, "a", fmt.Sprintf("r%d", i))
		}
		_, err := r.Join("a", "r3")
		wantCode(t, err, CodeTooManyRooms)
		wantRooms(t, r, "a", "r0", "r1", "r2")
		wantMembers(t, r, "r3")
		// Rejoining a held room is still fine at the limit.
		mustJoin(t, r, "a", "r1")
		// After leaving one, another fits.
		mustLeave(t, r, "a", "r0")
		mustJoin(t, r, "a", "r3")
		wantRooms(t, r, "a", "r1", "r2", "r3")
	})

	t.Run("default room does not count against the limit", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxRoomsPerPeer = 1 })
		mustConnect(t, r, "a", "")
		j := mustJoin(t, r, "a", "call")
		wantJoined(t, j, "call", true, nil, []string{"lobby"})
		_, err := r.Join("a", "other")
		wantCode(t, err, CodeTooManyRooms)
		wantRooms(t, r, "a", "call")
	})

	t.Run("explicit default room counts against the limit", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxRoomsPerPeer = 1 })
		mustConnect(t, r, "a", "")
		mustJoin(t, r, "a", "lobby")
		_, err := r.Join("a", "call")
		wantCode(t, err, CodeTooManyRooms)
		wantRooms(t, r, "a", "lobby")
	})

	t.Run("too many rooms is checked before room full", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.MaxRoomsPerPeer = 1; c.MaxPeersPerRoom = 2 })
		mustConnect(t, r, "x", "full")
		mustConnect(t, r, "y", "full")
		mustConnect(t, r, "a", "mine")
		_, err := r.Join("a", "full")
		wantCode(t, err, CodeTooManyRooms)
	})

	t.Run("unknown peer", func(t *testing.T) {
		r := newRegistry(t, nil)
		_, err := r.Join("ghost", "call")
		wantCode(t, err, CodeNotConnected)
		wantMembers(t, r, "call")
		wantStats(t, r, 0, 0)
	})
}

func TestLeave(t *testing.T) {
	t.Run("one room", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "x")
		mustJoin(t, r, "a", "y")
		mustConnect(t, r, "b", "x")
		left := mustLeave(t, r, "a", "x")
		if !slices.Equal(left, []string{"x"}) {
			t.Errorf("Leave = %q, want [x]", left)
		}
		wantRooms(t, r, "a", "y")
		wantMembers(t, r, "x", "b")
		wantMembers(t, r, "lobby")
	})

	t.Run("empty name leaves all rooms sorted", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		for _, room := range []string{"zeta", "alpha", "mid"} {
			mustJoin(t, r, "a", room)
		}
		mustConnect(t, r, "b", "mid")
		left := mustLeave(t, r, "a", "")
		if want := []string{"alpha", "mid", "zeta"}; !slices.Equal(left, want) {
			t.Errorf("Leave(\"\") = %q, want %q", left, want)
		}
		wantRooms(t, r, "a")
		wantMembers(t, r, "mid", "b")
		wantMembers(t, r, "alpha")
		wantMembers(t, r, "lobby")
		wantStats(t, r, 2, 1)
	})

	t.Run("empty name in no rooms", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.DefaultRoom = "" })
		mustConnect(t, r, "a", "")
		if left := mustLeave(t, r, "a", ""); len(left) != 0 {
			t.Errorf("Leave(\"\") = %q, want none", left)
		}
	})

	t.Run("room not joined", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "x")
		mustConnect(t, r, "b", "y")
		left, err := r.Leave("a", "y")
		wantCode(t, err, CodeNotInRoom)
		if left != nil {
			t.Errorf("failed Leave returned %q", left)
		}
		wantMembers(t, r, "y", "b")
		wantRooms(t, r, "a", "x")
	})

	t.Run("invalid name", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "x")
		for _, name := range []string{"a\x00", "\xff\xfe", strings.Repeat("é", 65)} {
			_, err := r.Leave("a", name)
			wantCode(t, err, CodeInvalidRoom)
		}
		wantRooms(t, r, "a", "x")
	})

	t.Run("unknown peer", func(t *testing.T) {
		r := newRegistry(t, nil)
		_, err := r.Leave("ghost", "x")
		wantCode(t, err, CodeNotConnected)
		_, err = r.Leave("ghost", "")
		wantCode(t, err, CodeNotConnected)
	})

	t.Run("leaving the default room does not return to it", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		if left := mustLeave(t, r, "a", "lobby"); !slices.Equal(left, []string{"lobby"}) {
			t.Errorf("Leave(lobby) = %q, want [lobby]", left)
		}
		wantRooms(t, r, "a")
		wantMembers(t, r, "lobby")
		j := mustJoin(t, r, "a", "call")
		wantJoined(t, j, "call", true, nil, nil)
		mustLeave(t, r, "a", "call")
		wantRooms(t, r, "a")
		wantMembers(t, r, "lobby")
	})

	t.Run("leave all from default room does not return to it", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		if left := mustLeave(t, r, "a", ""); !slices.Equal(left, []string{"lobby"}) {
			t.Errorf("Leave(\"\") = %q, want [lobby]", left)
		}
		wantRooms(t, r, "a")
		wantStats(t, r, 1, 0)
	})

	t.Run("leaving the last explicit room does not return to the default room", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		mustJoin(t, r, "a", "call")
		mustLeave(t, r, "a", "call")
		wantRooms(t, r, "a")
		wantMembers(t, r, "lobby")
		mustJoin(t, r, "a", "x")
		mustLeave(t, r, "a", "")
		wantRooms(t, r, "a")
		wantMembers(t, r, "lobby")
		wantStats(t, r, 1, 0)
	})

	// A refused Leave is not leaving: the peer did not leave on its own, so
	// per the Join doc ("The first explicit join takes the peer out of the
	// default room") its first join must still take it out of the lobby,
	// and per MaxRoomsPerPeer the lobby must not count as an explicit room.
	t.Run("refused leave keeps the default room implicit", func(t *testing.T) {
		refusals := []struct {
			name, room, code string
		}{
			{"not in room", "elsewhere", CodeNotInRoom},
			{"invalid name", "bad\nname", CodeInvalidRoom},
		}
		for _, tc := range refusals {
			t.Run(tc.name+"/join leaves the lobby", func(t *testing.T) {
				r := newRegistry(t, nil)
				mustConnect(t, r, "a", "")
				_, err := r.Leave("a", tc.room)
				wantCode(t, err, tc.code)
				wantRooms(t, r, "a", "lobby")
				j := mustJoin(t, r, "a", "call")
				wantJoined(t, j, "call", true, nil, []string{"lobby"})
				wantRooms(t, r, "a", "call")
				wantMembers(t, r, "lobby")
			})
			t.Run(tc.name+"/lobby not counted against the limit", func(t *testing.T) {
				r := newRegistry(t, func(c *Config) { c.MaxRoomsPerPeer = 1 })
				mustConnect(t, r, "a", "")
				_, err := r.Leave("a", tc.room)
				wantCode(t, err, tc.code)
				if _, err := r.Join("a", "call"); err != nil {
					t.Fatalf("Join after refused Leave = %v, want success (lobby is implicit)", err)
				}
				wantRooms(t, r, "a", "call")
			})
		}
	})
}

func TestDisconnect(t *testing.T) {
	t.Run("returns sorted rooms and removes membership", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		for _, room := range []string{"c", "a", "b"} {
			mustJoin(t, r, "a", room)
		}
		mustConnect(t, r, "b", "b")
		wantStats(t, r, 2, 3)

		left := r.Disconnect("a")
		if want := []string{"a", "b", "c"}; !slices.Equal(left, want) {
			t.Errorf("Disconnect = %q, want %q", left, want)
		}
		wantRooms(t, r, "a")
		wantMembers(t, r, "a")
		wantMembers(t, r, "b", "b")
		wantMembers(t, r, "c")
		wantStats(t, r, 1, 1)

		if left := r.Disconnect("b"); !slices.Equal(left, []string{"b"}) {
			t.Errorf("Disconnect(b) = %q, want [b]", left)
		}
		wantStats(t, r, 0, 0)
	})

	t.Run("default room member", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "")
		mustConnect(t, r, "b", "")
		if left := r.Disconnect("a"); !slices.Equal(left, []string{"lobby"}) {
			t.Errorf("Disconnect = %q, want [lobby]", left)
		}
		wantMembers(t, r, "lobby", "b")
		r.Disconnect("b")
		wantStats(t, r, 0, 0)
	})

	t.Run("peer in no room", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.DefaultRoom = "" })
		mustConnect(t, r, "a", "")
		if left := r.Disconnect("a"); len(left) != 0 {
			t.Errorf("Disconnect = %q, want none", left)
		}
		wantStats(t, r, 0, 0)
	})

	t.Run("twice and unknown return nil", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "x")
		if left := r.Disconnect("a"); !slices.Equal(left, []string{"x"}) {
			t.Errorf("Disconnect = %q, want [x]", left)
		}
		if left := r.Disconnect("a"); left != nil {
			t.Errorf("second Disconnect = %q, want nil", left)
		}
		if left := r.Disconnect("ghost"); left != nil {
			t.Errorf("Disconnect(unknown) = %q, want nil", left)
		}
		wantStats(t, r, 0, 0)
	})

	t.Run("commands after disconnect are refused", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "x")
		mustConnect(t, r, "b", "x")
		r.Disconnect("a")
		_, err := r.Join("a", "x")
		wantCode(t, err, CodeNotConnected)
		_, err = r.Leave("a", "x")
		wantCode(t, err, CodeNotConnected)
		_, err = r.Leave("a", "")
		wantCode(t, err, CodeNotConnected)
		if rooms := r.RoomsOf("a"); rooms != nil {
			t.Errorf("RoomsOf after Disconnect = %q, want nil", rooms)
		}
		wantMembers(t, r, "x", "b")
	})

	t.Run("reconnect starts fresh", func(t *testing.T) {
		r := newRegistry(t, nil)
		mustConnect(t, r, "a", "x")
		r.Disconnect("a")
		wantJoined(t, mustConnect(t, r, "a", ""), "lobby", true, nil, nil)
		wantRooms(t, r, "a", "lobby")
		wantJoined(t, mustJoin(t, r, "a", "y"), "y", true, nil, []string{"lobby"})
	})
}

func TestRoomsOfAndMembers(t *testing.T) {
	r := newRegistry(t, nil)
	if got := r.RoomsOf("ghost"); got != nil {
		t.Errorf("RoomsOf(unknown) = %q, want nil", got)
	}
	if got := r.Members("nowhere"); len(got) != 0 {
		t.Errorf("Members(unknown room) = %q, want none", got)
	}
	mustConnect(t, r, "p", "")
	for _, room := range []string{"é", "b", "a", "Z"} {
		mustJoin(t, r, "p", room)
	}
	wantRooms(t, r, "p", "Z", "a", "b", "é")

	// The returned slice is a copy: changing it changes nothing.
	got := r.RoomsOf("p")
	got[0] = "mutated"
	wantRooms(t, r, "p", "Z", "a", "b", "é")
	m := r.Members("a")
	m[0] = "mutated"
	wantMembers(t, r, "a", "p")
}

func TestStats(t *testing.T) {
	r := newRegistry(t, nil)
	wantStats(t, r, 0, 0)
	mustConnect(t, r, "a", "")
	wantStats(t, r, 1, 1)
	mustConnect(t, r, "b", "")
	wantStats(t, r, 2, 1)
	mustJoin(t, r, "a", "x")
	wantStats(t, r, 2, 2)
	mustJoin(t, r, "b", "x")
	wantStats(t, r, 2, 1)
	mustJoin(t, r, "b", "y")
	wantStats(t, r, 2, 2)
	mustLeave(t, r, "b", "y")
	wantStats(t, r, 2, 1)
	r.Disconnect("a")
	wantStats(t, r, 1, 1)
	r.Disconnect("b")
	wantStats(t, r, 0, 0)
}

func TestRoomIsolation(t *testing.T) {
	r := newRegistry(t, nil)
	a := []PeerID{"a1", "a2", "a3"}
	b := []PeerID{"b1", "b2"}
	for _, id := range a {
		j := mustConnect(t, r, id, "A")
		for _, other := range j.Others {
			if slices.Contains(b, other) {
				t.Errorf("Others of %q in A contains %q from B", id, other)
			}
		}
	}
	for _, id := range b {
		j := mustConnect(t, r, id, "B")
		for _, other := range j.Others {
			if slices.Contains(a, other) {
				t.Errorf("Others of %q in B contains %q from A", id, other)
			}
		}
	}
	wantMembers(t, r, "A", a...)
	wantMembers(t, r, "B", b...)
	wantMembers(t, r, "lobby")

	// A rejoin reports only the room's own members.
	j := mustJoin(t, r, "b1", "B")
	wantJoined(t, j, "B", false, []PeerID{"b2"}, nil)

	// A peer in both rooms appears in both, others stay apart.
	mustConnect(t, r, "both", "A")
	mustJoin(t, r, "both", "B")
	wantMembers(t, r, "A", "a1", "a2", "a3", "both")
	wantMembers(t, r, "B", "b1", "b2", "both")
}

func TestConcurrentJoinCapacity(t *testing.T) {
	const (
		peers    = 200
		capacity = 50
	)
	for _, tc := range []struct {
		name    string
		connect bool // Connect(id, room) instead of Connect then Join
		lobby   string
	}{
		{"connect then join", false, ""},
		{"connect then join from lobby", false, "lobby"},
		{"connect into room", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRegistry(t, func(c *Config) {
				c.MaxPeersPerRoom = capacity
				c.DefaultRoom = tc.lobby
			})
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				ok   int
				full int
				bad  []string
			)
			for i := range peers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := PeerID(fmt.Sprintf("peer-%03d", i))
					var err *Error
					if tc.connect {
						_, err = r.Connect(id, SpaceSocketIO, "room")
					} else {
						// With a lobby, Connect can be refused with
						// room-full; the peer stays registered and the
						// Join below must still work.
						r.Connect(id, SpaceSocketIO, "")
						_, err = r.Join(id, "room")
					}
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case err.Code == CodeRoomFull:
						full++
					default:
						bad = append(bad, err.Error())
					}
				}()
			}
			wg.Wait()

			if len(bad) > 0 {
				t.Fatalf("unexpected errors: %q", bad)
			}
			if ok != capacity || full != peers-capacity {
				t.Errorf("%d joins succeeded and %d got room-full, want %d and %d", ok, full, capacity, peers-capacity)
			}
			members := r.Members("room")
			if len(members) != capacity {
				t.Errorf("Members has %d entries, want %d", len(members), capacity)
			}
			if !slices.IsSorted(members) || len(slices.Compact(slices.Clone(members))) != len(members) {
				t.Errorf("Members is not sorted and unique: %q", members)
			}
			if p, _ := r.Stats(); p != peers {
				t.Errorf("Stats peers = %d, want %d", p, peers)
			}
			for _, id := range members {
				if rooms := r.RoomsOf(id); !slices.Contains(rooms, "room") {
					t.Errorf("member %q has rooms %q, want room among them", id, rooms)
				}
			}
		})
	}
}

func TestConcurrentChurn(t *testing.T) {
	r := newRegistry(t, func(c *Config) { c.MaxPeersPerRoom = 10; c.MaxRoomsPerPeer = 3 })
	rooms := []string{"r0", "r1", "r2", "r3"}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := PeerID(fmt.Sprintf("p%d", i))
			r.Connect(id, SpaceSocketIO, "")
			for k := range 20 {
				room := rooms[(i+k)%len(rooms)]
				switch k % 4 {
				case 0, 1:
					r.Join(id, room)
				case 2:
					r.Recipients(nil, id, Address{Room: room})
					r.Others(nil, id, room)
					r.Leave(id, room)
				case 3:
					r.Members(room)
					r.RoomsOf(id)
					r.Stats()
				}
			}
			r.Disconnect(id)
		}()
	}
	wg.Wait()
	wantStats(t, r, 0, 0)
	for _, room := range append(rooms, "lobby") {
		wantMembers(t, r, room)
	}
}

func TestConnectTwiceKeepsTheFirstRecord(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "a", "call")
	_, err := r.Connect("a", SpaceSocketIO, "other")
	wantCode(t, err, CodeInvalidPayload)
	wantRooms(t, r, "a", "call")
	wantMembers(t, r, "other")
	if left := r.Disconnect("a"); !slices.Equal(left, []string{"call"}) {
		t.Fatalf("Disconnect left %v, want [call]", left)
	}
	wantStats(t, r, 0, 0)
}
