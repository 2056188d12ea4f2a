package rooms

import (
	"slices"
	"sync"
	"testing"
)

// sharedRooms is a Cluster in memory, shared by the registries of a test
// as the nodes of a cluster share Redis: what the Cluster contract says,
// and nothing else, so the registry's use of it can be tested alone. The
// real one, on Redis, is tested end to end (e2e/cluster_test.go).
type sharedRooms struct {
	mu    sync.Mutex
	rooms map[RoomKey]map[PeerID]bool // member → screen
	names map[RoomKey]map[string]PeerID
}

func newSharedRooms() *sharedRooms {
	return &sharedRooms{rooms: map[RoomKey]map[PeerID]bool{}, names: map[RoomKey]map[string]PeerID{}}
}

func (c *sharedRooms) Admit(room RoomKey, id PeerID, limit int, ifEmpty bool) ([]Member, *Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	members := c.rooms[room]
	_, in := members[id]
	switch {
	case !in && ifEmpty && len(members) > 0:
		return nil, ErrRoomTaken(room.Name)
	case !in && len(members) >= limit:
		return nil, ErrRoomFull(room.Name)
	}
	var others []Member
	for m, screen := range members {
		if m != id {
			others = append(others, Member{ID: m, Screen: screen})
		}
	}
	if members == nil {
		members = map[PeerID]bool{}
		c.rooms[room] = members
	}
	if !in {
		members[id] = false
	}
	return others, nil
}

func (c *sharedRooms) Depart(room RoomKey, id PeerID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.rooms[room], id)
	if len(c.rooms[room]) == 0 {
		delete(c.rooms, room)
	}
}

func (c *sharedRooms) SetScreen(room RoomKey, id PeerID, screen bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, in := c.rooms[room][id]; in {
		c.rooms[room][id] = screen
	}
}

func (c *sharedRooms) ClaimName(room RoomKey, name string, id PeerID) *Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if holder, taken := c.names[room][name]; taken && holder != id {
		return ErrNameTaken(name)
	}
	if c.names[room] == nil {
		c.names[room] = map[string]PeerID{}
	}
	c.names[room][name] = id
	return nil
}

func (c *sharedRooms) ReleaseName(room RoomKey, name string, id PeerID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names[room][name] == id {
		delete(c.names[room], name)
	}
}

func (c *sharedRooms) Named(room RoomKey, name string) (PeerID, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.names[room][name]
	return id, ok
}

// twoNodes returns two registries sharing their rooms.
func twoNodes(t *testing.T, mutate func(*Config)) (a, b *Registry, shared *sharedRooms) {
	t.Helper()
	shared = newSharedRooms()
	a, b = newRegistry(t, mutate), newRegistry(t, mutate)
	a.SetCluster(shared)
	b.SetCluster(shared)
	return a, b, shared
}

func TestClusterJoinListsEveryNode(t *testing.T) {
	a, b, _ := twoNodes(t, nil)
	mustConnect(t, a, "a1", "call")
	mustConnect(t, b, "b1", "call")
	j := mustConnect(t, a, "a2", "call")
	if want := []PeerID{"a1", "b1"}; !slices.Equal(j.Others, want) {
		t.Errorf("a2's join lists %q, want both nodes' members %q", j.Others, want)
	}
	if _, ok := j.Clients["b1"]; !ok {
		t.Errorf("clients %v lack b1 of the other node", j.Clients)
	}
	// Each node keeps only its own peers.
	if got := a.Members("call"); !slices.Equal(got, []PeerID{"a1", "a2"}) {
		t.Errorf("node a's members = %q, want its own a1, a2", got)
	}
}

func TestClusterCapacityHoldsAcrossNodes(t *testing.T) {
	a, b, _ := twoNodes(t, func(c *Config) { c.MaxPeersPerRoom, c.DefaultRoom = 2, "" })
	mustConnect(t, a, "a1", "")
	mustConnect(t, b, "b1", "")
	mustConnect(t, a, "a2", "")
	mustJoin(t, a, "a1", "small")
	mustJoin(t, b, "b1", "small")
	_, err := a.Join("a2", "small")
	wantCode(t, err, CodeRoomFull)
	// A departure on one node frees a place for the other.
	a.Disconnect("a1")
	mustJoin(t, a, "a2", "small")
}

