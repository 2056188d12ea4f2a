package e2e

import (
	"testing"
)

// The compatibility dialects across nodes: what one node decides alone on
// one node, two nodes decide together through Redis.

func TestClusterCodelab(t *testing.T) {
	t.Parallel()
	_, nodes := startCluster(t, 2)
	d := startDriver(t)
	x := d.connect(nodes[0], "x", clientV2, nil)
	y := d.connect(nodes[1], "y", clientV2, nil)

	x.emit("create or join", "cl")
	if r := x.next(t, "created"); firstString(r) != "cl" {
		t.Fatalf("created %s, want room cl", r.Args)
	}
	y.emit("create or join", "cl")
	if r := x.next(t, "join"); firstString(r) != "cl" {
		t.Fatalf("x got join %s, want cl", r.Args)
	}
	var room, id string
	r := y.next(t, "joined")
	r.arg(t, 0, &room)
	r.arg(t, 1, &id)
	if room != "cl" || id != y.ID {
		t.Fatalf("y got joined(%q, %q), want (cl, %s)", room, id, y.ID)
	}
	for _, p := range []*peer{x, y} {
		if r := p.next(t, "ready"); firstString(r) != "cl" {
			t.Fatalf("%s got ready %s, want cl", p.name, r.Args)
		}
	}
	// Full for a third, on either node.
	for i, s := range nodes {
		z := d.connect(s, "z"+string(rune('0'+i)), clientV2, nil)
		z.emit("create or join", "cl")
		if r := z.next(t, "full"); firstString(r) != "cl" {
			t.Fatalf("a third on node %d got full %s, want cl", i, r.Args)
		}
		z.barrier(t)
		z.wantNone(t, "joined")
	}
	// The codelab's relay across nodes, and its hang-up on disconnect.
	x.emit("message", "got user media")
	y.waitFor(t, func(r report) bool {
		return r.Type == "event" && r.Event == "message" && firstString(r) == "got user media"
	},
		"x's message")
	y.close()
	x.waitFor(t, func(r report) bool { return r.Type == "event" && r.Event == "message" && firstString(r) == "bye" }, `message("bye")`)
	if r := x.next(t, "bye"); firstString(r) != "cl" {
		t.Fatalf("x got bye %s, want cl", r.Args)
	}
}

func TestClusterSignalmasterCreate(t *testing.T) {
	t.Parallel()
	_, nodes := startCluster(t, 2)
	d := startDriver(t)
	s1 := d.connect(nodes[0], "s1", clientV1, nil)
	s2 := d.connect(nodes[1], "s2", clientV1, nil)
	ack := s1.call(t, "create", "sm")
	ackOK(t, ack)
	var name string
	ack.arg(t, 1, &name)
	if name != "sm" {
		t.Fatalf("create acked %q, want sm", name)
	}
	wantCode(t, s2.call(t, "create", "sm"), "room-taken")
	// Joined instead, it sees the other node's member with its resources.
	j := s2.join(t, "sm")
	sameIDs(t, "s2's peers", j.Peers, s1)
	var res struct{ Audio, Video, Screen bool }
	if !jsonInto(j.Clients[s1.ID], &res) || !res.Video {
		t.Fatalf("s1's resources %s, want {audio, video, screen}", j.Clients[s1.ID])
	}
	s2.close()
	s1.waitFor(t, func(r report) bool {
		var rm struct{ ID string }
		return r.Type == "event" && r.Event == "remove" && len(r.Args) > 0 && jsonInto(r.Args[0], &rm) && rm.ID == s2.ID
	}, "remove s2")
}

func TestClusterRawLogin(t *testing.T) {
	t.Parallel()
	_, nodes := startCluster(t, 2)
	alice := dialRawPage(t, nodes[0], "raw")
	bob := dialRawPage(t, nodes[1], "raw")
	if got := alice.login(t, "alice"); got["success"] != true {
		t.Fatalf("alice's login answered %v", got)
	}
	// Names are unique across nodes.
	if got := bob.login(t, "alice"); got["success"] != false || got["code"] != "name-taken" {
		t.Fatalf("a second alice, on the other node, was answered %v, want name-taken", got)
	}
	if got := bob.login(t, "bob"); got["success"] != true {
		t.Fatalf("bob's login answered %v", got)
	}
	alice.send(t, map[string]any{"type": "offer", "name": "bob", "offer": map[string]any{"sdp": "o"}})
	if got := bob.next(t); got["type"] != "offer" || got["name"] != "alice" {
		t.Fatalf("bob got %v, want alice's offer", got)
	}
	bob.send(t, map[string]any{"type": "answer", "name": "alice", "answer": map[string]any{"sdp": "a"}})
	if got := alice.next(t); got["type"] != "answer" {
		t.Fatalf("alice got %v, want bob's answer", got)
	}
	// A name of nobody, on any node.
	alice.send(t, map[string]any{"type": "offer", "name": "carol", "offer": map[string]any{}})
	if got := alice.next(t); got["code"] != "unknown-peer" {
		t.Fatalf("an offer to nobody was answered %v, want unknown-peer", got)
	}
	// Closing tells the partner on the other node.
	closeFrame(alice.conn)
	if got := bob.next(t); got["type"] != "leave" {
		t.Fatalf("bob got %v, want leave", got)
	}
	// And frees the name for anyone, on any node.
	carol := dialRawPage(t, nodes[1], "raw")
	if got := carol.login(t, "alice"); got["success"] != true {
		t.Fatalf("taking alice's name after she left was answered %v", got)
	}
}
