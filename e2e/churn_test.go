package e2e

// After thousands of sessions and every kind of abuse, the server holds
// what it held before: goroutines, heap after GC and descriptors return to
// their baseline, and /readyz counts nothing in use.

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/roomcasttest"
	"github.com/roomcast/roomcast/rooms"
)

// Sizes of the churn test.
const (
	// officialCycles and rawCycles are its connect, join, relay and
	// disconnect cycles: official clients, and hand-driven sessions of
	// every kind, together 2,000.
	officialCycles = 1000
	rawCycles      = 1000
	// officialBatch is how many official clients are in a cycle at once.
	officialBatch = 20
	// churnHeapSlack is how much more heap after GC the server may hold
	// after it all than before: the maps that grew to the peak keep their
	// buckets. A leak of 500 bytes a session is twice that.
	churnHeapSlack = 1 << 20
	// churnMaxConnections is the server's --max-connections, reached once.
	churnMaxConnections = 150
	// churnRecoveryWindow is the server's --recovery-window: dropped
	// sessions are kept, and must be gone, within the test.
	churnRecoveryWindow = 2 * time.Second
	// churnRoomSize is the server's --max-peers-per-room: the churn room
	// holds the dropped sessions of a recovery window too.
	churnRoomSize = 1000
)

func TestNothingLeaksAfterChurnAndAbuse(t *testing.T) {
	t.Parallel()
	s := startProductionServer(t, "--debug-endpoints", "--recovery-window", churnRecoveryWindow.String(),
		"--event-rate", "1000", "--event-burst", "500", "--max-excess", "1s",
		"--read-header-timeout", lorisReadHeaderTimeout.String(), "--max-connections", strconv.Itoa(churnMaxConnections),
		"--max-peers-per-room", strconv.Itoa(churnRoomSize))
	d := startDriver(t)

	// Warm up: the first sessions of each kind make what the server keeps
	// for good (pools, handlers, the debug endpoints' state).
	residentDone := startResident(t, s)
	churnOfficial(t, d, s, "warm", officialBatch)
	churnRaw(t, s, 20)
	s.Runtime(t) // two GCs: the pools' buffers are gone by the second
	before := s.Runtime(t)
	start := time.Now()

	churnOfficial(t, d, s, "c", officialCycles)
	churnRaw(t, s, rawCycles)
	t.Logf("%d official and %d hand-driven cycles in %v", officialCycles, rawCycles, time.Since(start).Round(time.Millisecond))
	abuse(t, s)
	t.Logf("and the abuse, in %v", time.Since(start).Round(time.Millisecond))
	residentDone()

	empty := func(r roomcasttest.Readiness) bool { return isEmpty(r) }
	if r := waitReadiness(t, s, churnRecoveryWindow+settleTimeout, empty); !empty(r) {
		t.Fatalf("readyz %+v once every client has gone, want nothing in use", r)
	}
	released := func(r roomcasttest.Runtime) bool {
		return r.Goroutines <= before.Goroutines+releaseSlack && r.OpenFDs <= before.OpenFDs+releaseSlack &&
			r.HeapAlloc <= before.HeapAlloc+churnHeapSlack
	}
	after := s.WaitRuntime(t, settleTimeout, released)
	t.Logf("before %+v, after %+v (heap %+d KB)", before, after, (int64(after.HeapAlloc)-int64(before.HeapAlloc))>>10)
	if !released(after) {
		t.Fatalf("goroutines %d → %d, descriptors %d → %d, heap after GC %d → %d KB\n%s", before.Goroutines, after.Goroutines,
			before.OpenFDs, after.OpenFDs, before.HeapAlloc>>10, after.HeapAlloc>>10, s.GoroutineStacks(t))
	}
}

// startResident puts a hand-driven session in the churn room that reads
// everything relayed to it; the returned func closes it and waits.
func startResident(t *testing.T, s *server) func() {
	resident := connectedSession(t, s, overWebsocket, "&room=churn").(*wsSession)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, _, err := resident.conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	return func() {
		resident.close()
		<-done
	}
}

