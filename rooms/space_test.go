package rooms

import (
	"slices"
	"testing"
)

func mustConnectIn(t testing.TB, r *Registry, id PeerID, space Space, room string) Joined {
	t.Helper()
	j, err := r.Connect(id, space, room)
	if err != nil {
		t.Fatalf("Connect(%q, %v, %q) = %v", id, space, room, err)
	}
	return j
}

func TestSpacesKeepSameNamedRoomsApart(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "s1", "call")
	mustConnect(t, r, "s2", "call")
	wantJoined(t, mustConnectIn(t, r, "w1", SpaceRaw, "call"), "call", true, nil, nil)
	wantJoined(t, mustConnectIn(t, r, "w2", SpaceRaw, "call"), "call", true, []PeerID{"w1"}, nil)

	wantMembers(t, r, "call", "s1", "s2")
	if got := r.MembersIn(SpaceRaw, "call"); !slices.Equal(got, []PeerID{"w1", "w2"}) {
		t.Errorf("MembersIn(raw, call) = %q, want [w1 w2]", got)
	}
	if got := r.MembersIn(SpaceSocketIO, "call"); !slices.Equal(got, []PeerID{"s1", "s2"}) {
		t.Errorf("MembersIn(socket.io, call) = %q, want [s1 s2]", got)
	}
	wantRecipients(t, r, "s1", Address{}, "s2")
	wantRecipients(t, r, "w1", Address{}, "w2")
	wantRecipients(t, r, "w1", Address{Room: "call"}, "w2")
	wantRecipientsError(t, r, "s1", Address{To: "w1"}, CodeNotInRoom)
	wantRecipientsError(t, r, "w1", Address{To: "s2", Room: "call"}, CodeNotInRoom)

	if got := sortedIDs(r.Others(nil, "w1", "call")); !slices.Equal(got, []PeerID{"w2"}) {
		t.Errorf("Others(w1, call) = %q, want [w2]", got)
	}
	if got := sortedIDs(r.OthersIn(nil, SpaceRaw, "s1", "call")); !slices.Equal(got, []PeerID{"w1", "w2"}) {
		t.Errorf("OthersIn(raw, s1, call) = %q, want [w1 w2]", got)
	}
	for _, tc := range []struct {
		id   PeerID
		want bool
	}{{"s1", true}, {"w1", true}, {"ghost", false}} {
		if got := r.IsMember(tc.id, "call"); got != tc.want {
			t.Errorf("IsMember(%q, call) = %v, want %v", tc.id, got, tc.want)
		}
	}
	wantStats(t, r, 4, 2)

	// A disconnected socket.io peer's room can still be told.
	r.Disconnect("s1")
	if got := r.Others(nil, "s1", "call"); !slices.Equal(got, []PeerID{"s2"}) {
		t.Errorf("Others(disconnected s1, call) = %q, want [s2]", got)
	}
	r.Disconnect("w1")
	r.Disconnect("w2")
	wantStats(t, r, 1, 1)
	if got := r.MembersIn(SpaceRaw, "call"); len(got) != 0 {
		t.Errorf("MembersIn(raw, call) after the raw peers left = %q", got)
	}
}

func TestSpacesHaveTheirOwnDefaultRoom(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "s", "")
	wantJoined(t, mustConnectIn(t, r, "w", SpaceRaw, ""), "lobby", true, nil, nil)
	wantMembers(t, r, "lobby", "s")
	wantRooms(t, r, "w", "lobby")
	// The first explicit join leaves the raw lobby, not the socket.io one.
	wantJoined(t, mustJoin(t, r, "w", "call"), "call", true, nil, []string{"lobby"})
	wantMembers(t, r, "lobby", "s")
	wantStats(t, r, 2, 2)
}

func TestSpacesShareTheLimits(t *testing.T) {
	r := newRegistry(t, func(c *Config) { c.MaxPeersPerRoom = 2; c.MaxRoomsPerPeer = 1 })
	mustConnect(t, r, "s1", "call")
	mustConnect(t, r, "s2", "call")
	// The socket.io room is full; the raw one of the same name is not.
	mustConnectIn(t, r, "w1", SpaceRaw, "call")
	mustConnectIn(t, r, "w2", SpaceRaw, "call")
	_, err := r.Connect("w3", SpaceRaw, "call")
	wantCode(t, err, CodeRoomFull)
	_, err = r.Join("w1", "other")
	wantCode(t, err, CodeTooManyRooms)
}

func TestConnectRefusesBadSpacesAndIds(t *testing.T) {
	r := newRegistry(t, nil)
	_, err := r.Connect("x", Space(numSpaces), "call")
	wantCode(t, err, CodeInvalidPayload)
	wantStats(t, r, 0, 0)
	if _, err := r.Join("x", "call"); err == nil {
		t.Error("a peer refused for its space was registered")
	}

	// Ids are unique across spaces.
	mustConnect(t, r, "a", "call")
	_, err = r.Connect("a", SpaceRaw, "call")
	wantCode(t, err, CodeInvalidPayload)
	wantMembers(t, r, "call", "a")
	if got := r.MembersIn(SpaceRaw, "call"); len(got) != 0 {
		t.Errorf("a duplicate id joined the raw room: %q", got)
	}
}

func TestSpaceString(t *testing.T) {
	for space, want := range map[Space]string{SpaceSocketIO: "socket.io", SpaceRaw: "raw", 7: "unknown space"} {
		if got := space.String(); got != want {
			t.Errorf("Space(%d).String() = %q, want %q", space, got, want)
		}
	}
}
