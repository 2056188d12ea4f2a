package e2e

// Delivery guarantees a signaling server must keep whatever carries its
// socket.io: events in order and complete, none lost around a connect or a
// close, and nothing left of a peer once it has gone. Each of them was
// broken once in this project's history; the tests make the races they
// guard against as likely as they can.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// burstSize is how many events a burst sends back to back: enough to queue
// on the sender's and the reader's connections.
const burstSize = 20

func TestBurstArrivesCompleteAndInOrder(t *testing.T) {
	t.Parallel()
	websocketOnly := map[string]any{"transports": []string{"websocket"}}
	pollingOnly := map[string]any{"transports": []string{"polling"}}
	for _, tc := range []struct {
		name           string
		sender, reader clientVariant
	}{
		{"websocket to websocket", clientVariant{client: clientV4, opts: websocketOnly}, clientVariant{client: clientV4, opts: websocketOnly}},
		{"polling to polling", clientVariant{client: clientV4, opts: pollingOnly}, clientVariant{client: clientV4, opts: pollingOnly}},
		{"websocket to polling", clientVariant{client: clientV4, opts: websocketOnly}, clientVariant{client: clientV4, opts: pollingOnly}},
		{"v2 polling to v4 websocket", clientVariant{client: clientV2, opts: pollingOnly}, clientVariant{client: clientV4, opts: websocketOnly}},
		{"v1 polling to v3 websocket", clientVariant{client: clientV1, opts: pollingOnly}, clientVariant{client: clientV3, opts: websocketOnly}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t)
			d := startDriver(t)
			a := d.connect(s, "a", tc.sender.client, tc.sender.opts)
			b := d.connect(s, "b", tc.reader.client, tc.reader.opts)
			a.join(t, "pair")
			b.join(t, "pair")
			a.burst("ice", burstSize, map[string]any{"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"})
			for want := 0; want < burstSize; want++ {
				got := payload(t, b.next(t, "ice"))
				if seq, _ := got["seq"].(float64); int(seq) != want {
					t.Fatalf("ice #%d carries seq %v: events were lost or reordered", want, got["seq"])
				}
			}
		})
	}
}

// lastEventRounds is how many peers in turn send hangup and close at once.
const lastEventRounds = 20

// A page that emits hangup (or bye) and closes right away: the others must
// get the hangup, and before the peer-left that says the peer is gone.
func TestLastEventBeforeCloseArrivesBeforePeerLeft(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	watcher := d.connect(s, "watcher", clientV4, inRoom("bye"))
	for i := 0; i < lastEventRounds; i++ {
		p := d.connect(s, fmt.Sprintf("leaver%d", i), clientV4, inRoom("bye"))
		watcher.wantPeerEvent(t, "peer-joined", "bye", p)
		p.emit("hangup", map[string]any{"round": i})
		p.close()
		watcher.wantPeerEvent(t, "peer-left", "bye", p)
	}
	watcher.barrier(t)
	// Every hangup must have arrived, each before its sender's peer-left.
	var order []string
	watcher.mu.Lock()
	for _, r := range watcher.reports {
		if r.Type == "event" && (r.Event == "hangup" || r.Event == "peer-left") {
			order = append(order, r.Event)
		}
	}
	watcher.mu.Unlock()
	hangups := 0
	for i, ev := range order {
		if ev == "hangup" {
			hangups++
			if i+1 >= len(order) || order[i+1] != "peer-left" {
				t.Errorf("hangup #%d is not followed by its sender's peer-left: %v", hangups, order)
			}
		}
	}
	if hangups != lastEventRounds {
		t.Fatalf("%d of %d hangups sent right before closing arrived (%v)", hangups, lastEventRounds, order)
	}
}

// rapidConnects is how many raw connects TestNamespaceConnectIsNeverLost
// makes.
const rapidConnects = 1500

// A client that sends its namespace connect ("40") the moment the websocket
// opens, before the open packet has reached it, must always get the answer:
// the server may not read the websocket before it is ready to handle what it
// reads.
func TestNamespaceConnectIsNeverLost(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--connect-timeout", "2s")
	if total := failures(rapidConnects, 2, func(int) bool { return connectAtOnce(t, s) }); total > 0 {
		t.Fatalf("%d of %d namespace connects were never answered", total, rapidConnects)
	}
}

// connectAtOnce dials, sends "40" without waiting for the open packet, and
// reports whether the namespace connect was answered.
func connectAtOnce(t *testing.T, s *server) bool {
	conn, _, err := websocket.DefaultDialer.Dial(websocketURL(s, 4), nil)
	if err != nil {
		t.Errorf("dial: %v", err)
		return false
	}
	defer conn.Close()
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		return false
	}
	return awaitNamespace(conn) == nil // else closed by --connect-timeout: the connect was lost
}

