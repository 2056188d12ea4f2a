package e2e

// Connection state recovery with the official socket.io-client 4.8.4
// (docs/protocol.md, "Connection state recovery"): a client whose
// connection drops reconnects on its own as the same socket, still in its
// rooms, and gets every event it missed, in order, once; the others never
// see it leave. The drops are made by a TCP proxy between the client and
// roomcast (netproxy_test.go), so neither end sends a goodbye.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/proc"
	"github.com/roomcast/roomcast/internal/roomcasttest"
	roomcastserver "github.com/roomcast/roomcast/server"
)

const (
	// missedEvents is how many events a peer sends while the other one's
	// connection is down.
	missedEvents = 50
	// A short heartbeat makes the server notice a silent connection
	// within about two seconds (ping interval + ping timeout), where the
	// default takes 45.
	shortHeartbeatInterval, shortHeartbeatTimeout = "1s", "1s"
	// expirySlack is how late after --recovery-window the others may hear
	// that a dropped peer left: a timer firing and one event crossing
	// loopback, on a busy machine.
	expirySlack = 1500 * time.Millisecond
	// noticedEarly allows for the test noticing the drop a little after
	// the server did: readiness is polled every 20 ms.
	noticedEarly = 200 * time.Millisecond
)

// recovering are the options of a client that reconnects on its own, soon
// (socket.io's defaults wait 1 to 5 s between attempts), over one
// transport, into room.
func recovering(room, transport string) map[string]any {
	opts := inRoom(room)
	opts["transports"] = []string{transport}
	opts["reconnection"] = true
	opts["reconnectionDelay"] = 100
	opts["reconnectionDelayMax"] = 500
	return opts
}

// callPair connects b directly and a through the proxy, both in room
// "call", and has them exchange an offer and an answer: the call is under
// way when the test breaks a's connection.
func callPair(t *testing.T, s *server, proxy *netProxy, d *driver, transport string) (a, b *peer) {
	t.Helper()
	b = d.connect(s, "b", clientV4, inRoom("call"))
	a = d.connect(proxy.server(), "a", clientV4, recovering("call", transport))
	b.wantPeerEvent(t, "peer-joined", "call", a)
	ackOK(t, a.call(t, "offer", map[string]any{"sdp": "a's offer"}))
	b.next(t, "offer")
	ackOK(t, b.call(t, "answer", map[string]any{"sdp": "b's answer"}))
	a.next(t, "answer")
	return a, b
}

// waitDisconnect waits until the client has seen its connection go.
func (p *peer) waitDisconnect(t *testing.T) report {
	t.Helper()
	return p.waitFor(t, func(r report) bool { return r.Type == "disconnect" }, "disconnect")
}

// waitReconnect waits for the client's next connect, after a disconnect.
func (p *peer) waitReconnect(t *testing.T) report {
	t.Helper()
	return p.waitFor(t, func(r report) bool { return r.Type == "connect" }, "reconnect")
}

// waitRecovered waits for the peer's reconnect and fails unless it
// recovered its socket: the same id, socket.recovered set.
func (p *peer) waitRecovered(t *testing.T) {
	t.Helper()
	if back := p.waitReconnect(t); !back.Recovered || back.ID != p.ID {
		t.Fatalf("%s reconnected as %s, recovered %v; want %s, recovered", p.name, back.ID, back.Recovered, p.ID)
	}
}

// waitNewSocket waits for the peer's reconnect and fails unless it came
// back as a new socket, and returns that.
func (p *peer) waitNewSocket(t *testing.T) report {
	t.Helper()
	back := p.waitReconnect(t)
	if back.Recovered || back.ID == p.ID {
		t.Fatalf("%s reconnected as %s (was %s), recovered %v: want a new socket", p.name, back.ID, p.ID, back.Recovered)
	}
	return back
}

// waitNoticed waits until the server has closed every session but those
// of the clients still connected, while keeping every peer: the dropped
// ones are suspended, not gone.
func waitNoticed(t *testing.T, s *server, peers, connected int) {
	t.Helper()
	r := waitReadiness(t, s, waitTimeout, func(r roomcasttest.Readiness) bool { return r.Sessions == connected })
	if r.Sessions != connected || r.Peers != peers {
		t.Fatalf("after the drop: %+v, want %d peers of which %d with a session", r.Occupancy(), peers, connected)
	}
}