func TestClusterCreateAndCodelabCountEveryNode(t *testing.T) {
	a, b, _ := twoNodes(t, nil)
	mustConnect(t, a, "a1", "")
	mustConnect(t, b, "b1", "")
	mustConnect(t, b, "b2", "")
	mustJoin(t, a, "a1", "taken")
	_, err := b.Create("b1", "taken")
	wantCode(t, err, CodeRoomTaken)

	first := mustCreateOrJoin(t, a, "a1", "lab")
	if first.Emits[len(first.Emits)-1].Event != EventCreated {
		t.Fatalf("the first create or join = %s, want created", formatEmits(first.Emits))
	}
	second := mustCreateOrJoin(t, b, "b1", "lab")
	var join, ready *Emit
	for i, e := range second.Emits {
		switch e.Event {
		case EventJoin:
			join = &second.Emits[i]
		case EventReady:
			ready = &second.Emits[i]
		}
	}
	if join == nil || len(join.To) != 0 || !slices.Equal(join.Rooms, []string{"lab"}) || join.Except != "b1" {
		t.Errorf("join emit %+v: want it for room lab's members on other nodes, except b1", join)
	}
	if ready == nil || !slices.Equal(ready.To, []PeerID{"b1"}) || !slices.Equal(ready.Rooms, []string{"lab"}) || ready.Except != "" {
		t.Errorf("ready emit %+v: want b1 here and room lab on the other nodes", ready)
	}
	third := mustCreateOrJoin(t, b, "b2", "lab")
	if third.Emits[len(third.Emits)-1].Event != EventFull {
		t.Errorf("a third peer, of either node = %s, want full", formatEmits(third.Emits))
	}
}

func TestClusterRawNamesAreUniqueAcrossNodes(t *testing.T) {
	a, b, _ := twoNodes(t, nil)
	mustConnectIn(t, a, "a1", SpaceRaw, "r")
	mustConnectIn(t, b, "b1", SpaceRaw, "r")
	if err := a.claimName("a1", "ann"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.claimName("b1", "ann"), CodeNameTaken)
	if err := b.claimName("b1", "bob"); err != nil {
		t.Fatal(err)
	}
	route, err := b.route("b1", "ann", true)
	if err != nil || route.to != "a1" {
		t.Fatalf("route to ann from the other node = %+v, %v; want a1", route, err)
	}
	// The partner of another node is still told when its partner goes.
	if partner := b.disconnectRaw("b1"); partner != "a1" {
		t.Errorf("disconnectRaw = %q, want the partner a1 of the other node", partner)
	}
	a.disconnectRaw("a1")
	if err := b.claimName("b1", "ann"); err == nil {
		t.Error("b1 claimed a name after its own disconnect")
	}
}

func TestClusterDeparturesNameTheirRooms(t *testing.T) {
	a, b, _ := twoNodes(t, nil)
	mustConnect(t, a, "a1", "call")
	mustConnect(t, b, "b1", "call")
	notices := DisconnectNotices("a1", a.DisconnectRooms("a1"))
	if len(notices) != 3 {
		t.Fatalf("notices %s: want peer-left, remove and user disconnected for the other node", formatEmits(notices))
	}
	for _, n := range notices {
		if len(n.To) != 0 || !slices.Equal(n.Rooms, []string{"call"}) || n.Except != "a1" {
			t.Errorf("%s: to %q, rooms %q except %q; want nobody here, room call elsewhere, except a1", n.Event, n.To, n.Rooms, n.Except)
		}
	}
}

func TestHandoverKeepsMembershipAndRules(t *testing.T) {
	a, b, shared := twoNodes(t, nil)
	mustConnect(t, a, "p", "call")
	mustConnect(t, b, "q", "call")
	if _, err := a.CreateOrJoin("p", "lab"); err != nil {
		t.Fatal(err)
	}
	h, ok := a.Release("p")
	if !ok || !slices.Equal(h.Rooms, []string{"call", "lab"}) || !slices.Equal(h.Codelab, []string{"lab"}) || !h.Explicit {
		t.Fatalf("Release = %+v, %v", h, ok)
	}
	if a.IsMember("p", "call") {
		t.Error("the releasing node still lists p")
	}
	if _, in := shared.rooms[RoomKey{SpaceSocketIO, "call"}]["p"]; !in {
		t.Error("release took p out of the shared room: it must stay, for the node that adopts it")
	}
	if err := b.Adopt("p", h); err != nil {
		t.Fatal(err)
	}
	if !b.IsMember("p", "call") || !b.IsMember("p", "lab") {
		t.Errorf("the adopting node lists p in %q", b.RoomsOf("p"))
	}
	ds := b.DisconnectRooms("p")
	codelab := map[string]bool{}
	for _, d := range ds {
		codelab[d.Room] = d.Codelab
	}
	if !codelab["lab"] || codelab["call"] {
		t.Errorf("departures after adoption %+v: lab must still be a codelab room, call not", ds)
	}
	if _, in := shared.rooms[RoomKey{SpaceSocketIO, "call"}]["p"]; in {
		t.Error("the adopted peer's disconnect left it in the shared room")
	}
}
