package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// What the nodes do when Redis or one of them fails.

// redisOutage is how long Redis stays away in the outage test: several
// heartbeats, longer than a node's alive key lives.
const redisOutage = 5 * time.Second

// Redis killed and restarted empty: each node keeps its own rooms working
// and says it is not ready meanwhile; once Redis is back, the nodes put
// their members back and relay across nodes again without losing anything.
func TestClusterSurvivesRedisRestart(t *testing.T) {
	t.Parallel()
	r, nodes := startCluster(t, 2)
	d := startDriver(t)
	a := d.connect(nodes[0], "a", clientV4, nil)
	a2 := d.connect(nodes[0], "a2", clientV4, nil)
	b := d.connect(nodes[1], "b", clientV4, nil)
	for _, p := range []*peer{a, a2, b} {
		p.join(t, "call")
	}
	for _, s := range nodes {
		waitReady(t, s, waitTimeout, http.StatusOK, "up")
	}

	if err := r.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	for _, s := range nodes {
		waitReady(t, s, redisOutage, http.StatusServiceUnavailable, "down")
	}
	ackOK(t, a.call(t, "message", map[string]any{"text": "during the outage"}))
	a2.nextWith(t, "message", "text", "during the outage")

	// A numbered stream from a, across the rest of the outage, the restart
	// and after: every event sent once both nodes are ready again must
	// reach b, on the other node, in order.
	stream := &numberedStream{from: a}
	stream.sendUntil(t, killed.Add(redisOutage), func() bool { return false })
	if err := r.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted, restartSeq := time.Now(), stream.next
	backSince := stream.sendUntil(t, time.Now().Add(waitTimeout), func() bool { return allReady(t, nodes) })
	if !allReady(t, nodes) {
		t.Fatalf("the nodes were not ready within %v of Redis's restart", waitTimeout)
	}
	readyAfter := time.Since(restarted)
	last := stream.sendUntil(t, time.Now().Add(time.Second), func() bool { return false }) - 1
	b.nextWith(t, "message", "seq", last)
	stream.wantReceived(t, b, backSince, last)
	// Until a node is ready again it drops what it cannot publish, as
	// during the outage; how much that was, for the record.
	t.Logf("both nodes ready %v after Redis's restart; of the %d events sent meanwhile, %d arrived",
		readyAfter.Round(time.Millisecond), backSince-restartSeq, stream.count(b, restartSeq, backSince))

	// New joins on either node see the members of both: the nodes put
	// them back into the empty Redis.
	c := d.connect(nodes[1], "c", clientV4, nil)
	sameIDs(t, "after the restart, a join's peers", c.join(t, "call").Peers, a, a2, b)
	e := d.connect(nodes[0], "e", clientV4, nil)
	sameIDs(t, "after the restart, a join's peers", e.join(t, "call").Peers, a, a2, b, c)

	for i, s := range nodes {
		logs := s.Logs()
		if n := strings.Count(logs, "redis unreachable"); n != 1 {
			t.Errorf("node %d logged the outage %d times, want once", i, n)
		}
		if n := strings.Count(logs, "redis reachable again"); n != 1 {
			t.Errorf("node %d logged the end of the outage %d times, want once", i, n)
		}
	}
}

// allReady reports whether every node answers /readyz 200 with redis up.
func allReady(t *testing.T, nodes []*server) bool {
	t.Helper()
	for _, s := range nodes {
		if code, r := s.ReadinessStatus(t); code != http.StatusOK || r.Redis != "up" {
			return false
		}
	}
	return true
}

// streamInterval spaces a numbered stream's events: well within the
// default event rate of 50 a second.
const streamInterval = 40 * time.Millisecond

// numberedStream is a message of seq 0, 1, 2, ... from one peer.
type numberedStream struct {
	from *peer
	next int
}

// sendUntil sends the stream's next events, one per streamInterval, until
// done or the deadline; it returns the seq of the first event sent after
// done was first true (the next one to send, when none was).
func (s *numberedStream) sendUntil(t *testing.T, deadline time.Time, done func() bool) int {
	t.Helper()
	tick := time.NewTicker(streamInterval)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if done() {
			return s.next
		}
		s.from.emit("message", map[string]any{"seq": s.next})
		s.next++
		<-tick.C
	}
	return s.next
}