// wantMissed checks that p got exactly the events seq 0..n-1 of event, in
// order, each once. Call it after p.barrier(t).
func wantMissed(t *testing.T, p *peer, event string, n int) {
	t.Helper()
	got := p.received(event)
	seqs := make([]int, len(got))
	for i, r := range got {
		seq, ok := payload(t, r)["seq"].(float64)
		if !ok {
			t.Fatalf("%s %s #%d has no seq: %s", p.name, event, i, r.Args)
		}
		seqs[i] = int(seq)
	}
	if len(seqs) != n {
		t.Fatalf("%s got %d %s events, want %d: %v", p.name, len(seqs), event, n, seqs)
	}
	for i, seq := range seqs {
		if seq != i {
			t.Fatalf("%s got %s events %v: not each of 0..%d once, in order", p.name, event, seqs, n-1)
		}
	}
}

// wantStillInCall checks that a and b still share room "call", a with its
// old id, both ways, and that b never heard a leave or come back.
func wantStillInCall(t *testing.T, a, b *peer) {
	t.Helper()
	ackOK(t, b.call(t, "ice", map[string]any{"after": true}))
	a.waitFor(t, func(r report) bool { return r.Type == "event" && r.Event == "ice" && payload(t, r)["after"] == true }, "ice after the recovery")
	ackOK(t, a.call(t, "answer", map[string]any{"sdp": "after the recovery"}))
	if got := payload(t, b.next(t, "answer")); got["from"] != a.ID {
		t.Fatalf("b got an answer from %v, want a's id %s", got["from"], a.ID)
	}
	// A second join of its room is harmless, and shows a is in it.
	j := a.join(t, "call")
	sameIDs(t, "the call's other peers", j.Peers, b)
	b.barrier(t)
	b.wantNone(t, "peer-left")
	b.wantNone(t, "user disconnected")
	if n := b.peerEvents("peer-joined", "call"); n != 1 {
		t.Fatalf("b got %d peer-joined, want the one when a first came", n)
	}
}

// The test: a's connection drops mid-call, b sends 50 events
// meanwhile, and a reconnects as the same socket with all of them.
func TestRecoveryAfterADroppedConnection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		transport string
		flags     []string
		// fail is how the network fails; the server notices either way
		// before the client comes back.
		fail func(*netProxy)
	}{
		{"websocket, connection ended", "websocket", nil, (*netProxy).cut},
		{"websocket, connection silent", "websocket", []string{"--ping-interval", shortHeartbeatInterval, "--ping-timeout", shortHeartbeatTimeout}, (*netProxy).strand},
		// A lost poll tells the server nothing: the heartbeat notices.
		{"polling", "polling", []string{"--ping-interval", shortHeartbeatInterval, "--ping-timeout", shortHeartbeatTimeout}, (*netProxy).cut},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, tc.flags...)
			proxy := startProxy(t, s)
			d := startDriver(t)
			a, b := callPair(t, s, proxy, d, tc.transport)

			tc.fail(proxy)
			a.waitDisconnect(t)
			waitNoticed(t, s, 2, 1)
			b.burst("ice", missedEvents, map[string]any{"candidate": "candidate:1 1 udp 2122260223 10.0.0.2 9 typ host"})
			b.barrier(t)
			proxy.release()

			a.waitRecovered(t)
			a.barrier(t)
			wantMissed(t, a, "ice", missedEvents)
			wantStillInCall(t, a, b)
		})
	}
}

// A client that comes back before the server noticed its connection went
// (the network went silent; the server's heartbeat has not failed yet)
// takes its socket over: the stale connection is closed, and its close
// changes nothing for the others.
func TestRecoveryTakesOverAConnectionNotYetNoticed(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			s := startServer(t)
			proxy := startProxy(t, s)
			d := startDriver(t)
			a, b := callPair(t, s, proxy, d, transport)

			proxy.strand()
			a.waitDisconnect(t)
			b.burst("ice", missedEvents, map[string]any{"candidate": "candidate:1 1 udp 2122260223 10.0.0.2 9 typ host"})
			b.barrier(t)
			if r := s.Readiness(t); r.Sessions != 2 {
				t.Fatalf("before a came back: %+v, want both sessions still open", r.Occupancy())
			}
			proxy.release()

			a.waitRecovered(t)
			// The stale session is closed: b's and a's new one remain.
			r := waitReadiness(t, s, waitTimeout, func(r roomcasttest.Readiness) bool { return r.Sessions == 2 })
			if r.Sessions != 2 || r.Peers != 2 {
				t.Fatalf("after the takeover: %+v, want 2 peers and 2 sessions", r.Occupancy())
			}
			a.barrier(t)
			wantMissed(t, a, "ice", missedEvents)
			wantStillInCall(t, a, b)
		})
	}
}

