package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// iceBurst is a whole ICE gathering sent at once: as many candidates as one
// connection may send in one burst (--event-burst's default).
const iceBurst = 200

// An ICE burst from a sender on one node reaches a receiver on another
// complete, in order, each candidate once.
func TestClusterICEBurstArrivesInOrderOnce(t *testing.T) {
	t.Parallel()
	_, nodes := startCluster(t, 2)
	d := startDriver(t)
	a := d.connect(nodes[0], "a", clientV4, inRoom("ice"))
	a.next(t, "joined")
	b := d.connect(nodes[1], "b", clientV4, inRoom("ice"))
	b.next(t, "joined")
	a.wantPeerEvent(t, "peer-joined", "ice", b)

	a.burst("ice", iceBurst, map[string]any{"candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host"})
	for want := range iceBurst {
		r := b.next(t, "ice")
		var got struct {
			Seq  int    `json:"seq"`
			From string `json:"from"`
		}
		r.arg(t, 0, &got)
		if got.Seq != want || got.From != a.ID {
			t.Fatalf("ICE event %d is seq %d from %s, want seq %d from %s", want, got.Seq, got.From, want, a.ID)
		}
	}
	marker(t, a, b)
	if n := len(b.received("ice")); n != iceBurst {
		t.Fatalf("b got %d ICE events, want %d", n, iceBurst)
	}
}

// Concurrent joins spread over three nodes into one room admit exactly its
// capacity: the capacity is one count across nodes, decided atomically.
func TestClusterConcurrentJoinsAdmitExactlyCapacity(t *testing.T) {
	t.Parallel()
	const capacity, joiners = 10, 100
	_, nodes := startCluster(t, 3, "--max-peers-per-room", fmt.Sprint(capacity))
	d := startDriver(t)
	peers := make([]*peer, joiners)
	for i := range peers {
		peers[i] = d.dial(nodes[i%len(nodes)], fmt.Sprintf("j%d", i), clientV4, map[string]any{"transports": []string{"websocket"}})
	}
	for _, p := range peers {
		r := p.waitFor(t, func(r report) bool { return r.Type == "connect" || r.Type == "connect_error" }, "connect")
		if r.Type != "connect" {
			t.Fatalf("%s did not connect: %s", p.name, r.Message)
		}
		p.ID = r.ID
	}
	acks := make([]func(*testing.T) report, joiners)
	for i, p := range peers {
		acks[i] = p.callAsync("join", "crowd")
	}
	admitted, full, mostPeers := 0, 0, 0
	perNode := make([]int, len(nodes))
	for i, wait := range acks {
		ack := wait(t)
		if len(ack.Args) > 0 && string(ack.Args[0]) == "null" {
			var j joinResult
			ack.arg(t, 1, &j)
			admitted++
			perNode[i%len(nodes)]++
			mostPeers = max(mostPeers, len(j.Peers))
			continue
		}
		var e wireError
		if len(ack.Args) == 0 || json.Unmarshal(ack.Args[0], &e) != nil || e.Code != "room-full" {
			t.Fatalf("%s's join was acked %s, want success or room-full", peers[i].name, ack.Args)
		}
		full++
	}
	if admitted != capacity || full != joiners-capacity {
		t.Fatalf("%d admitted and %d room-full, want %d and %d (admitted per node %v)", admitted, full, capacity, joiners-capacity, perNode)
	}
	// The last admitted saw every other member, of every node.
	if mostPeers != capacity-1 {
		t.Fatalf("the fullest join ack listed %d peers, want %d", mostPeers, capacity-1)
	}
	t.Logf("admitted per node: %v", perNode)
}

// A join on a node that is receiving room traffic from another node is
// acked at once. A join waits for Redis to confirm the new room's
// subscription, which the node's subscription reader sees: that reader
// must not itself wait for the join (it once waited to deliver the traffic,
// for the registry the join held, and each join then took the 2 s the
// confirmation may take). The clients are hand-driven, so that nothing
// between the test and the server lags behind the traffic.
func TestClusterJoinsAreNotHeldByIncomingTraffic(t *testing.T) {
	t.Parallel()
	const joiners, joins = 4, 8 // joins: as many rooms as a peer may hold
	_, nodes := startCluster(t, 2, "--event-rate", "100000", "--event-burst", "100000")
	a := connectedSession(t, nodes[0], overWebsocket, "&room=busy")
	b := connectedSession(t, nodes[1], overWebsocket, "&room=busy")
	if _, err := awaitPacket(a, `42["peer-joined"`); err != nil {
		t.Fatalf("a: %v", err)
	}
	cs := make([]handSession, joiners)
	for i := range cs {
		cs[i] = connectedSession(t, nodes[0], overWebsocket, "")
	}

	// b sends ICE to the room until the joins are done, then an end mark.
	stop, sent := make(chan struct{}), make(chan int, 1)
	go func() {
		n, tick := 0, time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				b.send(textPacket(`42["message","end"]`))
				sent <- n
				return
			case <-tick.C:
				b.send(textPackets(`42["ice",{"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host"}]`,
					`42["ice",{"candidate":"candidate:2 1 udp 2122260223 192.0.2.1 54322 typ host"}]`)...)
				n += 2
			}
		}
	}()
	if _, err := awaitPacket(a, `42["ice"`); err != nil { // node 0 is receiving the traffic
		t.Fatalf("a: %v", err)
	}
	received, counted := 1, make(chan error, 1)
	go func() {
		for {
			pkt, err := awaitPacket(a, `42[`)
			switch {
			case err != nil:
				counted <- err
				return
			case strings.HasPrefix(pkt, `42["ice"`):
				received++
			case strings.HasPrefix(pkt, `42["message"`):
				counted <- nil
				return
			}
		}
	}()

	start := time.Now()
	for i := range joins {
		for j, c := range cs {
			c.send(textPacket(fmt.Sprintf(`42%d["join","fresh-%d-%d"]`, i, j, i)))
		}
		for j, c := range cs {
			if code, err := ackCode(c, i); err != nil || code != "" {
				t.Fatalf("joiner %d, join %d: acked %q, %v", j, i, code, err)
			}
		}
	}
	took := time.Since(start)
	close(stop)
	n := <-sent
	// Far below one confirmation timeout (2 s), let alone one per join.
	if took > time.Second {
		t.Fatalf("%d joins took %v while the node received traffic", joiners*joins, took)
	}
	if err := <-counted; err != nil || received != n {
		t.Fatalf("a got %d of the %d ICE events (%v)", received, n, err)
	}
}