// wantReceived checks that p got every seq from first to last, in order,
// once; earlier ones may be missing.
func (s *numberedStream) wantReceived(t *testing.T, p *peer, first, last int) {
	t.Helper()
	var got []int
	for _, r := range p.received("message") {
		var m struct {
			Seq *int `json:"seq"`
		}
		if len(r.Args) > 0 && json.Unmarshal(r.Args[0], &m) == nil && m.Seq != nil && *m.Seq >= first {
			got = append(got, *m.Seq)
		}
	}
	for i, seq := range got {
		if seq != first+i {
			t.Fatalf("%s got seqs %v of those sent from %d to %d once ready: a gap, a repeat or a reorder at %d", p.name, got, first, last, i)
		}
	}
	if len(got) != last-first+1 {
		t.Fatalf("%s got %d of the %d events sent once ready (%v)", p.name, len(got), last-first+1, got)
	}
}

// count is how many of the seqs from first to before end p got.
func (s *numberedStream) count(p *peer, first, end int) int {
	n := 0
	for _, r := range p.received("message") {
		var m struct {
			Seq *int `json:"seq"`
		}
		if len(r.Args) > 0 && json.Unmarshal(r.Args[0], &m) == nil && m.Seq != nil && *m.Seq >= first && *m.Seq < end {
			n++
		}
	}
	return n
}

// nodeDeathBound is how soon the other nodes must announce a node killed
// with SIGKILL: its alive key lives 3 s and the others look every second,
// so about 4 s, with room for a loaded machine.
const nodeDeathBound = 8 * time.Second

// A node killed with SIGKILL: the other nodes tell their members that its
// members are gone, take them out of the room lists and no longer count
// them against the room's capacity.
func TestClusterNodeDeathIsAnnounced(t *testing.T) {
	t.Parallel()
	_, nodes := startCluster(t, 3, "--max-peers-per-room", "4")
	d := startDriver(t)
	a := d.connect(nodes[0], "a", clientV4, nil)
	e := d.connect(nodes[2], "e", clientV4, nil)
	k1 := d.connect(nodes[1], "k1", clientV4, nil)
	k2 := d.connect(nodes[1], "k2", clientV4, nil)
	for _, p := range []*peer{a, e, k1, k2} {
		p.join(t, "call")
	}
	a.wantPeerEvent(t, "peer-joined", "call", k2)
	e.wantPeerEvent(t, "peer-joined", "call", k2)
	wantCode(t, d.connect(nodes[0], "late", clientV4, nil).call(t, "join", "call"), "room-full")

	if err := nodes[1].Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	for _, p := range []*peer{a, e} {
		for _, k := range []*peer{k1, k2} {
			p.wantPeerEvent(t, "peer-left", "call", k)
			p.waitFor(t, func(r report) bool {
				return r.Type == "event" && r.Event == "user disconnected" && firstString(r) == k.ID
			},
				"user disconnected "+k.name)
		}
	}
	if took := time.Since(killed); took > nodeDeathBound {
		t.Fatalf("the killed node's members were announced gone after %v, want within %v", took, nodeDeathBound)
	} else {
		t.Logf("the killed node's members were announced gone after %v", took)
	}

	// Their places are free, and the room lists lack them.
	c := d.connect(nodes[0], "c", clientV4, nil)
	sameIDs(t, "after the node died, a join's peers", c.join(t, "call").Peers, a, e)
	f := d.connect(nodes[2], "f", clientV4, nil)
	sameIDs(t, "after the node died, a join's peers", f.join(t, "call").Peers, a, e, c)
	wantCode(t, d.connect(nodes[2], "g", clientV4, nil).call(t, "join", "call"), "room-full")

	// Each was announced once, though two nodes survived to reap it.
	marker(t, c, a, e, f)
	for _, p := range []*peer{a, e} {
		for _, k := range []*peer{k1, k2} {
			if n := p.receivedWith("peer-left", "id", k.ID); n != 1 {
				t.Errorf("%s got peer-left for %s %d times, want once", p.name, k.name, n)
			}
		}
	}
}

// A node started while Redis is away serves its own rooms, is not ready,
// and joins the others once Redis comes.
func TestClusterNodeStartsWhileRedisIsAway(t *testing.T) {
	t.Parallel()
	r, nodes := startCluster(t, 1)
	if err := r.Kill(); err != nil {
		t.Fatal(err)
	}
	late := roomcasttest.StartNodes(t, roomcastBin, r, 1, manyClients...)[0]
	waitReady(t, late, waitTimeout, http.StatusServiceUnavailable, "down")
	if err := r.Restart(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, late, waitTimeout, http.StatusOK, "up")
	waitReady(t, nodes[0], waitTimeout, http.StatusOK, "up")

	d := startDriver(t)
	a := d.connect(nodes[0], "a", clientV4, nil)
	a.join(t, "call")
	b := d.connect(late, "b", clientV4, nil)
	sameIDs(t, "the late node's join", b.join(t, "call").Peers, a)
	ackOK(t, b.call(t, "offer", map[string]any{"sdp": "late"}))
	a.nextWith(t, "offer", "sdp", "late")
}