// takeoverBeyondReplay is more than roomcast keeps of what it sent a
// connected peer (the last 16 KiB, server's recoveryReplayBytes), and less
// than --recovery-peer-bytes (256 KiB by default).
const takeoverBeyondReplay = 64 << 10

// A client that comes back before the server noticed the drop, having
// missed more than the last packets kept for a connected peer, cannot be
// given them: its old socket leaves, as any disconnect does, and the
// reconnect is a new socket, which gets none of them.
func TestRecoveryTakeoverBeyondWhatAConnectedPeerKeeps(t *testing.T) {
	t.Parallel()
	const eventBytes = 1 << 10
	s := startServer(t)
	proxy := startProxy(t, s)
	d := startDriver(t)
	a, b := callPair(t, s, proxy, d, "websocket")

	proxy.strand()
	a.waitDisconnect(t)
	b.burst("ice", takeoverBeyondReplay/eventBytes, map[string]any{"candidate": strings.Repeat("x", eventBytes)})
	b.barrier(t)
	proxy.release()

	back := a.waitNewSocket(t)
	b.wantPeerEvent(t, "peer-left", "call", a)
	b.waitFor(t, func(r report) bool {
		return r.Type == "event" && r.Event == "peer-joined" && peerEventIs(r, "call", back.ID)
	}, "peer-joined of a's new socket")
	r := waitReadiness(t, s, waitTimeout, func(r roomcasttest.Readiness) bool { return r.Sessions == 2 })
	if r.Sessions != 2 || r.Peers != 2 {
		t.Fatalf("after the reconnect: %+v, want 2 peers and 2 sessions", r.Occupancy())
	}
	a.barrier(t)
	a.wantNone(t, "ice")
}

// Past --recovery-window the dropped peer leaves, as any disconnect does,
// and its reconnect is a new socket.
func TestRecoveryWindowPasses(t *testing.T) {
	t.Parallel()
	const window = 2 * time.Second
	s := startServer(t, "--recovery-window", window.String())
	proxy := startProxy(t, s)
	d := startDriver(t)
	a, b := callPair(t, s, proxy, d, "websocket")

	proxy.cut()
	waitNoticed(t, s, 2, 1)
	noticed := time.Now()
	b.wantPeerEvent(t, "peer-left", "call", a)
	left := time.Since(noticed)
	t.Logf("peer-left %v after the server noticed the drop (window %v)", left.Round(time.Millisecond), window)
	if left < window-noticedEarly || left > window+expirySlack {
		t.Fatalf("peer-left came %v after the drop, want %v (up to %v later)", left, window, expirySlack)
	}
	var gone string
	b.next(t, "user disconnected").arg(t, 0, &gone)
	if gone != a.ID {
		t.Fatalf("user disconnected %q, want %q", gone, a.ID)
	}

	proxy.release()
	back := a.waitNewSocket(t)
	b.waitFor(t, func(r report) bool {
		return r.Type == "event" && r.Event == "peer-joined" && peerEventIs(r, "call", back.ID)
	}, "peer-joined of a's new socket")
}

// A dropped peer that misses more than --recovery-peer-bytes leaves at
// once, long before the window, and its reconnect is a new socket that gets
// none of what the old one missed.
func TestRecoveryPeerBytesBound(t *testing.T) {
	t.Parallel()
	const peerBytes, eventBytes = 16 << 10, 1 << 10
	s := startServer(t, "--recovery-peer-bytes", fmt.Sprint(peerBytes))
	proxy := startProxy(t, s)
	d := startDriver(t)
	a, b := callPair(t, s, proxy, d, "websocket")

	proxy.cut()
	a.waitDisconnect(t)
	waitNoticed(t, s, 2, 1)
	// Half the bound is kept: a could still recover.
	candidate := strings.Repeat("x", eventBytes)
	b.burst("ice", peerBytes/eventBytes/2, map[string]any{"candidate": candidate})
	b.barrier(t)
	b.wantNone(t, "peer-left")
	// Twice the bound is not.
	b.burst("ice", 2*peerBytes/eventBytes, map[string]any{"candidate": candidate})
	b.wantPeerEvent(t, "peer-left", "call", a) // within waitTimeout; the window is 2 minutes

	proxy.release()
	a.waitNewSocket(t)
	a.barrier(t)
	a.wantNone(t, "ice")
}