// eagerEmitSessions is how many sessions emit the instant their namespace
// connect is answered.
const eagerEmitSessions = 3000

// A client that emits the moment it is connected, as pages do in their
// "connect" handler, must be handled like any other: the server may not
// answer the connect before it is ready for the socket's events. Such a race
// is microseconds wide, so the sessions are many and their workers more
// than the cores: the server's goroutines get preempted where the race is.
func TestEmitRightAfterConnectIsKept(t *testing.T) {
	t.Parallel()
	s := startProductionServer(t)
	url := websocketURL(s, 4)
	if total := failures(eagerEmitSessions, 16, func(int) bool { return joinAtOnce(url) }); total > 0 {
		t.Fatalf("%d of %d sessions that emitted right after connecting were dropped", total, eagerEmitSessions)
	}
}

// joinAtOnce connects, emits a join with an ack the moment the connect is
// answered, and reports whether the ack came.
func joinAtOnce(url string) bool {
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return false
	}
	defer conn.Close()
	if conn.WriteMessage(websocket.TextMessage, []byte("40")) != nil || awaitNamespace(conn) != nil {
		return false
	}
	if conn.WriteMessage(websocket.TextMessage, []byte(`421["join","eager"]`)) != nil {
		return false
	}
	for {
		_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
		_, frame, err := conn.ReadMessage()
		if err != nil {
			return false
		}
		if strings.HasPrefix(string(frame), "431") {
			return true
		}
	}
}

// phantomSessions is how many join-then-drop sessions the phantom test
// runs: a race that leaves a phantom once in 2,000 sessions fails the test
// in 86 % of runs (1 - (1 - 1/2000)^4000).
const phantomSessions = 4000

// A join racing its socket's disconnect, or a connect racing the
// connection's close, must leave nothing behind: no member without a
// connection, no room without a member, no session without a client. Once
// every session is gone, /readyz counts no peer, room or session.
func TestJoinRacingDisconnectLeavesNoPhantoms(t *testing.T) {
	t.Parallel()
	// Recovery off: a dropped socket would otherwise be kept, by design,
	// for its window; the recovery tests check it leaves after.
	s := startServer(t, "--recovery-window", "0")
	url := websocketURL(s, 4)
	dropped := failures(phantomSessions, 4, func(i int) bool {
		conn, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			return false
		}
		// Namespace connect and join in one burst, then drop the
		// connection without waiting for anything.
		_ = conn.WriteMessage(websocket.TextMessage, []byte("40"))
		if i%3 != 0 {
			_ = conn.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`42["join","room-%d"]`, i%7)))
		}
		conn.Close()
		return true
	})
	if dropped > 0 {
		t.Fatalf("%d of %d dials failed", dropped, phantomSessions)
	}
	if r := waitReadiness(t, s, settleTimeout, isEmpty); !isEmpty(r) {
		t.Fatalf("after %d join-then-drop sessions: %+v, want nothing left", phantomSessions, r.Occupancy())
	}
}

// waitReadiness polls /readyz until ok accepts it or the timeout passes,
// and returns the last answer: the server counts a closed session once it
// has finished with it, which may be after the client saw the close.
func waitReadiness(t *testing.T, s *server, timeout time.Duration, ok func(roomcasttest.Readiness) bool) roomcasttest.Readiness {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		r := s.Readiness(t)
		if ok(r) || time.Now().After(deadline) {
			return r
		}
		<-tick.C
	}
}

// isEmpty accepts a server with no peer, room or session.
func isEmpty(r roomcasttest.Readiness) bool { return r.Occupancy() == roomcasttest.Occupancy{} }

// pollingChurn is how many polling clients come and go.
const pollingChurn = 24

// Polling clients that come and go abort their pending poll on every
// upgrade and every close, while the server may be answering it. The server
// under test is race-built when the tests are; a data race makes it exit
// with a failure status, which startServer's cleanup reports.
func TestPollingClientsComeAndGoWithoutDataRace(t *testing.T) {
	t.Parallel()
	if !raceEnabled {
		t.Log("without -race this only checks that churn leaves the server working")
	}
	s := startServer(t)
	d := startDriver(t)
	stay := d.connect(s, "stay", clientV4, inRoom("churn"))
	for i := 0; i < pollingChurn; i++ {
		opts := inRoom("churn") // default transports: polling, then the upgrade aborts the poll
		if i%2 == 1 {
			opts["transports"] = []string{"polling"}
		}
		p := d.connect(s, fmt.Sprintf("p%d", i), clientV4, opts)
		stay.wantPeerEvent(t, "peer-joined", "churn", p)
		ackOK(t, p.call(t, "ice", map[string]any{"n": i}))
		stay.next(t, "ice")
		p.close()
		stay.wantPeerEvent(t, "peer-left", "churn", p)
	}
}
