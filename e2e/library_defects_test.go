package e2e

// Guards against defects of the socket.io library that roomcast works around
// in server/. Each test fails on a server without its workaround.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// pollingChurn is how many polling clients come and go: enough that the
// race below showed on every run of an unguarded race-built server.
const pollingChurn = 24

// The polling transport writes ctx.Cleanup while the library's watcher
// goroutine reads it when a client aborts its pending poll, which clients do
// on every upgrade and close (server/pollguard.go). The server under test is
// race-built when the tests are; the race detector then makes it exit with a
// failure status, which startServer's cleanup reports.
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

// The library occasionally never answers a namespace connect. roomcast
// bounds the wait with --connect-timeout, closing the connection so the
// official client reconnects at once, and counts it in /readyz.
func TestStalledConnectIsClosedAndCounted(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--connect-timeout", "300ms")
	conn, err := dialRaw(t, s, 4, "")
	if err != nil {
		t.Fatal(err)
	}
	if open, err := readFrame(t, conn); err != nil || !strings.HasPrefix(open, "0{") {
		t.Fatalf("open packet %q, %v", open, err)
	}
	// Never send the namespace connect: the server must close the connection.
	for {
		if _, err := readFrame(t, conn); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("the stalled connection was not closed")
			}
			break
		}
	}
	var ready struct {
		StalledConnects int `json:"stalled_connects"`
	}
	_, body := get(t, s, "/readyz")
	if err := json.Unmarshal([]byte(body), &ready); err != nil || ready.StalledConnects != 1 {
		t.Fatalf("readyz %s, want stalled_connects 1", body)
	}
	// A client that does open its namespace is not counted.
	d := startDriver(t)
	d.connect(s, "a", clientV4, nil).close()
	_, body = get(t, s, "/readyz")
	if err := json.Unmarshal([]byte(body), &ready); err != nil || ready.StalledConnects != 1 {
		t.Fatalf("readyz %s after a normal connect, want stalled_connects still 1", body)
	}
}

// rapidConnects is how many raw connects TestNamespaceConnectIsNeverLost
// makes; without the gate about 1 in 300 of them stalled on this machine.
const rapidConnects = 1500

// A client that sends its namespace connect ("40") as soon as the websocket
// opens must always get the answer (server/wsgate.go): the engine reads the
// websocket before socket.io listens to it, and used to drop that packet.
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
	url := fmt.Sprintf("ws://%s/socket.io/?EIO=4&transport=websocket", s.Addr)
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
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

// lastEventRounds is how many peers send hangup and close at once; the
// library used to drop 2 to 7 of 20 such hangups.
const lastEventRounds = 20

// A page that emits hangup (or bye) and closes right away: the library used
// to close the socket while the event still waited in its queue, so the
// others lost it, or got it after peer-left. roomcast handles a closing
// socket's queued events before it tells the room the peer left.
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

// eagerEmitSessions is how many sessions emit the instant their namespace
// connect is answered.
const eagerEmitSessions = 3000

// socket.io answers a namespace connect before it records the namespace, so
// a client that emits at once, as pages do in their "connect" handler, could
// be read in between and was disconnected for emitting into no namespace
// (server/connections.go). Every such session must get its join acked. The
// window is microseconds wide: the unguarded server dropped about one such
// session in 5,000 to 10,000, so this test catches a regression only now and
// then; TestSoakChurn, which makes millions of such sessions when run long,
// caught it in CI.
func TestEmitRightAfterConnectIsKept(t *testing.T) {
	t.Parallel()
	s := startProductionServer(t)
	url := fmt.Sprintf("ws://%s/socket.io/?EIO=4&transport=websocket", s.Addr)
	// More workers than cores: the server's goroutines get preempted between
	// answering and recording, where the race is.
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

// failures runs session(i) for i < n on that many concurrent workers and
// counts the sessions that failed.
func failures(n, workers int, session func(i int) bool) int {
	failed := make(chan int, workers)
	for w := 0; w < workers; w++ {
		go func() {
			count := 0
			for i := w; i < n; i += workers {
				if !session(i) {
					count++
				}
			}
			failed <- count
		}()
	}
	total := 0
	for w := 0; w < workers; w++ {
		total += <-failed
	}
	return total
}