// At the largest --recovery-peer-bytes, a peer that missed nearly that
// much still gets all of it: its replay fits its connection's outbound
// queue.
func TestRecoveryPeerBytesAtItsMaximumRecovers(t *testing.T) {
	t.Parallel()
	const eventBytes = 32 << 10
	s := startServer(t, "--recovery-peer-bytes", fmt.Sprint(roomcastserver.MaxRecoveryPeerBytes))
	proxy := startProxy(t, s)
	d := startDriver(t)
	a, b := callPair(t, s, proxy, d, "websocket")

	proxy.cut()
	a.waitDisconnect(t)
	waitNoticed(t, s, 2, 1)
	missed := roomcastserver.MaxRecoveryPeerBytes/eventBytes - 1 // each event is a little more than eventBytes
	b.burst("ice", missed, map[string]any{"candidate": strings.Repeat("x", eventBytes)})
	b.barrier(t)
	proxy.release()

	a.waitRecovered(t)
	a.barrier(t)
	wantMissed(t, a, "ice", missed)
	wantStillInCall(t, a, b)
}

// A --recovery-peer-bytes whose replay would not fit a connection's
// outbound queue could never recover anyone: roomcast refuses it at start.
func TestRecoveryPeerBytesAboveItsMaximumIsRefused(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(roomcastBin, "--recovery-peer-bytes", fmt.Sprint(roomcastserver.MaxRecoveryPeerBytes+1))
	cmd.Env = proc.CleanEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want status 2", err)
	}
	if lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "recovery") {
		t.Fatalf("stderr %q, want one line about recovery", stderr.String())
	}
}

// Every event to a socket.io 3+ client carries an offset as its last
// argument, the same for every recipient of one broadcast; 1.x and 2.x
// clients, which cannot recover, get the arguments as sent. Acks carry
// none.
func TestRecoveryOffsetsOnlyForClientsThatCanRecover(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	sender := d.connect(s, "sender", clientV4, nil)
	receivers := map[string]*peer{}
	for _, v := range []clientVariant{
		{"v4 websocket", clientV4, map[string]any{"transports": []string{"websocket"}}},
		{"v4 polling", clientV4, map[string]any{"transports": []string{"polling"}}},
		{"v3", clientV3, nil},
		{"v2", clientV2, nil},
		{"v1", clientV1, nil},
	} {
		receivers[v.name] = d.connect(s, v.name, v.client, v.opts)
		receivers[v.name].join(t, "mix")
	}
	sender.join(t, "mix")

	var previous string
	for round := range 2 {
		ack := sender.call(t, "offer", map[string]any{"sdp": "x"}, "second")
		ackOK(t, ack)
		if len(ack.Args) != 1 {
			t.Fatalf("the ack carries %s, want (null) and no offset", ack.Args)
		}
		offsets := map[string]bool{}
		for name, p := range receivers {
			args := p.next(t, "offer").Args
			withOffset := !strings.HasPrefix(name, "v1") && !strings.HasPrefix(name, "v2")
			if !withOffset {
				if len(args) != 2 || string(args[1]) != `"second"` {
					t.Fatalf("%s got %s, want the two arguments as sent", name, args)
				}
				continue
			}
			var offset string
			if len(args) != 3 || string(args[1]) != `"second"` || json.Unmarshal(args[2], &offset) != nil || offset == "" {
				t.Fatalf("%s got %s, want the two arguments and an offset", name, args)
			}
			offsets[offset] = true
		}
		if len(offsets) != 1 {
			t.Fatalf("round %d: the recipients of one broadcast got offsets %v, want one", round, offsets)
		}
		for offset := range offsets {
			if offset == previous {
				t.Fatalf("two broadcasts carried the same offset %q", offset)
			}
			previous = offset
		}
	}
}

// leakRoom is one room of the expiry leak test: a resident connected
// directly, and peers connected through the proxy, which the test drops.
type leakRoom struct {
	name     string
	resident *peer
	dropped  []*peer
}