// churnOfficial runs n cycles of official v4 clients, officialBatch at a
// time: connect into the churn room, relay with an ack, close; half over
// websocket, half polling.
func churnOfficial(t *testing.T, d *driver, s *server, prefix string, n int) {
	t.Helper()
	for first := 0; first < n; first += officialBatch {
		batch := make([]*peer, 0, officialBatch)
		for i := first; i < min(first+officialBatch, n); i++ {
			transport := "websocket"
			if i%2 == 1 {
				transport = "polling"
			}
			batch = append(batch, d.dial(s, fmt.Sprintf("%s%d", prefix, i), clientV4, withTransport(inRoom("churn"), transport)))
		}
		ids := make([]int, len(batch))
		for i, p := range batch {
			p.waitFor(t, func(r report) bool { return r.Type == "event" && r.Event == rooms.EventJoined }, "joined")
			ids[i] = p.ask("ice", map[string]any{"cycle": first + i})
		}
		for i, p := range batch {
			ackOK(t, p.answer(t, ids[i]))
			p.close()
		}
	}
}

// churnRaw runs n cycles of hand-driven sessions: every way a socket.io
// session ends (leaks_test.go), and raw endpoint pages.
func churnRaw(t *testing.T, s *server, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		kind := i % (len(sessionEndings) + 1)
		if kind < len(sessionEndings) {
			sessionEndings[kind].run(t, s, i)
			continue
		}
		page := rawPageIn(t, s, "churn", "page"+strconv.Itoa(i))
		page.sendJSON(t, map[string]any{"inst": "send", "peerId": "nobody", "message": i})
		if frame, closed, err := page.read(); err != nil || closed {
			t.Fatalf("raw page %d: %q, closed %v, %v", i, frame, closed, err)
		}
		closeFrame(page.conn)
	}
}

// abuse runs the floods and limits of the other tests against one server:
// bad input of every kind, slow readers, a flood of events, trickling
// headers, connections past --max-connections, racing joins.
func abuse(t *testing.T, s *server) {
	t.Helper()
	for _, transport := range bothTransports {
		for _, row := range badRows {
			if row.only == "" || row.only == transport {
				row.run(t, s, transport, "nobody")
			}
		}
	}
	for i, open := range []func(*testing.T, *server) slowRoom{slowSocketIORoom, slowRawRoom} {
		room := open(t, s)
		relayPastSlowMember(t, s, room, slowMemberBound(t), i)
		room.close()
	}
	floodUntilDisconnected(t, s)
	slowLoris(t, s, lorisConnections)
	pastMaxConnections(t, s)
	concurrentJoins(t, s, 100, func(int) []string { return []string{"crowd"} })
}

// floodUntilDisconnected sends events far beyond the rate until the
// server, after --max-excess, disconnects the session.
func floodUntilDisconnected(t *testing.T, s *server) {
	t.Helper()
	hs := connectedSession(t, s, overWebsocket, "&room=flood").(*wsSession)
	flood := textPackets(`42["ice",{"candidate":"flood"}]`)
	for range 50 {
		flood = append(flood, flood[0])
	}
	stopped := make(chan error, 1)
	go func() { stopped <- awaitClose(hs) }()
	tick := time.NewTicker(10 * time.Millisecond) // 5,000 events a second
	defer tick.Stop()
	deadline := time.After(waitTimeout)
	for {
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("the flood: %v, want a disconnect", err)
			}
			return
		case <-deadline:
			t.Fatal("a flood of events was not disconnected")
		case <-tick.C:
			hs.send(flood...)
		}
	}
}

// pastMaxConnections opens connections until one is refused with 403,
// then closes them all.
func pastMaxConnections(t *testing.T, s *server) {
	t.Helper()
	var open []func()
	defer func() {
		for _, closeIt := range open {
			closeIt()
		}
	}()
	for i := 0; i <= churnMaxConnections; i++ {
		closeIt, err := connectionKinds[i%len(connectionKinds)].open(s, nil)
		if err != nil {
			if r, ok := err.(*refusal); !ok || r.status != 403 {
				t.Fatalf("connection %d: %v, want admitted or 403", i, err)
			}
			return
		}
		open = append(open, closeIt)
	}
	t.Fatalf("%d connections admitted, past --max-connections %d", len(open), churnMaxConnections)
}