// fillLeakRooms connects rooms rooms of one resident and perRoom peers
// through the proxy, every peer named after round.
func fillLeakRooms(t *testing.T, s *server, proxy *netProxy, d *driver, round string, rooms, perRoom int) []leakRoom {
	t.Helper()
	out := make([]leakRoom, rooms)
	for r := range out {
		lr := &out[r]
		lr.name = fmt.Sprintf("leak-%d", r)
		lr.resident = d.connect(s, round+"-resident-"+lr.name, clientV4, inRoom(lr.name))
		opts := inRoom(lr.name)
		opts["transports"] = []string{"websocket"}
		for i := range perRoom {
			lr.dropped = append(lr.dropped, d.dial(proxy.server(), fmt.Sprintf("%s-%s-%d", round, lr.name, i), clientV4, opts))
		}
	}
	for _, lr := range out {
		for _, p := range lr.dropped {
			p.ID = p.waitFor(t, func(r report) bool { return r.Type == "connect" }, "connect").ID
			lr.resident.wantPeerEvent(t, "peer-joined", lr.name, p)
		}
	}
	return out
}

// Suspended peers that expire give back everything: goroutines and the
// heap after GC return to the baseline, and /readyz counts nothing. The
// baseline is taken after a first round of as many peers that came and
// left at once: the server's tables keep the size they grew to, whether or
// not recovery kept anyone.
func TestRecoveryExpiredPeersLeaveNothing(t *testing.T) {
	t.Parallel()
	const (
		rooms, droppedPerRoom = 20, 10
		// Each resident sends its room this much while its peers are
		// away: one copy per broadcast is kept, for all of them (1.6 MB in
		// all).
		residentEvents, eventBytes = 20, 4 << 10
		// window leaves time to send and measure while they are away.
		window = 3 * time.Second
		// heapSlack is what the heap may end above the baseline: readings
		// of an idle server vary by tens of KB; a suspended peer left
		// behind holds its client, limiters and private id (about 1 KB
		// each), and the logs it shares with its room 80 KB a room.
		heapSlack = 100 << 10
	)
	s := roomcasttest.Start(t, productionBin, append(manyClients, "--debug-endpoints", "--recovery-window", window.String())...)
	proxy := startProxy(t, s)
	d := startDriver(t)

	for _, lr := range fillLeakRooms(t, s, proxy, d, "warmup", rooms, droppedPerRoom) {
		for _, p := range append(lr.dropped, lr.resident) {
			p.close()
		}
	}
	if r := waitReadiness(t, s, settleTimeout, isEmpty); !isEmpty(r) {
		t.Fatalf("readyz %+v after every warm-up peer closed, want nothing in use", r)
	}
	before := s.Runtime(t)

	leakRooms := fillLeakRooms(t, s, proxy, d, "suspended", rooms, droppedPerRoom)
	proxy.cut()
	waitNoticed(t, s, rooms*(droppedPerRoom+1), rooms)
	for _, lr := range leakRooms {
		lr.resident.burst("ice", residentEvents, map[string]any{"candidate": strings.Repeat("c", eventBytes)})
	}
	for _, lr := range leakRooms {
		lr.resident.barrier(t)
	}
	held := s.Runtime(t)
	t.Logf("baseline %+v; %d peers suspended: %+v", before, rooms*droppedPerRoom, held)
	for _, lr := range leakRooms {
		for _, p := range lr.dropped {
			lr.resident.wantPeerEvent(t, "peer-left", lr.name, p)
		}
		lr.resident.close()
	}

	released := func(r roomcasttest.Runtime) bool {
		return r.Goroutines <= before.Goroutines+releaseSlack && int64(r.HeapAlloc)-int64(before.HeapAlloc) <= heapSlack
	}
	after := s.WaitRuntime(t, settleTimeout, released)
	t.Logf("after every suspended peer expired: %+v", after)
	if !released(after) {
		t.Errorf("goroutines %d → %d, heap after GC %d KB → %d KB (%d KB while suspended)\n%s",
			before.Goroutines, after.Goroutines, before.HeapAlloc>>10, after.HeapAlloc>>10, held.HeapAlloc>>10, s.GoroutineStacks(t))
	}
	if r := waitReadiness(t, s, settleTimeout, isEmpty); !isEmpty(r) {
		t.Errorf("readyz %+v after every peer left, want nothing in use", r)
	}
}
